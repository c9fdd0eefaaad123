"""Request and response bodies of the alarms, rules, entities and rule-override routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maeul.adapters.http.schemas import DbId, Patch, Strict

SeverityName = Literal["critical", "major", "minor", "warning"]
AlarmStatus = Literal["active", "cleared"]
TargetKind = Literal["device", "entity"]

# A rule's JSON is parsed recursively: deeper nesting than this is refused before it reaches the engine.
MAX_JSON_DEPTH = 32
MAX_TEXT = 4000

RULE_EXAMPLE: dict[str, Any] = {
    "name": "냉동고 온도 높음",
    "alarm_type": "high_temperature",
    "severity": "major",
    "condition": {"kind": "threshold", "key": "temperature", "op": ">", "value": 30, "clear_value": 28, "hold_s": 600},
    "enabled": True,
}


def json_depth(value: Any) -> int:
    """How deeply objects and lists nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[Any] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        if depth + 1 > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _shallow(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None and json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
    return value


# --- alarms ---------------------------------------------------------------------------------------------


class AlarmEvent(BaseModel):
    """One change of an alarm: who (``actor_id``, null for the system), what, when, and any text."""

    id: int
    ts: int
    actor_id: int | None
    action: str
    text: str | None
    details: dict[str, Any]


class Alarm(BaseModel):
    id: int
    tenant_id: str
    originator_kind: str = Field(description="device, or the kind of an entity (household, site, ...)")
    originator_id: int
    type: str
    severity: SeverityName
    status: AlarmStatus
    cleared: bool
    acknowledged: bool
    start_ts: int = Field(description="When the condition began, from the readings (ms).")
    last_ts: int
    end_ts: int | None = Field(description="When the condition ended, from the readings (ms).")
    occurrences: int
    assignee_id: int | None
    rule_id: int | None
    details: dict[str, Any]
    acknowledged_at: int | None
    acknowledged_by: int | None
    cleared_at: int | None
    cleared_by: int | None
    created_at: int
    updated_at: int


class AlarmDetail(Alarm):
    entity_ids: list[int] = Field(description="The entities (household, site, ...) the alarm propagated to.")
    history: list[AlarmEvent] = Field(description="Every change, oldest first.")


class AcknowledgeRequest(Strict):
    text: str | None = Field(default=None, max_length=MAX_TEXT, examples=["전화 확인 중"])


class AssignRequest(Strict):
    assignee_id: DbId | None = Field(description="A user of the tenant; null removes the assignee.")


class CommentRequest(Strict):
    text: str = Field(min_length=1, max_length=MAX_TEXT, examples=["보호자와 통화함 / called the family"])

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the comment is empty")
        return value


# --- rules ----------------------------------------------------------------------------------------------


class RuleCreate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [RULE_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    alarm_type: str = Field(min_length=1, max_length=100)
    severity: SeverityName
    condition: dict[str, Any] = Field(description="The engine's condition JSON (threshold, no_data, all, ...).")
    enabled: bool = True

    @field_validator("condition")
    @classmethod
    def _depth(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _shallow(value)


class RuleUpdate(Patch):
    NOT_NULL = ("name", "alarm_type", "severity", "condition", "enabled")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    alarm_type: str | None = Field(default=None, min_length=1, max_length=100)
    severity: SeverityName | None = None
    condition: dict[str, Any] | None = None
    enabled: bool | None = None

    @field_validator("condition")
    @classmethod
    def _depth(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _shallow(value)


class Rule(BaseModel):
    id: int
    tenant_id: str
    profile_id: int
    name: str
    alarm_type: str
    severity: SeverityName
    condition: dict[str, Any]
    enabled: bool
    created_at: int
    updated_at: int


# --- entities -------------------------------------------------------------------------------------------

EntityKind = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_\-]*$",
        description="household, site, district, group, ... (not 'device': alarms name devices by that kind)",
        examples=["household"],
    ),
]


class EntityCreate(Strict):
    kind: EntityKind
    name: str = Field(min_length=1, max_length=200, examples=["화도읍 H001"])
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _not_device(cls, value: str) -> str:
        if value == "device":
            raise ValueError("'device' is not an entity kind: alarms of devices already use it")
        return value

    @field_validator("attributes")
    @classmethod
    def _depth(cls, value: dict[str, Any]) -> dict[str, Any]:
        _shallow(value)
        return value


class Entity(BaseModel):
    id: int
    tenant_id: str
    kind: str
    name: str
    attributes: dict[str, Any]
    device_ids: list[int]
    created_at: int


class EntityDevices(Strict):
    device_ids: list[DbId] = Field(max_length=10_000, description="The entity's devices (replaces the list).")


# --- overrides ------------------------------------------------------------------------------------------


class OverrideSet(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"target_kind": "entity", "target_id": 1, "params": {"condition": {"value": 35}}}]
        }
    )

    target_kind: TargetKind
    target_id: DbId
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Deep-merged into the rule's JSON (null removes a field; {'condition': {'value': 35}}).",
    )
    enabled: bool | None = Field(default=None, description="null: as the rule")

    @field_validator("params")
    @classmethod
    def _params(cls, value: dict[str, Any]) -> dict[str, Any]:
        _shallow(value)
        if "id" in value:
            raise ValueError("an override cannot change a rule's id")
        return value


class Override(BaseModel):
    id: int
    rule_id: int
    target_kind: TargetKind
    target_id: int
    params: dict[str, Any]
    enabled: bool | None
