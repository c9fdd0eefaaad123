"""``maeul simulate``: a JSON report on success; one clear Korean/English error and exit code 1 otherwise."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from sim_support import occupancy_test_file
from typer.testing import CliRunner

from maeul.adapters.sql.telemetry_query import latest
from maeul.cli.simulate import register
from maeul.platform.app import Platform
from maeul.platform.settings import load_settings
from maeul.simulate.fleet import load_tokens
from maeul.testing.mosquitto import free_port

app = typer.Typer()


@app.callback()
def _group() -> None:
    """A stand-in for the main ``maeul`` command."""


register(app)


@pytest.fixture
def occupancy_file(pytestconfig: pytest.Config) -> Path:
    return occupancy_test_file(pytestconfig)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("MAEUL_"):
            monkeypatch.delenv(name)
    directory = tmp_path / "data"
    monkeypatch.setenv("MAEUL_DATA_DIR", str(directory))
    return directory


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_inprocess_run_prints_a_json_report(data_dir: Path) -> None:
    code, out, err = invoke("--transport", "inprocess", "--messages", "10", "--devices", "3", "--rate", "5", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["transport"] == "inprocess" and report["mode"] == "rhythms" and report["devices"] == 3
    assert report["sent"] == report["accepted"] == 10 and report["failed"] == 0 and report["completed"]
    assert set(report) >= {"sent", "accepted", "failed", "rate", "elapsed_s", "readings", "errors"}
    tokens = load_tokens(data_dir / "simulator-devices.json")["default"]
    assert sorted(tokens) == ["sim-0001", "sim-0002", "sim-0003"]
    platform = Platform.create(load_settings({}, data_dir=data_dir))
    try:
        with platform.engine.connect() as conn:
            assert all(len(latest(conn, entry["id"])) == 4 for entry in tokens.values())
    finally:
        platform.engine.dispose()
    # A second run reuses the devices and their tokens.
    code, out, err = invoke("--transport", "inprocess", "--messages", "2", "--devices", "3", "--rate", "4", "--json")
    assert code == 0, err
    assert json.loads(out)["accepted"] == 2
    assert load_tokens(data_dir / "simulator-devices.json")["default"] == tokens


def test_replay_through_the_cli(data_dir: Path, occupancy_file: Path) -> None:
    code, out, err = invoke(
        "--transport", "inprocess", "--replay", str(occupancy_file), "--devices", "2", "--rate", "100",
        "--duration", "0", "--messages", "100", "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert (report["mode"], report["sent"], report["accepted"], report["readings"]) == ("replay", 100, 100, 500)


def test_human_report(data_dir: Path) -> None:
    code, out, err = invoke("--transport", "inprocess", "--messages", "2", "--rate", "4")
    assert code == 0 and out == ""
    assert "inprocess rhythms: 10 devices, sent 2, accepted 2, failed 0" in " ".join(err.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "the rate must be above 0"),
        (["--rate", "-3"], "the rate must be above 0"),
        (["--duration", "-1"], "the duration must be 0 or more"),
        (["--messages", "0"], "the message count must be at least 1"),
        (["--time-scale", "0"], "the time scale must be above 0"),
        (["--devices", "0"], "--devices must be at least 1"),
        (["--transport", "pigeon"], "unknown transport 'pigeon'"),
        (["--replay", "no-such-file.txt"], "replay file not found"),
        (["--url", "127.0.0.1:8000"], "the URL must start with http://"),
        (["--url", "http://127.0.0.1:{port}", "--duration", "1"], "cannot reach the server"),
        (["--transport", "mqtt"], "give --mqtt-url"),
        (["--transport", "mqtt", "--mqtt-url", "mqtt://127.0.0.1:{port}"], "cannot reach the broker"),
        (["--transport", "mqtt", "--mqtt-url", "ftp://x"], "invalid MQTT URL"),
        (["--transport", "mqtt", "--mqtt-url", "mqtt://127.0.0.1:1", "--devices", "201"], "over 200 devices"),
    ],
)
def test_bad_input_gives_one_clear_error(data_dir: Path, args: list[str], message: str) -> None:
    port = str(free_port())
    code, out, err = invoke(*[a.replace("{port}", port) for a in args])
    text = " ".join(err.split())  # undo the console's line wrapping
    assert code == 1 and out == ""
    assert "오류 / error:" in text and message in text
    assert "Traceback" not in err
    korean = text.split("오류 / error:", 1)[1]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean), "the message has a Korean part"


def test_bad_replay_file(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text('"date","Temperature","Humidity","Light","CO2","HumidityRatio","Occupancy"\n"1",x\n')
    code, _out, err = invoke("--transport", "inprocess", "--replay", str(bad))
    compact = "".join(err.split())  # the console may wrap anywhere in the long path
    assert code == 1 and "badreplayfile" in compact and "bad.txt:2:expected7or8fields,found2" in compact
