"""A periodic job: run on its own thread until stopped, a failing run logged and retried, no thread left behind;
the platform checkpoints its SQLite log this way."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from maeul.platform.app import Platform
from maeul.platform.periodic import Periodic
from maeul.platform.settings import load_settings


def _wait_for(condition: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_a_failing_run_is_logged_and_the_job_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def job() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("disk busy")

    periodic = Periodic("maeul-test-job", job, 0.01, first_delay_s=0.0, log=logging.getLogger("maeul.test"))
    with caplog.at_level(logging.ERROR, logger="maeul.test"):
        periodic.start()
        _wait_for(lambda: periodic.runs >= 3)
        periodic.stop()
    assert periodic.runs >= 3 and len(calls) == periodic.runs
    assert "maeul-test-job failed; retrying in 0.0 s" in caplog.text and "disk busy" in caplog.text
    assert not any(t.name == "maeul-test-job" for t in threading.enumerate())


def test_the_first_run_waits_for_its_delay_and_stop_ends_the_wait() -> None:
    periodic = Periodic("maeul-test-late", lambda: None, 0.01, first_delay_s=3600.0)
    periodic.start()
    time.sleep(0.05)
    periodic.stop()
    assert periodic.runs == 0
    assert not any(t.name == "maeul-test-late" for t in threading.enumerate())


def test_a_sqlite_platform_checkpoints_its_log_while_started(tmp_path: Path) -> None:
    platform = Platform.create(load_settings({}, data_dir=tmp_path / "data"))
    assert platform.checkpoints is not None
    platform.start(mqtt=False)
    try:
        _wait_for(lambda: platform.checkpoints is not None and platform.checkpoints.runs >= 2)
        assert platform.checkpoints.runs >= 2
    finally:
        platform.stop()
    assert not any(t.name == "maeul-wal-checkpoint" for t in threading.enumerate())
