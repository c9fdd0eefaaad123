"""The platform's own condition kinds, registered through the same hook services use for theirs."""

from __future__ import annotations

from maeul.core.rules.combine import All, Any, CombinationEvaluator
from maeul.core.rules.conditions import Geofence, NoActivity, NoData, Range, RateOfChange, Schedule, Threshold
from maeul.core.rules.geofence import GeofenceEvaluator
from maeul.core.rules.level import RangeEvaluator, ThresholdEvaluator
from maeul.core.rules.rate import RateEvaluator
from maeul.core.rules.registry import register_kind, registered_kinds
from maeul.core.rules.schedule import ScheduleEvaluator
from maeul.core.rules.silence import NoActivityEvaluator, NoDataEvaluator

BUILTIN_KINDS = ("threshold", "range", "rate_of_change", "no_data", "no_activity", "schedule", "geofence", "all", "any")


def register_builtins() -> None:
    """Idempotent; runs when ``maeul.core.rules`` is imported."""
    if "threshold" in registered_kinds():
        return
    register_kind(Threshold.kind, Threshold.parse, ThresholdEvaluator())
    register_kind(Range.kind, Range.parse, RangeEvaluator())
    register_kind(RateOfChange.kind, RateOfChange.parse, RateEvaluator())
    register_kind(NoData.kind, NoData.parse, NoDataEvaluator())
    register_kind(NoActivity.kind, NoActivity.parse, NoActivityEvaluator())
    register_kind(Schedule.kind, Schedule.parse, ScheduleEvaluator())
    register_kind(Geofence.kind, Geofence.parse, GeofenceEvaluator())
    combination = CombinationEvaluator()
    register_kind(All.kind, All.parse, combination)
    register_kind(Any.kind, Any.parse, combination)


register_builtins()
