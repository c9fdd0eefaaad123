"""A home's detection settings: the fixed tiers staff know, the learning method's parameters, limits.

Defaults follow the Korean district pilots (8 h attention, 12 h warning, 24 h danger) and the service's
standards (indoor cold below 18 °C, heat above 26 °C, each sustained; on a heat-wave day heat is raised sooner and
at a higher level). The learning parameters are generic, chosen before looking at any real home (see
docs/care-detection.md); every one can be set per home.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

HOUR = 3600


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it (ko + en)."""


def settings_values(
    cls: type,
    data: object,
    not_an_object: str,
    *,
    whole: Callable[[str], bool] = lambda _name: True,
    special: Mapping[str, Callable[[object], object]] | None = None,
) -> dict[str, Any]:
    """The values a JSON object gives for a settings dataclass, checked against the types of its defaults: unknown
    names and wrong types are :class:`ConfigError` (ko + en); missing names are left to the defaults.

    A bool default takes a bool, a str a str, a float any number (as a float), an int a whole number when
    ``whole(name)`` and any number otherwise; a name in ``special`` is read by its own function."""
    if not isinstance(data, dict):
        raise ConfigError(not_an_object)
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ConfigError(f"알 수 없는 설정 {unknown} / unknown settings {unknown}")
    defaults = cls()
    values: dict[str, Any] = {}
    for name, value in data.items():
        if special and name in special:
            values[name] = special[name](value)
            continue
        default = getattr(defaults, name)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(default, int) and not isinstance(default, bool) and whole(name):
            if not (number and isinstance(value, int)):
                raise ConfigError(f"{name}: 정수여야 함 {value!r} / wrong type: must be an integer, got {value!r}")
        elif not (isinstance(value, type(default)) if isinstance(default, bool | str) else number):
            raise ConfigError(f"{name}: 형식 오류 {value!r} / wrong type {value!r}")
        values[name] = float(value) if isinstance(default, float) else value
    return values


ADDED_LATER = frozenset({"heat_wave_hold_s", "usual_days"})
"""Settings added after care rules were first stored (see ``HomeConfig.condition_json``): add every new one here."""


@dataclass(frozen=True, slots=True)
class HomeConfig:
    # fixed tiers: hours without any sign of life
    attention_s: int = 8 * HOUR
    warning_s: int = 12 * HOUR
    danger_s: int = 24 * HOUR
    # the learned routine: used once ``warmup_days`` of the home's own stream have been seen
    learned: bool = True
    warmup_days: float = 7.0
    bin_s: int = 1800  # time-of-day resolution of the routine
    window_s: int = HOUR  # a silence is compared with those seen within ± this time of day
    min_support: int = 3  # silences seen in that window before a context's own routine is trusted
    # the threshold: with ``survival`` (default) the longest silence seen plus the tail margin that keeps the
    # home within ``fa_budget_per_day`` false alarms (docs/care-detection.md); without it, the first method:
    # longest silence seen × (1 + margin_ratio) + margin_s
    survival: bool = True
    fa_budget_per_day: float = 0.03
    margin_ratio: float = 1.0
    margin_s: int = 1800
    # immediate events and environment
    button_hold_s: int = HOUR  # how long an emergency-button press keeps the home in danger
    cold_c: float = 18.0
    heat_c: float = 26.0
    environment_hold_s: int = 2 * HOUR
    heat_wave_hold_s: int = HOUR // 2  # on a heat-wave day indoor heat is raised after this (and as a warning)
    usual_days: int = 14  # the home's usual indoor temperature: median of its last ordinary days' means
    # device health
    offline_s: int = 3 * HOUR  # a sensor that reports periodically (heartbeat, temperature, ...) silent this long
    low_battery_pct: float = 20.0
    stuck_motion_s: int = 2 * HOUR  # a motion sensor on without a break this long is stuck

    def __post_init__(self) -> None:
        if not 0 < self.attention_s <= self.warning_s <= self.danger_s:
            raise ConfigError(
                "단계는 0 < 관심 ≤ 주의 ≤ 위험 이어야 함 / tiers must satisfy 0 < attention ≤ warning ≤ danger"
            )
        if self.warmup_days < 0 or self.bin_s <= 0 or 86_400 % self.bin_s:
            raise ConfigError(
                "warmup_days ≥ 0, bin_s는 하루를 나누어야 함 / warmup_days ≥ 0 and bin_s must divide a day"
            )
        if self.window_s < 0 or self.min_support < 1 or self.margin_ratio < 0 or self.margin_s < 0:
            raise ConfigError("학습 매개변수가 음수임 / learning parameters must not be negative")
        if not 0 < self.fa_budget_per_day < 1:
            raise ConfigError(
                "fa_budget_per_day는 0과 1 사이여야 함 / fa_budget_per_day must be between 0 and 1 (per day)"
            )
        positive = (
            self.button_hold_s,
            self.environment_hold_s,
            self.heat_wave_hold_s,
            self.usual_days,
            self.offline_s,
            self.stuck_motion_s,
        )
        if min(positive) <= 0 or self.cold_c >= self.heat_c:
            raise ConfigError("시간 한도는 양수, 추위 < 더위 / limits must be positive and cold < heat")

    @property
    def bins(self) -> int:
        return 86_400 // self.bin_s

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def condition_json(self) -> dict[str, Any]:
        """The settings as a rule's condition names them: a setting in ``ADDED_LATER`` only when it differs from
        its default, so that the conditions of rules stored before it existed stay the same (the rule engine keeps
        a rule's state, here the learned routine, only while its condition's fingerprint is unchanged)."""
        default = HomeConfig()
        return {k: v for k, v in asdict(self).items() if k not in ADDED_LATER or getattr(default, k) != v}

    @classmethod
    def from_json(cls, data: object) -> HomeConfig:
        """Settings from a JSON object; unknown names and wrong types are errors, missing ones take defaults."""
        return cls(**settings_values(cls, data, "설정은 객체여야 함 / settings must be an object"))
