"""Rules and alarms: pure, edge-triggered evaluation of a device's rules on readings and on scheduler ticks.

``spec`` (rule definitions and JSON), ``overrides`` (profile → group → device), ``registry`` (condition kinds,
built-in and services' own), ``evaluate.step`` (one rule, one event), ``state`` (what to persist per device and
rule), ``batch`` (silence over many devices at once). Importing this package registers the built-in kinds.
"""

from __future__ import annotations

from maeul.core.rules import builtin as _builtin
from maeul.core.rules.batch import SilenceEdges, silence_edges, silence_edges_np
from maeul.core.rules.combine import All, Any
from maeul.core.rules.conditions import Geofence, NoActivity, NoData, Range, RateOfChange, Schedule, Threshold
from maeul.core.rules.evaluate import Event, step, step_all
from maeul.core.rules.events import Cleared, Description, Instant, Raised, Severity, Tick, Transition, Truth
from maeul.core.rules.fields import RuleSpecError
from maeul.core.rules.overrides import merge_patch, resolve
from maeul.core.rules.registry import Condition, Evaluator, register_kind, registered_kinds, unregister_kind
from maeul.core.rules.spec import Rule, dump_condition, dump_rule, parse_condition, parse_rule, parse_rules
from maeul.core.rules.state import RuleState, initial_state

BUILTIN_KINDS = _builtin.BUILTIN_KINDS

__all__ = [
    "BUILTIN_KINDS",
    "All",
    "Any",
    "Cleared",
    "Condition",
    "Description",
    "Evaluator",
    "Event",
    "Geofence",
    "Instant",
    "NoActivity",
    "NoData",
    "Raised",
    "Range",
    "RateOfChange",
    "Rule",
    "RuleSpecError",
    "RuleState",
    "Schedule",
    "Severity",
    "SilenceEdges",
    "Threshold",
    "Tick",
    "Transition",
    "Truth",
    "dump_condition",
    "dump_rule",
    "initial_state",
    "merge_patch",
    "parse_condition",
    "parse_rule",
    "parse_rules",
    "register_kind",
    "registered_kinds",
    "resolve",
    "silence_edges",
    "silence_edges_np",
    "step",
    "step_all",
    "unregister_kind",
]
