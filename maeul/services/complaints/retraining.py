"""Train a tenant's classifier on its labelled complaints, store it signed, and put it in use.

Called by ``maeul complaints retrain``, the admin API and service start (which loads the newest stored model of
every tenant). Training runs on the caller's thread; the database is only touched to read and to store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from maeul.services.complaints import models_repo

log = logging.getLogger(__name__)


class CannotTrain(Exception):
    """No model can be made from what the tenant has (nothing imported, a single category...)."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(f"{en} / {ko}")
        self.ko = ko


def retrain(
    engine: Engine,
    tenant_id: str,
    data_dir: Path,
    *,
    folds: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """A new model version from every labelled example (corrections weigh more); stored and put in use."""
    from maeul.services.complaints import ai

    key = models_repo.model_key(data_dir)
    with engine.connect() as conn:
        examples = models_repo.examples(conn, tenant_id)
        stored = models_repo.latest_models(conn).get(tenant_id)
    if not examples:
        raise CannotTrain("no labelled complaints to train on; import a CSV first", "학습할 라벨 민원이 없습니다")
    try:
        return _train(engine, tenant_id, key, examples, stored, folds, progress)
    except ai.AiInputError as exc:
        raise CannotTrain(exc.message_en, exc.message_ko) from None


def _train(
    engine: Engine,
    tenant_id: str,
    key: bytes,
    examples: list[Any],
    stored: bytes | None,
    folds: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    from maeul.services.complaints import ai
    from maeul.services.complaints.ai.evaluation import choose_threshold

    previous = ai.Classifier.from_bytes(stored, key=key) if stored else None
    threshold = None
    note = ""
    f1: tuple[float | None, float | None] = (None, None)
    if folds:
        report = ai.cross_validate(examples, folds=folds, progress=progress)
        if report.folds:
            threshold = choose_threshold(report.confidences, report.correct, 0.95)
            f1 = (report.category_macro_f1, report.department_macro_f1)
        else:
            note = report.note
    elif previous is not None:
        threshold = previous.threshold
    model = ai.train_classifier(examples, previous=previous, threshold=threshold)
    if f1[0] is not None:
        model.metrics = replace(
            model.metrics, folds=folds, category_macro_f1=f1[0], department_macro_f1=f1[1], note=note
        )
    with engine.begin() as conn:
        info = models_repo.save_model(conn, tenant_id, model, key)
    ai.use_classifier(model, tenant_id=tenant_id)
    return {**info, "threshold": model.threshold}


def load_models(engine: Engine, data_dir: Path) -> int:
    """Put the newest stored model of every tenant in use; a model that does not load is logged and skipped."""
    from maeul.services.complaints import ai

    key = models_repo.model_key(data_dir)
    with engine.connect() as conn:
        stored = models_repo.latest_models(conn)
    loaded = 0
    for tenant_id, data in stored.items():
        try:
            ai.use_classifier(ai.Classifier.from_bytes(data, key=key), tenant_id=tenant_id)
            loaded += 1
        except ai.AiInputError as exc:
            log.warning("complaints model of %s not loaded: %s", tenant_id, exc.message_en)
    return loaded
