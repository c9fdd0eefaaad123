"""How well the care detector's margin fits a home's own stream (a diagnostic of ``docs/care-detection.md``).

    python benchmarks/care_tail_calibration.py /tmp/ordonez-A.csv /tmp/ordonez-B.csv

The survival threshold assumes that a new day goes past the longest of the ``k`` days seen by an exponential excess
whose scale is the bin's day-to-day spread (shrunk towards the 1 h prior). For every context and half-hour bin of an
events CSV this replays the days in order, and whenever a day (from the fourth on) sets a new longest silence in the
bin, divides its excess over the old longest by the spread of the days before it. Under the model that ratio is
exponential with mean 1 (quantiles: 50 % 0.69, 90 % 2.30, 99 % 4.61). The silences and their contexts come from the
product's detector; the bins follow ``Routine.learn`` (each day's value: its longest silence elapsed at the bin's end).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from maeul.services.care.detection.config import HomeConfig
from maeul.services.care.detection.detector import Detector
from maeul.services.care.detection.routine import MAX_LEARNED_S, OUT, ContextStats, covered_bins, parent
from maeul.services.care.replay import load_events

QUANTILES = (0.5, 0.9, 0.99, 1.0)
EXPONENTIAL = {0.5: math.log(2), 0.9: math.log(10), 0.99: math.log(100)}

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def day_values(path: Path, cfg: HomeConfig) -> dict[tuple[str, int], dict[int, float]]:
    """Per (context, bin): each day's longest elapsed silence at the bin's end, as the routine learns it."""
    detector = Detector(replace(cfg, learned=False))
    values: dict[tuple[str, int], dict[int, float]] = {}
    for event in load_events(path):
        before, context = detector.last_activity, detector.context
        detector.observe(event)
        end = detector.last_activity
        if end == before or before is None or end is None or context is None or context == OUT:
            continue
        for index, day, elapsed in covered_bins(before, min(end, before + MAX_LEARNED_S), cfg.bin_s):
            for name in (context, parent(context)):
                if name is not None:
                    days = values.setdefault((name, index), {})
                    days[day] = max(days.get(day, 0.0), elapsed)
    return values


def excess_ratios(values: dict[tuple[str, int], dict[int, float]], prior_s: float, first: int) -> list[float]:
    """For every new longest set from the ``first``-th day on: its excess over the old longest / the spread of the
    days before it (the routine's own per-bin statistics, one bin at a time)."""
    ratios: list[float] = []
    for days in values.values():
        seen = ContextStats.empty(1)
        for day in sorted(days):
            value = days[day]
            if seen.count[0] >= first and value > seen.longest[0]:
                ratios.append((value - seen.longest[0]) / seen.spread(0, prior_s))
            seen.add(0, day, value)
    return ratios


@app.command()
def main(events: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="events CSV files")) -> None:
    cfg = HomeConfig()
    table = Table(title="margin calibration: new longest silence's excess / spread (exponential model: mean 1)")
    for name in ("events", "new longest", "mean", *(f"q{int(q * 100)}" for q in QUANTILES)):
        table.add_column(name, justify="right")
    table.add_row("model", "", "1.00", *(f"{EXPONENTIAL[q]:.2f}" if q in EXPONENTIAL else "-" for q in QUANTILES))
    for path in events:
        ratios = sorted(excess_ratios(day_values(path, cfg), float(cfg.window_s), cfg.min_support))
        if not ratios:
            table.add_row(path.name, "0", "-", *("-" for _ in QUANTILES))
            continue
        cells = [f"{ratios[round(q * (len(ratios) - 1))]:.2f}" for q in QUANTILES]
        table.add_row(path.name, str(len(ratios)), f"{statistics.fmean(ratios):.2f}", *cells)
    Console(width=120).print(table)


if __name__ == "__main__":
    app()
