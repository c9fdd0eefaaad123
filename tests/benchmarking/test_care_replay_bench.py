"""benchmarks/care_replay.py converts a real home, replays it and prints and stores its figures beside the goal
(no timing asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import orjson
from typer.testing import CliRunner

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{name}_bench", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_home_one_seed_beside_the_goal(tmp_path: Path, ordonez_data: Path) -> None:
    module = _script("care_replay")
    out = tmp_path / "care.json"
    args = ["--data", str(ordonez_data), "--homes", "A", "--seeds", "1", "--inject", "3", "--many", "0"]
    args += ["--json", str(out)]
    result = CliRunner().invoke(module.app, args)
    assert result.exit_code == 0, result.output
    assert "A learned" in result.output and "fixed 8/12/24 h" in result.output
    figures = orjson.loads(out.read_bytes())
    assert figures["goal"]["mean_time_to_detect_h"] == 3.0
    (run,) = figures["runs"]
    assert run["home"] == "A" and run["learned"]["injected"] == 3
    for key in ("ideal_mean_time_to_detect_h", "lower_bound_mean_time_to_detect_h", "false_alarms"):
        assert key in run["learned"] and key in run["fixed"]


def test_the_margin_calibration_prints_the_model_beside_a_home(tmp_path: Path, ordonez_data: Path) -> None:
    from maeul.services.care.ordonez import convert_file

    module = _script("care_tail_calibration")
    csv_path = tmp_path / "ordonez-A.csv"
    convert_file(ordonez_data / "OrdonezA_Sensors.txt", ordonez_data / "OrdonezA_ADLs.txt", csv_path)
    ratios = module.excess_ratios(module.day_values(csv_path, module.HomeConfig()), 3600.0, 3)
    assert ratios and all(r > 0 for r in ratios)
    result = CliRunner().invoke(module.app, [str(csv_path)])
    assert result.exit_code == 0, result.output
    assert "model" in result.output and "ordonez-A.csv" in result.output
