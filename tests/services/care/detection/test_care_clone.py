"""Detector.clone: the rule kinds' per-event copy is independent of its source and equal to it."""

from __future__ import annotations

from datetime import datetime, timedelta

from maeul.services.care.detection import Detector, Event, HomeConfig, local_seconds

START = datetime(2026, 1, 5)


def _learned() -> Detector:
    detector = Detector(HomeConfig())
    for day in range(4):
        for minutes in range(7 * 60, 22 * 60, 20):
            when = START + timedelta(days=day, minutes=minutes)
            detector.observe(Event(when, "pir", "Kitchen", "motion", 1.0))
            detector.observe(Event(when + timedelta(minutes=1), "pir", "Kitchen", "motion", 0.0))
            detector.observe(Event(when, "temp", "Kitchen", "temperature", 21.0 + (minutes % 60) / 60))
        detector.observe(Event(START + timedelta(days=day, hours=8), "bat", "Kitchen", "battery", 90.0))
    return detector


def test_a_clone_equals_its_source() -> None:
    source = _learned()
    assert source.clone().to_json() == source.to_json()


def test_changing_a_clone_leaves_its_source_as_it_was() -> None:
    source = _learned()
    before = source.to_json()
    clone = source.clone()
    later = START + timedelta(days=5, hours=3)
    clone.observe(Event(later, "pir", "Bedroom", "motion", 1.0))
    clone.observe(Event(later, "temp", "Kitchen", "temperature", 30.0))
    clone.set_heat_wave(True, local_seconds(later))
    assert clone.to_json() != before
    assert source.to_json() == before
