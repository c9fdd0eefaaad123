"""The replay protocol (care-evaluation.md) on a synthetic home and on the two real Ordóñez homes."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from maeul.services.care.cli import cli
from maeul.services.care.detection.events_csv import parse_events, write_events
from maeul.services.care.ordonez import convert, convert_file, sensor_events
from maeul.services.care.replay import ReplayError, replay

sys.path.insert(0, str(Path(__file__).resolve().parent))
from care_synthetic import stream

KEYS = {
    "days",
    "false_alarms",
    "false_alarms_per_household_day",
    "injected",
    "detected",
    "misses",
    "mean_time_to_detect_h",
    "median_time_to_detect_h",
}


def test_synthetic_home_no_false_alarm_every_emergency_found() -> None:
    report = replay(stream(12), inject=8, seed=3, tick_s=300)
    learned, fixed = report.learned, report.fixed
    assert learned["false_alarms"] == 0 and learned["misses"] == 0 and learned["injected"] == 8
    assert isinstance(learned["days"], float) and 4.5 < learned["days"] < 5.5
    assert fixed["false_alarms"] == 5  # the 8 h tier fires every night of this 8 h sleeper… at 07:00
    mean = learned["mean_time_to_detect_h"]
    assert isinstance(mean, float) and mean < 8


def test_replay_is_seeded() -> None:
    a = replay(stream(10), inject=4, seed=7, tick_s=600).to_json()
    b = replay(stream(10), inject=4, seed=7, tick_s=600).to_json()
    assert a == b


def test_too_short_a_stream_is_refused() -> None:
    with pytest.raises(ReplayError) as error:
        replay(stream(5), inject=3)
    assert "learning" in str(error.value)


def test_cli_json_has_the_protocol_keys(tmp_path: Path) -> None:
    path = tmp_path / "home.csv"
    with path.open("w", encoding="utf-8") as f:
        write_events(stream(9), f)
    result = CliRunner().invoke(cli(), ["replay", str(path), "--inject", "3", "--seed", "2", "--json", "--tick", "600"])
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.stdout)
    assert set(data) >= KEYS and set(data["fixed_tiers"]) >= KEYS


def test_cli_reports_a_bad_file_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("ts,sensor,room,kind,value\n2026-01-01T00:00:00,pir,K,motion,x\n", encoding="utf-8")
    result = CliRunner().invoke(cli(), ["replay", str(path)])
    assert result.exit_code == 2 and "line 2" in result.output


@pytest.fixture(scope="module")
def ordonez(ordonez_data: Path) -> Path:
    return ordonez_data


@pytest.mark.parametrize(("home", "rows", "away"), [("A", 846, 28), ("B", 4744, 76)])
def test_ordonez_homes_convert(ordonez: Path, tmp_path: Path, home: str, rows: int, away: int) -> None:
    out = tmp_path / f"ordonez-{home}.csv"
    assert convert_file(ordonez / f"Ordonez{home}_Sensors.txt", ordonez / f"Ordonez{home}_ADLs.txt", out) == rows
    with out.open(encoding="utf-8") as f:
        events = list(parse_events(f))
    assert len(events) == rows
    assert sum(1 for e in events if e.kind == "label:away") == away
    assert {e.kind for e in events} - {"label:away"} <= {"motion", "door", "contact", "pressure", "flush", "power"}
    assert sum(1 for e in events if e.kind == "door") > 0


def test_ordonez_home_a_replays(ordonez: Path) -> None:
    events = convert(ordonez / "OrdonezA_Sensors.txt", ordonez / "OrdonezA_ADLs.txt")
    report = replay(events, inject=5, seed=1, tick_s=300)
    assert report.learned["injected"] == 5
    assert report.learned["misses"] == 0
    fixed_fa, learned_fa = report.fixed["false_alarms"], report.learned["false_alarms"]
    assert isinstance(fixed_fa, int) and isinstance(learned_fa, int) and learned_fa < fixed_fa


def test_ordonez_converter_rejects_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("h\r\n-\r\n2011-11-28 02:27:59\t\tBed\tPressure\r\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"s\.txt:3"):
        convert(path, None)


_SENSORS = st.sampled_from(
    [
        ("Bed", "Pressure", "Bedroom"),
        ("Maindoor", "Magnetic", "Entrance"),
        ("Basin", "PIR", "Bathroom"),
        ("Fridge", "Magnetic", "Kitchen"),
        ("Toilet", "Flush", "Bathroom"),
        ("Toaster", "Electric", "Kitchen"),
    ]
)
_INTERVAL = st.tuples(
    st.datetimes(datetime(2011, 1, 1), datetime(2013, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.integers(0, 36_000),
    _SENSORS,
    st.sampled_from(["\t", "\t\t", "\t\t\t"]),
)


@given(st.lists(_INTERVAL, max_size=25))
def test_ordonez_reader_any_intervals(rows: list[tuple[datetime, int, tuple[str, str, str], str]]) -> None:
    lines = ["Start time\tEnd time\tLocation\tType\tPlace\r\n", "----\t----\r\n"]
    for start, length, (location, kind, place), sep in rows:
        end = start + timedelta(seconds=length)
        lines.append(
            sep.join([f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}", location, kind, place]) + "\r\n"
        )
    events = sensor_events(lines)
    assert len(events) == 2 * len(rows)
    kinds = {e.kind for e in events}
    assert kinds <= {"pressure", "door", "motion", "contact", "flush", "power"}
    assert all((e.sensor == "Maindoor-Entrance") == (e.kind == "door") for e in events)


def test_the_lower_bound_is_the_next_real_sign_of_life() -> None:
    """No detector quiet on the unmodified stream can beat the resident's next real sign of life; the synthetic
    home's kitchen motion every 20 minutes by day and its 07:00 rise bound the time to detect from below."""
    report = replay(stream(12), inject=8, seed=3, tick_s=300)
    learned = report.learned
    bound, mean = learned["lower_bound_mean_time_to_detect_h"], learned["mean_time_to_detect_h"]
    assert isinstance(bound, float) and isinstance(mean, float)
    assert learned["false_alarms"] == 0 and 0 < bound <= mean
    median = learned["lower_bound_median_time_to_detect_h"]
    assert isinstance(median, float) and median <= 8.5  # nights end at 07:00, bedtime is 22:30
