"""``maeul devices``: add, list, import from CSV, rotate a device's token."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from maeul.adapters.mqtt.provisioning import device_username
from maeul.adapters.mqtt.topics import telemetry_topic
from maeul.adapters.sql import devices as repo
from maeul.cli.common import console, fail, open_platform, print_json, resolve_tenant
from maeul.core.device_import import parse_device_csv

app = typer.Typer(help="Devices and their credentials / 장치와 인증 정보", no_args_is_help=True)
TenantOpt = Annotated[str | None, typer.Option("--tenant", "-t", help="Tenant id (default: the only one)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _credentials(tenant: str, device_id: int, token: str) -> dict[str, object]:
    return {
        "id": device_id,
        "tenant": tenant,
        "token": token,
        "topic": telemetry_topic(tenant, device_id),
        "mqtt_username": device_username(tenant, device_id),
    }


@app.command("add")
def add(
    name: str,
    profile: Annotated[str | None, typer.Option(help="Profile name (default: generic)")] = None,
    tenant: TenantOpt = None,
    lon: float | None = None,
    lat: float | None = None,
    district: Annotated[str | None, typer.Option(help="District code")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a device and print its id, secret token and MQTT topic."""
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.begin() as conn:
            device, token = repo.create_device(
                conn, tenant_id, name, profile=profile, lon=lon, lat=lat, district_code=district
            )
        platform.provision_broker()
    creds = _credentials(tenant_id, device["id"], token)
    if as_json:
        print_json(creds)
        return
    console.print(f"device [bold]{name}[/] registered / 장치 등록됨: id {device['id']}")
    console.print(f"token (shown once / 한 번만 표시): [bold]{token}[/]\nMQTT topic: {creds['topic']}")


@app.command("list")
def list_(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """List the tenant's devices."""
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.connect() as conn:
            rows = repo.list_devices(conn, tenant_id, limit=1_000_000)
            profiles = {p["id"]: p["name"] for p in repo.list_profiles(conn, tenant_id)}
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name / 이름", "profile / 프로필", "district / 행정동", "lon", "lat")
    for d in rows:
        table.add_row(
            str(d["id"]),
            d["name"],
            profiles.get(d["profile_id"], "?"),
            d["district_code"] or "",
            f"{d['lon']:.5f}" if d["lon"] is not None else "",
            f"{d['lat']:.5f}" if d["lat"] else "",
        )
    console.print(table)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import devices from CSV (name,profile,lon,lat,district_code,gateway,attr.*): all rows or none."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text; save it as CSV UTF-8")
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.begin() as conn:
            profiles = {p["name"] for p in repo.list_profiles(conn, tenant_id)}
            rows, errors = parse_device_csv(
                text, profiles=profiles, existing_names=set(repo.device_names(conn, tenant_id))
            )
            if errors:
                for e in errors:
                    console.print(f"[red]{file.name}:{e.line}[/] {e.message}")
                fail(f"{len(errors)} problem(s) found; nothing was imported / 아무것도 가져오지 않았습니다")
            with console.status(f"importing {len(rows)} devices / 장치 {len(rows)}개 가져오는 중"):
                created = repo.import_devices(conn, tenant_id, rows)
        platform.provision_broker()
    result = [_credentials(tenant_id, d["id"], token) | {"name": d["name"]} for d, token in created]
    if as_json:
        print_json(result)
    else:
        console.print(f"imported {len(result)} devices / 장치 {len(result)}개를 가져왔습니다")


@app.command("rotate-token")
def rotate_token(device_id: int, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Issue a new secret token for a device; the old one stops working."""
    with open_platform() as platform:
        tenant_id = resolve_tenant(platform, tenant)
        with platform.engine.begin() as conn:
            token = repo.rotate_token(conn, tenant_id, device_id)
        platform.provision_broker()
    creds = _credentials(tenant_id, device_id, token)
    if as_json:
        print_json(creds)
    else:
        console.print(f"new token (shown once / 한 번만 표시): [bold]{token}[/]")
