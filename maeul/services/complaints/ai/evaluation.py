"""Measuring a classifier: stratified k-fold cross-validation (macro-F1) and scoring on a held-out set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from maeul.services.complaints.ai.classifier import Classifier, ClassifierMetrics, fit_models
from maeul.services.complaints.ai.records import LabelledExample


@dataclass(frozen=True)
class EvaluationReport:
    """Scores of predictions against true labels; macro-F1 averages every label seen in truth or prediction."""

    examples: int
    folds: int
    category_macro_f1: float | None
    department_macro_f1: float | None
    category_accuracy: float | None
    per_category_f1: dict[str, float] = field(default_factory=dict)
    confidences: np.ndarray = field(default_factory=lambda: np.zeros(0))
    correct: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    note: str = ""

    def auto_routed(self, threshold: float) -> tuple[float, float | None]:
        """Share of predictions at or above ``threshold``, and how many of those were right."""
        if not len(self.confidences):
            return 0.0, None
        auto = self.confidences >= threshold
        return float(auto.mean()), (float(self.correct[auto].mean()) if auto.any() else None)


def score(
    true_categories: Sequence[str],
    true_departments: Sequence[str],
    predicted_categories: Sequence[str],
    predicted_departments: Sequence[str],
    confidences: Sequence[float],
    folds: int = 0,
) -> EvaluationReport:
    """Macro-F1 and accuracy of predicted labels (pure arithmetic on label lists)."""
    if not true_categories:
        return EvaluationReport(0, folds, None, None, None, note="no examples")
    labels = sorted(set(true_categories) | set(predicted_categories))
    per_class = f1_score(true_categories, predicted_categories, labels=labels, average=None, zero_division=0.0)
    correct = np.array(
        [
            tc == pc and td == pd
            for tc, td, pc, pd in zip(
                true_categories, true_departments, predicted_categories, predicted_departments, strict=True
            )
        ],
        dtype=bool,
    )
    return EvaluationReport(
        examples=len(true_categories),
        folds=folds,
        category_macro_f1=float(f1_score(true_categories, predicted_categories, average="macro", zero_division=0.0)),
        department_macro_f1=float(
            f1_score(true_departments, predicted_departments, average="macro", zero_division=0.0)
        ),
        category_accuracy=float(accuracy_score(true_categories, predicted_categories)),
        per_category_f1={label: float(value) for label, value in zip(labels, per_class, strict=True)},
        confidences=np.asarray(confidences, dtype=float),
        correct=correct,
    )


def cross_validate(
    examples: Sequence[LabelledExample],
    *,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationReport:
    """Out-of-fold predictions of every example by stratified k-fold (by category), scored together.

    Fewer folds are used when the rarest category has fewer examples than ``folds``; with a category seen
    once, nothing is evaluated (``folds`` 0 and a note).
    """
    counts = Counter(e.category for e in examples)
    usable = min(folds, min(counts.values())) if counts else 0
    if usable < 2:
        return EvaluationReport(
            len(examples), 0, None, None, None, note="a category has a single example: no cross-validation"
        )
    categories = [e.category for e in examples]
    predicted_c: list[str] = [""] * len(examples)
    predicted_d: list[str] = [""] * len(examples)
    confidence = [0.0] * len(examples)
    splitter = StratifiedKFold(n_splits=usable, shuffle=True, random_state=seed)
    for done, (train_index, test_index) in enumerate(splitter.split(np.zeros(len(examples)), categories)):
        if progress is not None:
            progress(done, usable)
        train = [examples[i] for i in train_index]
        features, category_model, department_model = fit_models(train, seed)
        model = Classifier(
            features,
            category_model,
            department_model,
            threshold=0.0,
            version=0,
            trained_at=datetime.now(UTC),
            metrics=ClassifierMetrics(len(train), 0, 0, 0.0),
        )
        for i, prediction in zip(test_index, model.predict_many([examples[i].text for i in test_index]), strict=True):
            predicted_c[i], predicted_d[i], confidence[i] = (
                prediction.category,
                prediction.department,
                prediction.confidence,
            )
    if progress is not None:
        progress(usable, usable)
    note = "" if usable == folds else f"{usable} folds: the rarest category has {usable} examples"
    report = score(categories, [e.department for e in examples], predicted_c, predicted_d, confidence, usable)
    return replace(report, note=note)


def evaluate(classifier: Classifier, examples: Sequence[LabelledExample]) -> EvaluationReport:
    """Scores of a trained classifier on examples it never saw (a held-out set)."""
    predictions = classifier.predict_many([e.text for e in examples])
    return score(
        [e.category for e in examples],
        [e.department for e in examples],
        [p.category for p in predictions],
        [p.department for p in predictions],
        [p.confidence for p in predictions],
    )


def choose_threshold(confidences: np.ndarray, correct: np.ndarray, target_accuracy: float) -> float:
    """The lowest confidence (0.50..0.95 in steps of 0.05) above which predictions were right often enough.

    Never below 0.5: cross-validation on data like the training data is optimistic (on the synthetic set every
    threshold looks safe), so a prediction the model itself gives even odds never skips triage."""
    for step in range(10):
        threshold = round(0.50 + 0.05 * step, 2)
        auto = confidences >= threshold
        if auto.any() and correct[auto].mean() >= target_accuracy:
            return threshold
    return 0.95
