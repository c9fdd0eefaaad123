"""Message templates in Korean and English for warnings, updates and the all-clear."""

from __future__ import annotations

from dataclasses import dataclass

from maeul.services.warnings.core.stages import stage_name

INSTRUCTIONS: dict[int, tuple[str, str]] = {
    1: ("상황을 주시하고 안내에 귀 기울여 주십시오.", "Keep watching the situation and follow official updates."),
    2: (
        "하천변·지하차도·급경사지 접근을 피하고 대피 준비를 하십시오.",
        "Stay away from riversides, underpasses and steep slopes; get ready to evacuate.",
    ),
    3: (
        "위험 지역에서 벗어나 가까운 대피소로 이동할 준비를 하십시오.",
        "Leave the danger zone and be ready to move to the nearest shelter.",
    ),
    4: ("즉시 가까운 대피소로 대피하십시오.", "Evacuate to the nearest shelter now."),
}


@dataclass(frozen=True, slots=True)
class Texts:
    headline_ko: str
    headline_en: str
    body_ko: str
    body_en: str
    instruction_ko: str
    instruction_en: str


@dataclass(frozen=True, slots=True)
class Situation:
    event_ko: str
    event_en: str
    stage: int
    previous: int
    area_ko: str
    area_en: str
    station_ko: str | None = None
    station_en: str | None = None
    value: float | None = None
    unit: str = ""
    forecast: float | None = None
    horizon_min: int = 30
    shelter_ko: str | None = None  # "OO 체육관 (1.2 km)"
    shelter_en: str | None = None
    note_ko: str | None = None  # an operator's own words
    note_en: str | None = None


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def render(s: Situation) -> Texts:
    """Texts for a stage change (or an operator's message); stage 0 is the all-clear."""
    if s.stage == 0:
        head_ko = f"[해제] {s.area_ko} {s.event_ko} 경보 해제"
        head_en = f"[All clear] {s.event_en} warning lifted for {s.area_en}"
        body_ko = f"{s.area_ko}의 {s.event_ko} 위험이 해소되었습니다."
        body_en = f"The {s.event_en.lower()} danger in {s.area_en} is over."
        instr_ko, instr_en = "평소처럼 생활하셔도 됩니다.", "You may return to normal activities."
    else:
        verb_ko = "상향" if s.stage > s.previous else "하향"
        verb_en = "raised to" if s.stage > s.previous else "lowered to"
        prefix_ko = f"[{stage_name(s.stage)}]"
        prefix_en = f"[{stage_name(s.stage, 'en').capitalize()}]"
        if s.previous == 0:
            head_ko = f"{prefix_ko} {s.area_ko} {s.event_ko} {stage_name(s.stage)} 단계 발령"
            head_en = f"{prefix_en} {s.event_en} {stage_name(s.stage, 'en')} warning for {s.area_en}"
        else:
            head_ko = f"{prefix_ko} {s.area_ko} {s.event_ko} 경보 {stage_name(s.stage)} 단계로 {verb_ko}"
            head_en = f"{prefix_en} {s.event_en} warning for {s.area_en} {verb_en} {stage_name(s.stage, 'en')}"
        body_ko, body_en = head_ko.split("] ", 1)[1] + ".", head_en.split("] ", 1)[1] + "."
        if s.station_ko and s.value is not None:
            body_ko += f" {s.station_ko} 측정값 {_num(s.value)}{s.unit}."
            body_en += f" {s.station_en or s.station_ko} reads {_num(s.value)} {s.unit}."
        if s.forecast is not None and s.value is not None and s.forecast > s.value:
            body_ko += f" {s.horizon_min}분 뒤 {_num(s.forecast)}{s.unit}까지 오를 것으로 예상됩니다."
            body_en += f" Expected to reach {_num(s.forecast)} {s.unit} within {s.horizon_min} minutes."
        instr_ko, instr_en = INSTRUCTIONS[min(max(s.stage, 1), 4)]
    if s.note_ko or s.note_en:
        body_ko += f" {s.note_ko or s.note_en}"
        body_en += f" {s.note_en or s.note_ko}"
    if s.stage > 0 and s.shelter_ko:
        instr_ko += f" 가장 가까운 대피소: {s.shelter_ko}."
        instr_en += f" Nearest open shelter: {s.shelter_en or s.shelter_ko}."
    return Texts(head_ko, head_en, body_ko, body_en, instr_ko, instr_en)
