"""A Rich progress bar per benchmark phase (what ``maeul bench`` and ``benchmarks/ingest_mqtt.py`` show)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class RichProgress:
    """Implements :class:`maeul.benchmarking.progress.Progress`; each phase gets its own bar."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def phase(self, description: str, total_s: float) -> None:
        self.done()
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(description, total=max(total_s, 1e-9), detail="")

    def update(self, elapsed_s: float, detail: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=elapsed_s, detail=detail)

    def done(self) -> None:
        if self._progress is not None and self._task is not None:
            task = self._progress.tasks[0]
            self._progress.update(self._task, completed=task.total)
            self._progress.stop()
        self._progress = None
        self._task = None
