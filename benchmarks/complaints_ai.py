"""Complaints AI figures beside their targets: classification macro-F1 (5-fold stratified cross-validation on
the synthetic set; held-out hand-written set trained on the synthetic one), time to train and to classify one
request, and precision of the top-5 duplicate suggestions on a labelled set.

    python benchmarks/complaints_ai.py                 # uses the CSV files in benchmarks/data/
    python benchmarks/complaints_ai.py --regenerate    # rewrites the synthetic CSV files first (same seed)

The evaluation data go through the product's own labelled-CSV reader (``parse_labelled_csv``). How the sets
were built: docs/complaints-ai.md.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from datetime import timedelta
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from maeul.services.complaints.ai import (
    Complaint,
    LabelledExample,
    cross_validate,
    evaluate,
    find_duplicates,
    parse_labelled_csv,
    train_classifier,
    write_labelled_csv,
)
from maeul.services.complaints.ai.dataset import LabelledRow
from maeul.services.complaints.ai.duplicates import DEFAULT_MIN_SCORE
from maeul.services.complaints.ai.synthetic import generate_complaints, generate_duplicate_set
from maeul.services.complaints.ai.taxonomy import related_categories

DATA = Path(__file__).parent / "data"
GENERATED = DATA / "complaints_generated.csv"
HANDWRITTEN = DATA / "complaints_handwritten.csv"
DUPLICATES = DATA / "complaints_duplicates.csv"
HAND_DUPLICATES = DATA / "complaints_duplicates_handwritten.csv"
SEED = 2026
TARGETS = {
    "cv_macro_f1": 0.90,
    "heldout_macro_f1": 0.80,
    "train_seconds": 60.0,
    "classify_ms": 100.0,
    "dup_precision_at_5": 0.80,
}

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console()


def _regenerate(per_category: int, incidents: int) -> None:
    rows = generate_complaints(per_category, seed=SEED)
    GENERATED.write_text(write_labelled_csv(_as_dict(r) for r in rows), encoding="utf-8")
    duplicates = generate_duplicate_set(incidents, seed=SEED)
    DUPLICATES.write_text(
        write_labelled_csv(
            ({"id": f"D{i:04d}", **_as_dict(r)} for i, r in enumerate(duplicates, start=1)),
            extra_columns=("id", "incident"),
        ),
        encoding="utf-8",
    )


def _as_dict(row: object) -> dict[str, object]:
    return {name: getattr(row, name) for name in row.__slots__}  # type: ignore[attr-defined]


def _read(path: Path) -> list[LabelledRow]:
    rows, errors = parse_labelled_csv(path.read_text(encoding="utf-8"))
    if errors:
        raise SystemExit(f"{path}: " + "; ".join(f"line {e.line}: {e.message_en}" for e in errors[:5]))
    return rows


def _examples(rows: list[LabelledRow]) -> list[LabelledExample]:
    return [LabelledExample(r.text, r.category, r.department) for r in rows]


def _duplicate_figures(
    rows: list[LabelledRow], classifier: object | None, radius_m: float, days: int, min_score: float = DEFAULT_MIN_SCORE
) -> dict:
    complaints = []
    incident_of: dict[str, str] = {}
    for row in rows:
        assert row.lat is not None and row.lon is not None and row.created_at is not None
        complaint = Complaint(
            row.extra["id"], row.text, row.category, row.lat, row.lon, row.created_at, row.district_code
        )
        complaints.append(complaint)
        incident_of[complaint.id] = row.extra.get("incident", "")
    related = related_categories()
    by_incident: dict[str, list[Complaint]] = {}
    for complaint in complaints:
        if incident_of[complaint.id]:
            by_incident.setdefault(incident_of[complaint.id], []).append(complaint)
    precisions, recalls, hits, shown, strict = [], [], [], [], []
    for members in by_incident.values():
        query = max(members, key=lambda c: c.created_at)  # the newest report asks for its duplicates
        truth = {c.id for c in members if c.id != query.id}
        suggestions = find_duplicates(
            query,
            complaints,
            radius_m,
            timedelta(days=days),
            related=related,
            classifier=classifier,  # type: ignore[arg-type]
            min_score=min_score,
        )
        top = [s.complaint_id for s in suggestions[:5]]
        right = sum(1 for t in top if t in truth)
        shown.append(len(top))
        precisions.append(right / len(top) if top else 0.0)
        strict.append(right / min(5, len(truth)))
        recalls.append(right / len(truth))
        hits.append(1.0 if top and top[0] in truth else 0.0)
    return {
        "queries": len(by_incident),
        "candidates": len(complaints),
        "precision_at_5": statistics.fmean(precisions),
        "precision_at_5_of_possible": statistics.fmean(strict),
        "recall_at_5": statistics.fmean(recalls),
        "hit_at_1": statistics.fmean(hits),
        "mean_shown": statistics.fmean(shown),
    }


@app.command()
def main(
    regenerate: bool = typer.Option(False, help="rewrite the synthetic CSV files (seeded) before measuring"),
    per_category: int = typer.Option(100, help="synthetic complaints per category (with --regenerate)"),
    incidents: int = typer.Option(60, help="incidents in the duplicate set (with --regenerate)"),
    folds: int = typer.Option(5, help="cross-validation folds"),
    radius_m: float = typer.Option(250.0, help="duplicate search radius in metres"),
    window_days: int = typer.Option(14, help="duplicate search window in days"),
    json_path: Path | None = typer.Option(None, "--json", help="also write the figures here"),
) -> None:
    if regenerate or not GENERATED.exists() or not DUPLICATES.exists():
        _regenerate(per_category, incidents)
    generated, handwritten, duplicates = _read(GENERATED), _read(HANDWRITTEN), _read(DUPLICATES)
    examples = _examples(generated)
    console.print(
        f"generated set: {len(generated)} rows, hand-written: {len(handwritten)}, duplicate set: {len(duplicates)}"
    )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"{folds}-fold cross-validation", total=folds)
        cv = cross_validate(
            examples,
            folds=folds,
            seed=SEED,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    started = time.perf_counter()
    classifier = train_classifier(examples, seed=SEED)
    train_seconds = time.perf_counter() - started
    held = evaluate(classifier, _examples(handwritten))
    timings = []
    for row in handwritten:  # texts the analyser has not seen: no cache hits
        t0 = time.perf_counter()
        classifier.predict(row.text)
        timings.append((time.perf_counter() - t0) * 1000)
    auto_share, auto_accuracy = held.auto_routed(classifier.threshold)
    dup = _duplicate_figures(duplicates, classifier, radius_m, window_days)
    dup_plain = _duplicate_figures(duplicates, None, radius_m, window_days)
    dup_all = _duplicate_figures(duplicates, classifier, radius_m, window_days, min_score=0.0)
    dup_hand = _duplicate_figures(_read(HAND_DUPLICATES), classifier, radius_m, window_days)
    figures = {
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "examples": len(examples),
        "cv_folds": cv.folds,
        "cv_category_macro_f1": cv.category_macro_f1,
        "cv_department_macro_f1": cv.department_macro_f1,
        "heldout_examples": len(handwritten),
        "heldout_category_macro_f1": held.category_macro_f1,
        "heldout_department_macro_f1": held.department_macro_f1,
        "heldout_category_accuracy": held.category_accuracy,
        "heldout_per_category_f1": held.per_category_f1,
        "threshold": classifier.threshold,
        "heldout_auto_share": auto_share,
        "heldout_auto_accuracy": auto_accuracy,
        "train_seconds": train_seconds,
        "classify_ms_median": statistics.median(timings),
        "classify_ms_p90": sorted(timings)[int(0.9 * (len(timings) - 1))],
        "duplicates": dup,
        "duplicates_without_classifier": dup_plain,
        "duplicates_no_min_score": dup_all,
        "duplicates_handwritten": dup_hand,
    }
    table = Table(title="Complaints AI / 민원 AI")
    for column in ("figure", "value", "target"):
        table.add_column(column)

    def line(name: str, value: float | None, target: str) -> None:
        table.add_row(name, "-" if value is None else f"{value:.3f}", target)

    line("category macro-F1, 5-fold CV, synthetic", cv.category_macro_f1, f">= {TARGETS['cv_macro_f1']}")
    line("department macro-F1, 5-fold CV, synthetic", cv.department_macro_f1, "")
    line("category macro-F1, hand-written held-out", held.category_macro_f1, f">= {TARGETS['heldout_macro_f1']}")
    line("department macro-F1, hand-written held-out", held.department_macro_f1, "")
    line("held-out share auto-routed (>= threshold)", auto_share, f"threshold {classifier.threshold}")
    line("held-out accuracy of auto-routed", auto_accuracy, "")
    line(f"train, {len(examples)} examples (s)", train_seconds, f"<= {TARGETS['train_seconds']}")
    line("classify one request, median (ms)", figures["classify_ms_median"], f"<= {TARGETS['classify_ms']}")
    line("classify one request, p90 (ms)", figures["classify_ms_p90"], "")
    line(
        f"duplicates precision@5 (of shown, score >= {DEFAULT_MIN_SCORE})",
        dup["precision_at_5"],
        f">= {TARGETS['dup_precision_at_5']}",
    )
    line("duplicates recall@5", dup["recall_at_5"], "")
    line("duplicates hit@1", dup["hit_at_1"], "")
    line("duplicates precision@5, no classifier vectors", dup_plain["precision_at_5"], "")
    line("duplicates precision@5, no score cut (min 0)", dup_all["precision_at_5"], "")
    line("duplicates recall@5, no score cut", dup_all["recall_at_5"], "")
    line(f"hand-written duplicates ({dup_hand['queries']} queries) precision@5", dup_hand["precision_at_5"], "")
    line("hand-written duplicates recall@5", dup_hand["recall_at_5"], "")
    line("hand-written duplicates hit@1", dup_hand["hit_at_1"], "")
    console.print(table)
    if json_path is not None:
        json_path.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    else:
        console.print_json(json.dumps({k: v for k, v in figures.items() if k != "heldout_per_category_f1"}))


if __name__ == "__main__":
    app()
