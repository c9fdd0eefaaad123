"""The complaints service's AI, as a small port: classification, duplicates, hotspots and trends, similar
districts, process analytics. Runs offline on the municipality's own data; no database imports here (the
service passes plain records in and stores what comes out). See docs/complaints-ai.md.

Names load lazily (scikit-learn and kiwipiepy only when first used), so importing ``taxonomy`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maeul.services.complaints.ai.active import classify, current_classifier, predict, use_classifier
    from maeul.services.complaints.ai.classifier import Classifier, ClassifierMetrics
    from maeul.services.complaints.ai.clustering import hotspots, trend_alerts
    from maeul.services.complaints.ai.dataset import LabelledRow, RowError, parse_labelled_csv, write_labelled_csv
    from maeul.services.complaints.ai.districts import complaint_mix, similar_districts
    from maeul.services.complaints.ai.duplicates import DuplicateWeights, find_duplicates
    from maeul.services.complaints.ai.evaluation import EvaluationReport, cross_validate, evaluate
    from maeul.services.complaints.ai.process import process_stats
    from maeul.services.complaints.ai.records import (
        AiInputError,
        Complaint,
        DistrictMatch,
        HandlingStats,
        Hotspot,
        LabelledExample,
        Prediction,
        ProcessReport,
        StatusEvent,
        StepStats,
        Suggestion,
        TrendAlert,
    )
    from maeul.services.complaints.ai.training import train_classifier

_SOURCES = {
    "AiInputError": "maeul.services.complaints.ai.records",
    "Classifier": "maeul.services.complaints.ai.classifier",
    "ClassifierMetrics": "maeul.services.complaints.ai.classifier",
    "Complaint": "maeul.services.complaints.ai.records",
    "DistrictMatch": "maeul.services.complaints.ai.records",
    "DuplicateWeights": "maeul.services.complaints.ai.duplicates",
    "EvaluationReport": "maeul.services.complaints.ai.evaluation",
    "HandlingStats": "maeul.services.complaints.ai.records",
    "Hotspot": "maeul.services.complaints.ai.records",
    "LabelledExample": "maeul.services.complaints.ai.records",
    "LabelledRow": "maeul.services.complaints.ai.dataset",
    "Prediction": "maeul.services.complaints.ai.records",
    "ProcessReport": "maeul.services.complaints.ai.records",
    "RowError": "maeul.services.complaints.ai.dataset",
    "StatusEvent": "maeul.services.complaints.ai.records",
    "StepStats": "maeul.services.complaints.ai.records",
    "Suggestion": "maeul.services.complaints.ai.records",
    "TrendAlert": "maeul.services.complaints.ai.records",
    "classify": "maeul.services.complaints.ai.active",
    "complaint_mix": "maeul.services.complaints.ai.districts",
    "cross_validate": "maeul.services.complaints.ai.evaluation",
    "current_classifier": "maeul.services.complaints.ai.active",
    "evaluate": "maeul.services.complaints.ai.evaluation",
    "find_duplicates": "maeul.services.complaints.ai.duplicates",
    "hotspots": "maeul.services.complaints.ai.clustering",
    "parse_labelled_csv": "maeul.services.complaints.ai.dataset",
    "predict": "maeul.services.complaints.ai.active",
    "process_stats": "maeul.services.complaints.ai.process",
    "similar_districts": "maeul.services.complaints.ai.districts",
    "train_classifier": "maeul.services.complaints.ai.training",
    "trend_alerts": "maeul.services.complaints.ai.clustering",
    "use_classifier": "maeul.services.complaints.ai.active",
    "write_labelled_csv": "maeul.services.complaints.ai.dataset",
}


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        value = getattr(importlib.import_module(_SOURCES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AiInputError",
    "Classifier",
    "ClassifierMetrics",
    "Complaint",
    "DistrictMatch",
    "DuplicateWeights",
    "EvaluationReport",
    "HandlingStats",
    "Hotspot",
    "LabelledExample",
    "LabelledRow",
    "Prediction",
    "ProcessReport",
    "RowError",
    "StatusEvent",
    "StepStats",
    "Suggestion",
    "TrendAlert",
    "classify",
    "complaint_mix",
    "cross_validate",
    "current_classifier",
    "evaluate",
    "find_duplicates",
    "hotspots",
    "parse_labelled_csv",
    "predict",
    "process_stats",
    "similar_districts",
    "train_classifier",
    "trend_alerts",
    "use_classifier",
    "write_labelled_csv",
]
