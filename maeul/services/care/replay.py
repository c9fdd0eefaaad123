"""Replay of an events CSV through the product's detection, by the protocol of ``care-evaluation.md``.

1. The detector learns from the first ``warmup_days`` (7) of the stream; nothing is counted then.
2. False alarms: the unmodified stream is replayed with a simulated clock (a tick every ``tick_s``); every
   inactivity or emergency alert raised after learning is a false alarm (the data hold no emergencies).
3. Emergencies: ``inject`` times ``t`` are drawn (seeded) uniformly after learning, when the resident is at home
   by the ground truth (``label:away`` rows) and no alert is open in the unmodified run. For each, a copy of the
   detector as it was at ``t`` (through its JSON state, as the product stores it) sees the person collapse: no
   event for 48 h, every motion sensor off at ``t``, other sensors as they were. The time to detect is from
   ``t`` to the first inactivity or emergency alert; none within 48 h is a miss.
4. The same replay with the fixed tiers only (``learned=False``) is the baseline.
5. A lower bound on the time to detect: from each collapse to the resident's next real sign of life in the
   unmodified stream (until then the two streams look alike, so no detector quiet on the real one is faster).
6. The ideal detector on the detector's own clues, with hindsight (``replay_ideal.py``): how far the clues go.

Device-health alerts are counted apart and are never detections. Label rows are never shown to the detector.
"""

from __future__ import annotations

import bisect
import random
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from maeul.services.care.detection.config import HomeConfig
from maeul.services.care.detection.detector import Detector
from maeul.services.care.detection.events import DAY_S, Event, from_local_seconds
from maeul.services.care.detection.events_csv import parse_events
from maeul.services.care.replay_ideal import LongestSilences

HORIZON_S = 48 * 3600
AWAY_LABEL = "label:away"


class ReplayError(ValueError):
    """A stream the protocol cannot be run on (too short, nothing at home); the message is ko + en."""


@dataclass(frozen=True, slots=True)
class Injection:
    t: float
    context: str | None
    detected_after_s: float | None  # None: missed
    next_sign_s: float | None = None  # the resident's next real sign of life after t (unmodified stream)
    ideal_s: float | None = None  # the ideal detector's time to detect (replay_ideal.py); None: not within 48 h


@dataclass(slots=True)
class Run:
    """One replay (learned model or fixed tiers) of one stream."""

    days: float
    false_alarms: int
    device_alerts: int
    alert_spans: list[tuple[float, float]] = field(default_factory=list)  # open person alerts, after learning
    alarm_times: list[float] = field(default_factory=list)
    injections: list[Injection] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        times = [i.detected_after_s / 3600 for i in self.injections if i.detected_after_s is not None]
        return {
            "days": round(self.days, 3),
            "false_alarms": self.false_alarms,
            "false_alarms_per_household_day": round(self.false_alarms / self.days, 4) if self.days else None,
            "injected": len(self.injections),
            "detected": len(times),
            "misses": len(self.injections) - len(times),
            "mean_time_to_detect_h": round(statistics.fmean(times), 3) if times else None,
            "median_time_to_detect_h": round(statistics.median(times), 3) if times else None,
            "max_time_to_detect_h": round(max(times), 3) if times else None,
            "device_alerts": self.device_alerts,
            "by_context": _by_context(self.injections),
            **_references(self.injections),
        }


def _references(injections: Sequence[Injection]) -> dict[str, object]:
    """The two references beside the time to detect (none found within 48 h counts the horizon).

    The lower bound: until the resident's next real sign of life the collapsed stream looks like the unmodified
    one, so a detector that raises nothing on the unmodified stream cannot detect a collapse sooner. The ideal:
    the ideal detector on the detector's own clues, with hindsight (``replay_ideal.py``)."""
    times = [(i.next_sign_s if i.next_sign_s is not None else HORIZON_S) / 3600 for i in injections]
    if not times:
        return {}
    ideal = [(i.ideal_s if i.ideal_s is not None else HORIZON_S) / 3600 for i in injections]
    return {
        "lower_bound_mean_time_to_detect_h": round(statistics.fmean(times), 3),
        "lower_bound_median_time_to_detect_h": round(statistics.median(times), 3),
        "ideal_mean_time_to_detect_h": round(statistics.fmean(ideal), 3),
        "ideal_median_time_to_detect_h": round(statistics.median(ideal), 3),
    }


def _by_context(injections: Sequence[Injection]) -> dict[str, object]:
    groups: dict[str, list[Injection]] = {}
    for i in injections:
        key = (i.context or "none").split(":", 1)[0]
        groups.setdefault(key, []).append(i)
    out: dict[str, object] = {}
    for key, items in sorted(groups.items()):
        times = [i.detected_after_s / 3600 for i in items if i.detected_after_s is not None]
        out[key] = {
            "injected": len(items),
            "misses": len(items) - len(times),
            "mean_time_to_detect_h": round(statistics.fmean(times), 3) if times else None,
            **{k: v for k, v in _references(items).items() if k.endswith("mean_time_to_detect_h")},
        }
    return out


def load_events(path: Path) -> list[Event]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(parse_events(f))


def away_spans(events: Iterable[Event]) -> list[tuple[float, float]]:
    """The ground truth's away intervals (``label:away`` 1 … 0)."""
    spans: list[tuple[float, float]] = []
    start: float | None = None
    for e in events:
        if e.kind != AWAY_LABEL:
            continue
        if e.value >= 0.5 and start is None:
            start = e.t
        elif e.value < 0.5 and start is not None:
            spans.append((start, e.t))
            start = None
    if start is not None:
        spans.append((start, float("inf")))
    return spans


def _inside(spans: Sequence[tuple[float, float]], t: float) -> bool:
    i = bisect.bisect_right([s for s, _ in spans], t) - 1
    return i >= 0 and spans[i][0] <= t < spans[i][1]


def _collapse(detector: Detector, t: float) -> None:
    """The person collapses at ``t``: every motion sensor that is on turns off; other sensors keep their state."""
    when = from_local_seconds(t)
    for name, s in sorted(detector.sensors.items()):
        if s.kind == "motion" and s.on:
            detector.observe(Event(when, name, s.room, "motion", 0.0))


def _detect(detector: Detector, t: float, tick_s: float) -> float | None:
    now = t
    while now <= t + HORIZON_S:
        if detector.tick(now).person_alerts:
            return now - t
        now += tick_s
    return None


def replay_run(
    events: Sequence[Event],
    config: HomeConfig,
    *,
    tick_s: float = 60.0,
    inject_at: Sequence[float] = (),
    progress: Callable[[float], None] | None = None,
) -> Run:
    """Replay ``events`` (labels included, never shown) with a tick every ``tick_s``; fork at ``inject_at``."""
    sensor_events = [e for e in events if not e.is_label]
    if not sensor_events:
        raise ReplayError("센서 이벤트가 없음 / the stream has no sensor events")
    start, end = sensor_events[0].t, sensor_events[-1].t
    learn_end = start + config.warmup_days * DAY_S
    days = max(0.0, (end - learn_end) / DAY_S)
    detector = Detector(config)
    run = Run(days, 0, 0)
    forks = sorted(inject_at)
    fork_i, event_i = 0, 0
    lived = _signs_of_life(sensor_events, config) if forks else []
    signs = [t for t, _ in lived]
    ideal = LongestSilences.of(lived, learn_end)
    person_open, device_open = False, False
    open_since = 0.0
    now = start
    while now <= end + tick_s:
        while fork_i < len(forks) and forks[fork_i] <= now:
            t = forks[fork_i]
            while event_i < len(sensor_events) and sensor_events[event_i].t < t:
                detector.observe(sensor_events[event_i])
                event_i += 1
            fork = Detector.from_json(detector.to_json())
            _collapse(fork, t)
            later = bisect.bisect_right(signs, t)
            next_sign = signs[later] - t if later < len(signs) and signs[later] - t <= HORIZON_S else None
            best = None
            if fork.context is not None and fork.last_activity is not None:
                best = ideal.detect(fork.context, fork.last_activity, t, HORIZON_S, tick_s)
            run.injections.append(Injection(t, fork.context, _detect(fork, t, tick_s), next_sign, best))
            fork_i += 1
        while event_i < len(sensor_events) and sensor_events[event_i].t <= now:
            detector.observe(sensor_events[event_i])
            event_i += 1
        status = detector.tick(now)
        counted = now >= learn_end
        person = bool(status.person_alerts)
        if person and not person_open:
            open_since = now
            if counted:
                run.false_alarms += 1
                run.alarm_times.append(now)
        elif not person and person_open and counted:
            run.alert_spans.append((open_since, now))
        device = bool(status.device_alerts)
        if device and not device_open and counted:
            run.device_alerts += 1
        person_open, device_open = person, device
        if progress is not None:
            progress(now)
        now += tick_s
    if person_open:
        run.alert_spans.append((open_since, float("inf")))
    return run


def _signs_of_life(events: Sequence[Event], config: HomeConfig) -> list[tuple[float, str]]:
    """The signs of life the detector counts in the unmodified stream, each with the context it leaves."""
    detector = Detector(replace(config, learned=False))
    out: list[tuple[float, str]] = []
    for e in events:
        before = detector.last_activity
        detector.observe(e)
        if detector.last_activity is not None and detector.last_activity != before and detector.context is not None:
            out.append((detector.last_activity, detector.context))
    return out


def draw_injections(events: Sequence[Event], config: HomeConfig, free_run: Run, n: int, seed: int) -> list[float]:
    """``n`` collapse times, uniform after learning, at home by the ground truth, no alert open (seeded)."""
    sensor_events = [e for e in events if not e.is_label]
    start, end = sensor_events[0].t, sensor_events[-1].t
    learn_end = start + config.warmup_days * DAY_S
    if end <= learn_end:
        raise ReplayError(
            f"스트림이 학습 기간({config.warmup_days:g}일)보다 짧음 / "
            f"the stream is not longer than the learning period ({config.warmup_days:g} days)"
        )
    away = away_spans(events)
    spans = sorted(free_run.alert_spans)
    rng = random.Random(seed)
    out: list[float] = []
    for _ in range(max(1000, 1000 * n)):
        if len(out) == n:
            break
        t = float(round(rng.uniform(learn_end, end)))
        if not _inside(away, t) and not _inside(spans, t):
            out.append(t)
    if len(out) < n:
        raise ReplayError("집에 있는 시간이 거의 없음 / hardly any time at home to inject emergencies")
    return out


@dataclass(frozen=True, slots=True)
class ReplayReport:
    learned: dict[str, object]
    fixed: dict[str, object]
    events: int
    seed: int

    def to_json(self) -> dict[str, object]:
        return {**self.learned, "events": self.events, "seed": self.seed, "fixed_tiers": self.fixed}


def replay(
    events: Sequence[Event],
    *,
    inject: int = 50,
    seed: int = 1,
    config: HomeConfig | None = None,
    tick_s: float = 60.0,
    progress: Callable[[str, float], None] | None = None,
) -> ReplayReport:
    """The whole protocol for one stream: the learned detector and, beside it, the fixed tiers."""
    learned_cfg = config or HomeConfig()
    fixed_cfg = replace(learned_cfg, learned=False)
    results: list[dict[str, object]] = []
    for name, cfg in (("learned", learned_cfg), ("fixed", fixed_cfg)):

        def step(now: float, name: str = name) -> None:
            if progress is not None:
                progress(name, now)

        free = replay_run(events, cfg, tick_s=tick_s, progress=step)
        times = draw_injections(events, cfg, free, inject, seed) if inject else []
        run = replay_run(events, cfg, tick_s=tick_s, inject_at=times) if times else free
        run.false_alarms, run.device_alerts = free.false_alarms, free.device_alerts
        results.append(run.summary())
    return ReplayReport(results[0], results[1], sum(1 for e in events if not e.is_label), seed)


def replay_file(path: Path, **kwargs: object) -> ReplayReport:
    return replay(load_events(path), **kwargs)  # type: ignore[arg-type]
