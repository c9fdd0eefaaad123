"""Bodies of the staff API (Pydantic)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from maeul.adapters.http.schemas import INT32_MAX

Text = Field(default=None, max_length=4000)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettingsBody(Strict):
    jurisdiction_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    holidays: list[str] = Field(default_factory=list, max_length=400)
    triage_threshold: float = Field(default=0.5, ge=0, le=1)


class KeyBody(Strict):
    name: str = Field(min_length=1, max_length=200)


class AttributeValue(Strict):
    key: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)


class Attribute(Strict):
    code: str = Field(min_length=1, max_length=100, pattern=r"^[^\[\]]+$")
    datatype: str = Field(default="string", pattern=r"^(string|number|datetime|text|singlevaluelist|multivaluelist)$")
    required: bool = False
    variable: bool = True
    description: str | None = Field(default=None, max_length=1000)
    datatype_description: str | None = Field(default=None, max_length=1000)
    order: int = Field(default=0, ge=0, le=1000)
    values: list[AttributeValue] = Field(default_factory=list, max_length=200)


class CategoryBody(Strict):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    kind: str = Field(default="grievance", pattern=r"^(grievance|question|proposal|legal_question)$")
    department_id: int | None = Field(default=None, ge=1, le=INT32_MAX)
    keywords: str | None = Field(default=None, max_length=500)
    group_name: str | None = Field(default=None, max_length=100)
    attributes: list[Attribute] = Field(default_factory=list, max_length=50)
    active: bool = True


class CategoryPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    kind: str | None = Field(default=None, pattern=r"^(grievance|question|proposal|legal_question)$")
    department_id: int | None = Field(default=None, ge=1, le=INT32_MAX)
    keywords: str | None = Field(default=None, max_length=500)
    group_name: str | None = Field(default=None, max_length=100)
    attributes: list[Attribute] | None = Field(default=None, max_length=50)
    active: bool | None = None


class StatusBody(Strict):
    status: str = Field(max_length=40)
    public_text: str | None = Text
    note: str | None = Text


class AssignBody(Strict):
    assignee_id: int | None = Field(ge=1, le=INT32_MAX)


class TransferBody(Strict):
    department_id: int = Field(ge=1, le=INT32_MAX)
    reason: str | None = Text


class AnswerBody(Strict):
    text: str = Field(min_length=1, max_length=4000)
    resolve: bool = True


class ExtendBody(Strict):
    days: int = Field(ge=1, le=14)
    reason: str = Field(min_length=1, max_length=2000)
    consent: bool = False


class ReopenBody(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class MergeBody(Strict):
    into_id: int = Field(ge=1, le=INT32_MAX)


class RatingBody(Strict):
    token: str = Field(min_length=1, max_length=40)
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True)
