"""Training a classifier on a municipality's labelled complaints, with its version and metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from maeul.services.complaints.ai.classifier import (
    DEFAULT_THRESHOLD,
    Classifier,
    ClassifierMetrics,
    check_examples,
    fit_models,
)
from maeul.services.complaints.ai.evaluation import choose_threshold, cross_validate
from maeul.services.complaints.ai.records import LabelledExample


def train_classifier(
    examples: Sequence[LabelledExample],
    *,
    previous: Classifier | None = None,
    threshold: float | None = None,
    evaluate_folds: int = 0,
    target_accuracy: float = 0.95,
    seed: int = 0,
) -> Classifier:
    """Train on every labelled example; ``previous`` gives the version number to follow.

    With ``evaluate_folds`` (e.g. 5) the examples are first cross-validated: the metrics then carry macro-F1
    and, unless ``threshold`` is given, the threshold is the lowest confidence at which held-out predictions
    were right at least ``target_accuracy`` of the time.
    """
    started = time.perf_counter()
    check_examples(examples)
    metrics_extra: dict[str, Any] = {}
    chosen = DEFAULT_THRESHOLD if threshold is None else threshold
    if evaluate_folds:
        report = cross_validate(examples, folds=evaluate_folds, seed=seed)
        metrics_extra = {
            "folds": report.folds,
            "category_macro_f1": report.category_macro_f1,
            "department_macro_f1": report.department_macro_f1,
            "category_accuracy": report.category_accuracy,
            "per_category_f1": report.per_category_f1,
            "note": report.note,
        }
        if report.folds and threshold is None:
            chosen = choose_threshold(report.confidences, report.correct, target_accuracy)
        if report.folds:
            auto = report.confidences >= chosen
            metrics_extra["auto_share"] = float(auto.mean())
            metrics_extra["auto_accuracy"] = float(report.correct[auto].mean()) if auto.any() else None
    features, category_model, department_model = fit_models(examples, seed)
    metrics = ClassifierMetrics(
        examples=len(examples),
        categories=len({e.category for e in examples}),
        departments=len({e.department for e in examples}),
        train_seconds=0.0,
        **metrics_extra,
    )
    metrics = replace(metrics, train_seconds=time.perf_counter() - started)
    return Classifier(
        features,
        category_model,
        department_model,
        threshold=chosen,
        version=(previous.version + 1) if previous is not None else 1,
        trained_at=datetime.now(UTC),
        metrics=metrics,
    )
