"""The replay's printed table puts each run's best possible time to detect (the JSON's lower bound: the time to the
resident's next real sign of life) beside its time to detect."""

from __future__ import annotations

import re

from rich.console import Console

from maeul.services.care.cli import _table
from maeul.services.care.replay import ReplayReport


def _run(mean: float, median: float, bound_mean: float, bound_median: float) -> dict[str, object]:
    return {
        "days": 14.0,
        "false_alarms": 1,
        "false_alarms_per_household_day": 0.0714,
        "injected": 50,
        "misses": 0,
        "mean_time_to_detect_h": mean,
        "median_time_to_detect_h": median,
        "device_alerts": 2,
        "lower_bound_mean_time_to_detect_h": bound_mean,
        "lower_bound_median_time_to_detect_h": bound_median,
        "ideal_mean_time_to_detect_h": bound_mean + 0.5,
    }


def _lines(report: ReplayReport) -> dict[str, list[str]]:
    console = Console(width=200, record=True)
    console.print(_table(report, "home.csv"))
    out: dict[str, list[str]] = {}
    for line in console.export_text().splitlines():
        cells = [c.strip() for c in re.split("[│┃]", line)]
        if len(cells) > 2:
            out[cells[1]] = cells[2:-1]  # the header row under ""
    return out


def test_each_run_is_shown_beside_its_best_possible_time() -> None:
    report = ReplayReport(_run(3.5, 2.25, 2.2, 1.5), _run(9.0, 8.5, 2.4, 1.75), events=1000, seed=1)
    rows = _lines(report)
    assert rows["mean time to detect / 평균 탐지 시간"] == ["3 h 30 min", "2 h 12 min", "9 h 00 min", "2 h 24 min"]
    assert rows["median time to detect / 중앙값"] == ["2 h 15 min", "1 h 30 min", "8 h 30 min", "1 h 45 min"]
    assert rows["misses / 놓침"] == ["0", "", "0", ""]  # no bound but for the times
    assert rows["ideal on the same clues, mean / 같은 단서의 이상적 탐지, 평균"] == ["2 h 42 min", "", "2 h 54 min", ""]
    assert [c.split(" / ")[-1] for c in rows[""]] == ["learned", "best possible", "fixed tiers", "best possible"]


def test_a_run_without_injections_leaves_the_bound_empty() -> None:
    empty = {"days": 14.0, "false_alarms": 0, "injected": 0, "misses": 0, "mean_time_to_detect_h": None}
    rows = _lines(ReplayReport(empty, empty, events=10, seed=1))
    assert rows["mean time to detect / 평균 탐지 시간"] == ["-", "", "-", ""]
