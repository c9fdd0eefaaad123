"""The rollout plan: each eup/myeon/dong goes through pilot, evaluation, expansion and maintenance; coverage is
the homes enrolled against the homes planned."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    PLANNED = "planned"
    PILOT = "pilot"
    EVALUATION = "evaluation"
    EXPANSION = "expansion"
    MAINTENANCE = "maintenance"

    @property
    def label_ko(self) -> str:
        return {"planned": "계획", "pilot": "시범", "evaluation": "평가", "expansion": "확대", "maintenance": "유지"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class DistrictPlan:
    code: str
    name: str
    phase: Phase
    planned_homes: int
    enrolled_homes: int
    start_date: str | None

    @property
    def coverage(self) -> float | None:
        """Enrolled over planned, capped at 1; None when nothing is planned."""
        if self.planned_homes <= 0:
            return None
        return min(1.0, self.enrolled_homes / self.planned_homes)


def summary(plans: list[DistrictPlan]) -> dict[str, object]:
    by_phase: dict[str, int] = {p.value: 0 for p in Phase}
    for plan in plans:
        by_phase[plan.phase.value] += 1
    planned = sum(p.planned_homes for p in plans)
    enrolled = sum(p.enrolled_homes for p in plans)
    return {
        "districts": len(plans),
        "by_phase": by_phase,
        "planned_homes": planned,
        "enrolled_homes": enrolled,
        "coverage": (min(1.0, enrolled / planned) if planned else None),
    }
