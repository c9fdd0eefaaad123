"""``train`` and ``classify`` from the command line (a Typer app the complaints service may mount, e.g. as
``maeul complaints ai``; also ``python -m maeul.services.complaints.ai``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from maeul.services.complaints.ai.classifier import Classifier
from maeul.services.complaints.ai.dataset import parse_labelled_csv
from maeul.services.complaints.ai.evaluation import choose_threshold, cross_validate
from maeul.services.complaints.ai.records import AiInputError, LabelledExample
from maeul.services.complaints.ai.training import train_classifier


def build_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, no_args_is_help=True, help="민원 AI / complaints AI")
    console = Console()

    @app.command()
    def train(
        csv_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="labelled CSV (docs/complaints-ai.md)"),
        out: Path = typer.Option(..., "--out", help="where to write the model (trusted local file)"),
        folds: int = typer.Option(5, help="cross-validation folds; 0: none"),
    ) -> None:
        """라벨 CSV로 분류기를 학습 / train a classifier on a labelled CSV."""
        rows, errors = parse_labelled_csv(csv_file.read_text(encoding="utf-8-sig"))
        if errors:
            for error in errors[:20]:
                console.print(f"[red]line {error.line}[/red]: {error.message_ko} / {error.message_en}")
            raise typer.Exit(1)
        examples = [LabelledExample(r.text, r.category, r.department) for r in rows]
        threshold = None
        try:
            if folds:
                with Progress(console=console, transient=True) as progress:
                    task = progress.add_task(f"{folds}-fold cross-validation", total=folds)
                    report = cross_validate(
                        examples, folds=folds, progress=lambda d, t: progress.update(task, completed=d, total=t)
                    )
                if report.folds:
                    threshold = choose_threshold(report.confidences, report.correct, 0.95)
                    console.print(
                        f"macro-F1 category {report.category_macro_f1:.3f}, department "
                        f"{report.department_macro_f1:.3f} ({report.folds} folds); threshold {threshold}"
                    )
                else:
                    console.print(report.note)
            model = train_classifier(examples, threshold=threshold)
        except AiInputError as exc:
            console.print(f"[red]{exc.message_ko} / {exc.message_en}[/red]")
            raise typer.Exit(1) from None
        out.write_bytes(model.to_bytes())
        console.print(
            f"{len(examples)} examples, {model.metrics.categories} categories, trained in "
            f"{model.metrics.train_seconds:.1f} s -> {out}"
        )

    @app.command()
    def classify(
        model_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="a model written by train"),
        texts: list[str] = typer.Argument(..., help="complaint texts"),
    ) -> None:
        """민원 본문의 분류와 부서 / category and department of complaint texts."""
        try:
            model = Classifier.from_bytes(model_file.read_bytes())
        except AiInputError as exc:
            console.print(f"[red]{exc.message_ko} / {exc.message_en}[/red]")
            raise typer.Exit(1) from None
        table = Table("text", "category", "department", "confidence", "triage")
        for text, p in zip(texts, model.predict_many(texts), strict=True):
            table.add_row(text[:40], p.category, p.department, f"{p.confidence:.2f}", "yes" if p.needs_triage else "")
        console.print(table)

    return app


if __name__ == "__main__":
    build_app()()
