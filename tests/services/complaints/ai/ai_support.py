"""Shared helpers of the complaints-AI tests: a small classifier trained once per session on synthetic data."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from maeul.services.complaints.ai import Classifier, Complaint, LabelledExample, train_classifier
from maeul.services.complaints.ai.synthetic import generate_complaints

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@cache
def small_examples() -> tuple[LabelledExample, ...]:
    return tuple(LabelledExample(r.text, r.category, r.department) for r in generate_complaints(24, seed=11))


@cache
def small_classifier() -> Classifier:
    return train_classifier(list(small_examples()), seed=3)


def complaint(
    id: str, category: str, lat: float, lon: float, at: datetime = T0, text: str = "", district: str | None = None
) -> Complaint:
    return Complaint(id, text or f"{category} 민원", category, lat, lon, at, district)
