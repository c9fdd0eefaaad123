"""The classifier in use, per tenant (set by the service when it loads or retrains one), and ``classify``:
the call the complaints service's port (``maeul.services.complaints.ports``) looks up."""

from __future__ import annotations

import threading

from maeul.services.complaints.ai.classifier import Classifier
from maeul.services.complaints.ai.records import Prediction

_lock = threading.Lock()
_models: dict[str | None, Classifier] = {}


def use_classifier(classifier: Classifier | None, tenant_id: str | None = None) -> None:
    """Make ``classifier`` the one for ``tenant_id`` (None: every tenant without its own); None removes it."""
    with _lock:
        if classifier is None:
            _models.pop(tenant_id, None)
        else:
            _models[tenant_id] = classifier


def current_classifier(tenant_id: str | None = None) -> Classifier | None:
    with _lock:
        return _models.get(tenant_id) or _models.get(None)


def predict(text: str, tenant_id: str | None = None) -> Prediction | None:
    """The full prediction of the classifier in use, or None when there is none (or the text is blank)."""
    model = current_classifier(tenant_id)
    if model is None or not text.strip():
        return None
    return model.predict(text)


def classify(text: str, tenant_id: str | None = None) -> tuple[str, float] | None:
    """(category, confidence) from the classifier in use, or None: no model yet, or a blank text."""
    prediction = predict(text, tenant_id)
    return None if prediction is None else (prediction.category, prediction.confidence)
