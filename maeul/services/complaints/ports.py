"""What the handling code needs from the AI part (maeul/services/complaints/ai/), behind a small interface.

Until the AI module offers ``classify(text)`` the default below answers "no suggestion", so every request
keeps the category its reporter chose and nothing is sent to triage on the classifier's account. The AI
part is looked up at call time, so installing it needs no change here.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    category: str  # a service_code
    confidence: float  # 0..1


class Classifier(Protocol):
    def __call__(self, tenant_id: str, text: str) -> Suggestion | None: ...


def no_suggestion(tenant_id: str, text: str) -> Suggestion | None:
    return None


def _ai_function(name: str) -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("maeul.services.complaints.ai")
    except ImportError:
        return None
    found = getattr(module, name, None)
    return found if callable(found) else None


def default_classifier(tenant_id: str, text: str) -> Suggestion | None:
    """The AI module's ``classify(text) -> (category, confidence)`` if it has one; else no suggestion.

    A failing classifier never loses a report: the error is logged and the request kept as the reporter sent it.
    """
    classify = _ai_function("classify")
    if classify is None or not text.strip():
        return None
    try:
        result = classify(text)
    except Exception:  # the classifier is optional: log and carry on
        log.exception("complaints classifier failed; the request keeps its category")
        return None
    if not result:
        return None
    category, confidence = result
    return Suggestion(str(category), float(confidence))


_classifier: Classifier = default_classifier


def classifier() -> Classifier:
    return _classifier


def set_classifier(function: Classifier) -> Classifier:
    """Swap the classifier (tests, or a tenant-trained model); returns the previous one."""
    global _classifier
    previous, _classifier = _classifier, function
    return previous
