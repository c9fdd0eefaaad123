"""The pill box routine: dose times learned from the home's openings or set by the caseworker; a dose not taken
within the window after its time raises once; table-driven on a frozen clock (local seconds, no wall clock)."""

from __future__ import annotations

import orjson
import pytest

from maeul.services.care.detection.config import ConfigError
from maeul.services.care.detection.events import DAY_S
from maeul.services.care.detection.medication import MedicationConfig, PillBox, parse_hhmm

DAY0 = 20_000  # a local day number (2024-10-04); any will do
H = 3600


def at(day: int, hhmm: str) -> float:
    return float((DAY0 + day) * DAY_S + parse_hhmm(hhmm))


def open_close(box: PillBox, day: int, hhmm: str, cfg: MedicationConfig) -> None:
    t = at(day, hhmm)
    box.observe(t, 1.0, cfg)
    box.observe(t + 30, 0.0, cfg)


def routine(days: int, times: tuple[str, ...], cfg: MedicationConfig, skip: frozenset[int] = frozenset()) -> PillBox:
    box = PillBox()
    box.seen(at(0, "00:00"))
    for day in range(days):
        if day in skip:
            continue
        for hhmm in times:
            open_close(box, day, hhmm, cfg)
    return box


LEARN = MedicationConfig()
SET = MedicationConfig(times=("08:00", "20:00"))


@pytest.mark.parametrize(
    ("name", "cfg", "learn_days", "today_opened", "now", "missed_at"),
    [
        # learned from 7 days of openings around 08:10 and 19:05: today's morning box not opened
        ("learned morning missed", LEARN, 7, (), "09:45", "08:10"),
        ("learned, still within the window", LEARN, 7, (), "09:30", None),
        ("learned, taken late but within the window", LEARN, 7, ("09:20",), "10:00", None),
        ("learned, taken a little early", LEARN, 7, ("07:00",), "10:00", None),
        ("learned, taken far too early does not count", LEARN, 7, ("05:00",), "10:00", "08:10"),
        ("learned evening missed", LEARN, 7, ("08:12",), "20:40", "19:05"),
        ("raised once: it ends after the hold time", LEARN, 7, (), "15:50", None),
        ("too few days to learn anything", LEARN, 2, (), "10:00", None),
        # set by the caseworker: no learning needed, the set times count even when the habit differs
        ("set times, no history", SET, 0, (), "09:31", "08:00"),
        ("set times, morning taken", SET, 0, ("07:55",), "21:00", None),
        ("set times, evening missed", SET, 0, ("07:55",), "21:31", "20:00"),
        ("set times, a midday opening is too early for the evening", SET, 0, ("07:55", "14:30"), "21:31", "20:00"),
        ("set times, evening taken early enough", SET, 0, ("07:55", "18:30"), "21:31", None),
    ],
)
def test_missed_dose(
    name: str, cfg: MedicationConfig, learn_days: int, today_opened: tuple[str, ...], now: str, missed_at: str | None
) -> None:
    box = routine(learn_days, ("08:10", "19:05"), cfg)
    for hhmm in today_opened:
        open_close(box, learn_days, hhmm, cfg)
    missed = box.missed(at(learn_days, now), cfg)
    if missed_at is None:
        assert missed is None, name
    else:
        assert missed is not None, name
        assert missed.dose.at == at(learn_days, missed_at)
        assert missed.since == missed.dose.at + cfg.window_s
        assert missed_at in missed.reason_ko and missed_at in missed.reason_en


def test_learned_times_are_the_median_of_each_days_first_opening() -> None:
    box = PillBox()
    box.seen(at(0, "00:00"))
    for day, hhmm in enumerate(["07:50", "08:00", "08:30", "08:10", "08:05"]):
        open_close(box, day, hhmm, LEARN)
        open_close(box, day, "08:40", LEARN)  # a second look at the box that morning does not move the time
    open_close(box, 2, "14:00", LEARN)  # once is not a habit
    assert box.learned_times(DAY0 + 5, LEARN) == (parse_hhmm("08:05"),)


def test_a_dose_missed_on_some_days_is_still_learned_and_a_rare_one_is_not() -> None:
    box = routine(10, ("08:00",), LEARN, skip=frozenset({2, 5}))
    for day in (1, 4):  # an afternoon opening on 2 of 10 days: below the share
        open_close(box, day, "15:00", LEARN)
    assert box.learned_times(DAY0 + 10, LEARN) == (parse_hhmm("08:00"),)


def test_close_doses_split_their_openings_at_the_midpoint() -> None:
    cfg = MedicationConfig(times=("08:00", "11:00"))
    box = routine(0, (), cfg)
    open_close(box, 0, "09:15", cfg)  # before the midpoint (09:30): the 08:00 dose, taken late
    missed = box.missed(at(0, "12:31"), cfg)
    assert missed is not None and missed.dose.at == at(0, "11:00")
    open_close(box, 0, "12:40", cfg)  # the 11:00 dose taken late: the alert ends
    assert box.missed(at(0, "12:41"), cfg) is None


def test_a_new_box_raises_nothing_for_a_dose_before_it_was_installed() -> None:
    box = PillBox()
    box.seen(at(0, "09:00"))
    assert box.missed(at(0, "09:45"), SET) is None
    assert box.missed(at(0, "21:31"), SET) is not None  # the evening dose is after it was installed


def test_away_mode_raises_nothing() -> None:
    box = routine(0, (), SET)
    box.away = True
    assert box.missed(at(0, "09:31"), SET) is None


def test_a_box_that_only_reports_open_counts_each_opening_once() -> None:
    box = PillBox()
    box.observe(at(0, "08:00"), 1.0, SET)
    box.observe(at(0, "08:01"), 1.0, SET)  # the same opening reported again
    box.observe(at(0, "20:00"), 1.0, SET)
    assert box.openings == [at(0, "08:00"), at(0, "20:00")]


def test_old_openings_are_forgotten() -> None:
    box = routine(30, ("08:00",), LEARN)
    assert min(box.openings) >= (DAY0 + 29 - LEARN.history_days) * DAY_S


def test_state_round_trips_through_json() -> None:
    box = routine(5, ("08:00",), LEARN)
    again = PillBox.from_json(orjson.loads(orjson.dumps(box.to_json())))
    assert again == box


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"times": ["8 o'clock"]}, "HH:MM"),
        ({"times": ["25:00"]}, "HH:MM"),
        ({"times": ["08:00", "08:00"]}, "twice"),
        ({"window_s": 0}, "window"),
        ({"min_days": 30}, "learning"),
        ({"window_s": "90"}, "integer"),
        ({"when": 1}, "unknown"),
        ([], "object"),
    ],
)
def test_bad_settings_are_named_in_korean_and_english(data: object, word: str) -> None:
    with pytest.raises(ConfigError) as error:
        MedicationConfig.from_json(data)
    assert word in str(error.value) and " / " in str(error.value)
