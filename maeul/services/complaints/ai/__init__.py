"""The complaints service's AI, as a small port: classification, duplicates, hotspots and trends, similar
districts, process analytics. Runs offline on the municipality's own data; no database imports here (the
service passes plain records in and stores what comes out). See docs/complaints-ai.md.
"""

from maeul.services.complaints.ai.active import classify, current_classifier, predict, use_classifier
from maeul.services.complaints.ai.classifier import Classifier, ClassifierMetrics
from maeul.services.complaints.ai.dataset import LabelledRow, RowError, parse_labelled_csv, write_labelled_csv
from maeul.services.complaints.ai.districts import complaint_mix, similar_districts
from maeul.services.complaints.ai.duplicates import DuplicateWeights, find_duplicates
from maeul.services.complaints.ai.evaluation import EvaluationReport, cross_validate, evaluate
from maeul.services.complaints.ai.hotspots import hotspots, trend_alerts
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
