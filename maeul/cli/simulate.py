"""``maeul simulate``: simulated room sensors feeding the platform over HTTP, MQTT or in-process."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from maeul.adapters.mqtt.subscriber import parse_mqtt_url
from maeul.cli.common import console, fail, open_platform, print_json, resolve_tenant, settings_or_exit
from maeul.simulate.fleet import ensure_sim_devices
from maeul.simulate.occupancy import OccupancyFormatError, OccupancyRow, read_occupancy
from maeul.simulate.runner import SimConfig, SimReport, Simulator
from maeul.simulate.transports import (
    MAX_DEVICE_CONNECTIONS,
    HttpTransport,
    InProcessTransport,
    MqttTransport,
    Transport,
    TransportError,
)

TRANSPORTS = ("inprocess", "http", "mqtt")


def _replay_rows(path: Path) -> list[OccupancyRow]:
    if not path.is_file():
        fail(f"재생 파일이 없습니다 / replay file not found: {path}")
    try:
        rows = list(read_occupancy(path))
    except OccupancyFormatError as exc:
        fail(f"재생 파일 형식 오류 / bad replay file: {exc}")
    if not rows:
        fail(f"재생 파일에 측정값이 없습니다 / the replay file has no readings: {path}")
    return rows


def _mqtt_url(given: str | None, configured: str | None, devices: int) -> str:
    """The URL given; else the platform's broker (MAEUL_MQTT_URL), each device logging in as itself."""
    if not given and not configured:
        fail("MQTT 브로커 주소가 필요합니다 / give --mqtt-url mqtt://host:port (or set MAEUL_MQTT_URL)")
    try:
        address = parse_mqtt_url(given or configured or "")
    except ValueError as exc:
        fail(f"MQTT URL이 올바르지 않습니다 / invalid MQTT URL: {exc}")
    if given and address.username is not None:
        return given  # one account carries every device
    if devices > MAX_DEVICE_CONNECTIONS:
        fail(
            f"장치가 너무 많습니다 / over {MAX_DEVICE_CONNECTIONS} devices need an account: --mqtt-url mqtt://user:pass@host"
        )
    # Each device logs in as itself (the configured URL holds the ingest account, which may not publish).
    host = f"[{address.host}]" if ":" in address.host else address.host
    return f"mqtt://{host}:{address.port}"


def _watch(simulator: Simulator) -> SimReport | None:
    """Show a progress bar and live counters until the run ends; Ctrl-C stops it cleanly."""
    planned = simulator.stats().planned
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[counters]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("모의 전송 / simulating", total=planned, counters="")
        simulator.start()
        try:
            while simulator.running:
                stats = simulator.stats()
                rate = stats.sent / stats.elapsed_s if stats.elapsed_s else 0.0
                counters = f"sent {stats.sent} · ok {stats.accepted} · failed {stats.failed}"
                progress.update(task, completed=stats.sent, counters=counters + (f" · {rate:.1f}/s" if rate else ""))
                time.sleep(0.2)
        except KeyboardInterrupt:
            console.print("중지하는 중 / stopping (messages in flight are finished)")
            simulator.stop()
    return simulator.wait()


def _print_report(report: SimReport) -> None:
    console.print(
        f"[bold]{report.transport}[/] {report.mode}: {report.devices} devices, sent {report.sent}, "
        f"accepted {report.accepted}, failed {report.failed}, {report.readings} readings, "
        f"{report.rate:g} msg/s (target {report.target_rate:g}) in {report.elapsed_s:.1f} s"
    )
    for error, count in list(report.errors.items())[:5]:
        console.print(f"  [red]{count}×[/] {error}")


def simulate(
    devices: Annotated[int, typer.Option("--devices", "-n", help="Number of simulated devices")] = 10,
    rate: Annotated[float, typer.Option(help="Messages per second, all devices together")] = 1.0,
    duration: Annotated[float, typer.Option(help="Seconds to run; 0 = until Ctrl-C (or the replay ends)")] = 60.0,
    messages: Annotated[
        int | None, typer.Option(help="Stop after this many messages (or at --duration, whichever comes first)")
    ] = None,
    transport: Annotated[str, typer.Option(help="inprocess, http or mqtt")] = "http",
    url: Annotated[str, typer.Option(help="Base URL of the Maeul server (http)")] = "http://127.0.0.1:8000",
    mqtt_url: Annotated[
        str | None,
        typer.Option(help="mqtt://host:port (each device logs in as itself) or mqtt://user:pass@host:port"),
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant id (default: the only one)")] = None,
    replay: Annotated[Path | None, typer.Option(help="Replay a UCI occupancy file instead of daily rhythms")] = None,
    keep_timestamps: Annotated[bool, typer.Option(help="Replay with the file's own timestamps")] = False,
    time_scale: Annotated[float, typer.Option(help="Simulated seconds per real second")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed of homes, positions and noise")] = 0,
    concurrency: Annotated[int, typer.Option(help="Messages in flight at once")] = 16,
    prefix: Annotated[str, typer.Option(help="Name prefix of the simulated devices")] = "sim",
    as_json: Annotated[bool, typer.Option("--json", help="Print the final report as JSON")] = False,
) -> None:
    """Simulate N room sensors sending temperature, humidity, light and motion at a steady total rate."""
    kind = transport.strip().lower()
    if kind not in TRANSPORTS:
        fail(f"알 수 없는 전송 방식 / unknown transport {transport!r}: use inprocess, http or mqtt")
    if devices < 1:
        fail(f"장치 수는 1 이상이어야 합니다 / --devices must be at least 1 (got {devices})")
    rows = _replay_rows(replay) if replay is not None else None
    config = SimConfig(
        rate=rate,
        duration_s=duration,
        messages=messages,
        time_scale=time_scale,
        seed=seed,
        concurrency=concurrency,
        replay=rows,
        keep_timestamps=keep_timestamps,
    )
    try:
        config.validate()
    except ValueError as exc:
        fail(str(exc))
    settings = settings_or_exit()
    http: HttpTransport | None = None
    broker_url = ""
    if kind == "http":
        try:
            http = HttpTransport(url)
        except TransportError as exc:
            fail(str(exc))
    elif kind == "mqtt":
        broker_url = _mqtt_url(mqtt_url, settings.mqtt_url, devices)
    with ExitStack() as stack:
        platform = stack.enter_context(open_platform(settings))
        tenant_id = resolve_tenant(platform, tenant)
        with console.status(f"장치 준비 / preparing {devices} devices", spinner="dots"):
            fleet = ensure_sim_devices(platform, tenant_id, devices, prefix, seed=seed)
        chosen: Transport
        if kind == "inprocess":
            platform.start(mqtt=False)
            stack.callback(platform.stop)
            chosen = InProcessTransport(platform)
        elif http is not None:
            chosen = http
        else:
            platform.provision_broker()  # the broker must know the passwords of new devices
            chosen = MqttTransport(broker_url, tenant_id)
        if kind != "inprocess":
            platform.engine.dispose()  # the server stores the messages
        try:
            report = _watch(Simulator(fleet, chosen, config))
        except TransportError as exc:
            fail(str(exc))
    assert report is not None
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report)
    if report.sent and not report.accepted:
        first = next(iter(report.errors), "unknown")
        fail(f"받아들여진 메시지가 없습니다 / no message was accepted: {first}")


def register(app: typer.Typer) -> None:
    """Add ``maeul simulate`` to the main command."""
    app.command("simulate")(simulate)
