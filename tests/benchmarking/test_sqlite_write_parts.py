"""benchmarks/sqlite_write_parts.py: every part of a SQLite batch's write is timed and printed (no timing asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from typer.testing import CliRunner

from maeul.adapters.sql.telemetry_sql import SqliteBulk


def _script() -> ModuleType:
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "sqlite_write_parts.py"
    spec = importlib.util.spec_from_file_location("sqlite_write_parts_bench", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_trigger_body_splits_into_the_statements_it_runs() -> None:
    body = _script().trigger_body(SqliteBulk.FLUSH_TRIGGER)
    assert body[0] == SqliteBulk.INSERT.replace(" maeul_telemetry_", " temp.maeul_telemetry_")
    assert len(body) == 1 + 1 + 1 + len(SqliteBulk.ROLLUPS) + 3  # raw, latest, fold, rollups, three deletes
    assert all(s.startswith(("INSERT INTO ", "DELETE FROM ")) for s in body)


def test_every_part_is_printed_with_the_rows_per_second() -> None:
    result = CliRunner().invoke(_script().app, ["--rows", "40", "--batches", "3"])
    assert result.exit_code == 0, result.output
    for part in ("stage", "INSERT INTO telemetry", "INSERT INTO latest_values", "INSERT INTO rollup_day", "commit"):
        assert part in result.output
    assert "rows/s" in result.output
