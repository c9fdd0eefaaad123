"""The typed records the AI functions take and return (plain dataclasses; no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class AiInputError(ValueError):
    """Input the AI functions cannot use; ``message_ko`` and ``message_en`` say why (``str()`` gives both)."""

    def __init__(self, message_ko: str, message_en: str) -> None:
        super().__init__(f"{message_ko} / {message_en}")
        self.message_ko = message_ko
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class LabelledExample:
    """A complaint text with the labels staff gave it. Staff corrections may weigh more (``weight``)."""

    text: str
    category: str
    department: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Prediction:
    """The classifier's answer for one text.

    ``confidence`` is the lower of the calibrated probabilities of the category and of the department; below
    the classifier's threshold ``needs_triage`` is true and a person decides. ``alternatives`` are the most
    likely categories with their probabilities (best first), for a citizen or clerk to pick from.
    """

    category: str
    department: str
    confidence: float
    needs_triage: bool
    category_confidence: float
    department_confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint as duplicate detection, hotspots and trends see it; ``created_at`` carries a time zone."""

    id: str
    text: str
    category: str
    lat: float
    lon: float
    created_at: datetime
    district_code: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A possible duplicate of a new complaint, with the parts of its score (``score`` in 0..1)."""

    complaint_id: str
    score: float
    distance_m: float
    hours_apart: float
    text_similarity: float
    same_category: bool


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A cluster of complaints of one category close in space and time."""

    category: str
    lat: float
    lon: float
    radius_m: float
    count: int
    first_at: datetime
    last_at: datetime
    district_code: str | None
    complaint_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrendAlert:
    """More complaints of one category in one district this week than in the weeks before."""

    district_code: str
    category: str
    this_week: int
    baseline_per_week: float
    ratio: float  # this_week / baseline_per_week; inf when the baseline is zero
    p_value: float
    message_ko: str
    message_en: str


@dataclass(frozen=True, slots=True)
class DistrictMatch:
    """A district whose complaint mix resembles another's (cosine similarity of category shares)."""

    district_code: str
    similarity: float
    total: int
    category_share: float | None = None  # share of the asked-about category, when one was given
    message_ko: str = ""
    message_en: str = ""


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One status change of a request: what it became, when, and which department held it then."""

    request_id: str
    at: datetime
    status: str
    department: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class HandlingStats:
    """Handling times (hours from the first event to the first closing status) of one group of requests."""

    key: str
    requests: int
    finished: int
    median_hours: float | None
    p90_hours: float | None
    overdue: int
    overdue_share: float | None
    transfers: int


@dataclass(frozen=True, slots=True)
class StepStats:
    """Time requests waited in one status (hours), and its share of all waiting."""

    status: str
    visits: int
    median_hours: float
    p90_hours: float
    total_hours: float
    share: float


@dataclass(frozen=True, slots=True)
class ProcessReport:
    """Process analytics over a list of status events."""

    by_department: tuple[HandlingStats, ...]
    by_category: tuple[HandlingStats, ...]
    steps: tuple[StepStats, ...]
    bottlenecks: tuple[str, ...]  # steps whose waiting dominates (largest share, above the threshold)
    department_bottlenecks: dict[str, str] = field(default_factory=dict)  # department -> its slowest step
    overall: HandlingStats | None = None
