from __future__ import annotations

from pathlib import Path

from ai_support import small_examples
from typer.testing import CliRunner

from maeul.services.complaints.ai import write_labelled_csv
from maeul.services.complaints.ai.cli import build_app


def test_train_then_classify(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    rows = [{"text": e.text, "category": e.category, "department": e.department} for e in small_examples()[:150]]
    data.write_text(write_labelled_csv(rows), encoding="utf-8")
    model = tmp_path / "model.bin"
    runner = CliRunner()
    trained = runner.invoke(build_app(), ["train", str(data), "--out", str(model), "--folds", "2"])
    assert trained.exit_code == 0, trained.output
    assert "macro-F1" in trained.output and model.exists()
    answered = runner.invoke(build_app(), ["classify", str(model), "가로등이 꺼졌어요"])
    assert answered.exit_code == 0, answered.output
    assert "street_light" in answered.output


def test_bad_csv_and_bad_model_are_reported(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("text,category,department\n,a,b\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(build_app(), ["train", str(data), "--out", str(tmp_path / "m.bin")])
    assert result.exit_code == 1 and "line 2" in result.output and "text is empty" in result.output
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model")
    result = runner.invoke(build_app(), ["classify", str(junk), "텍스트"])
    assert result.exit_code == 1 and "not a serialised" in result.output
