"""Index builds in the background, one at a time, with their progress for the page and
the API (``GET /api/index/status``).

Answers keep coming from the generation being served while a build runs: the build
writes a new generation aside and switches ``CURRENT`` only when it is complete, and the
assistant reloads on the next question. A build asked for while one runs is run once
more after it (files added meanwhile are not left out); a failed build changes nothing
served and its error is reported.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from assistant.errors import describe
from assistant.index.builder import BuildReport, ProgressCallback

log = logging.getLogger(__name__)

State = Literal["idle", "running", "failed"]
# The share of a build each stage takes, roughly (measured on the corpus: embedding the
# new chunks and their sentences is nearly all of it); the bar moves inside a stage.
_STAGES = {
    "load": (0.0, 0.10),
    "chunk": (0.10, 0.15),
    "diff": (0.15, 0.17),
    "copy": (0.17, 0.20),
    "embed": (0.20, 0.65),
    "sentences": (0.65, 0.90),
    "keyword": (0.90, 0.94),
    "save": (0.94, 0.98),
    "switch": (0.98, 1.0),
}


@dataclass
class IndexStatus:
    """Where background indexing stands. ``progress`` runs from 0 to 1 during a build;
    ``report``: the last finished build (its :class:`BuildReport` as a dict, errors
    included as ``error``); ``pending``: another build was asked for during this one."""

    state: State = "idle"
    stage: str = ""
    progress: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    pending: bool = False
    error: str = ""
    report: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Reindexer:
    """Runs ``build`` (given the progress callback) in a daemon thread when asked."""

    def __init__(self, build: Callable[[ProgressCallback], BuildReport]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._status = IndexStatus()
        self._thread: threading.Thread | None = None

    def status(self) -> IndexStatus:
        """A copy of the current status."""
        with self._lock:
            return IndexStatus(**asdict(self._status))

    def start(self) -> bool:
        """Start a build now, or after the one running; True when one starts now."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._status.pending = True
                return False
            self._begin()
            self._thread = threading.Thread(target=self._run, name="reindex", daemon=True)
            self._thread.start()
            return True

    def _begin(self) -> None:
        # A fresh status for a build starting now; the last report stays until it ends.
        self._status = IndexStatus(
            state="running", stage="load", started_at=time.time(), report=self._status.report
        )

    def wait(self, timeout: float | None = None) -> IndexStatus:
        """Block until no build runs (for the command line and tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None or not thread.is_alive():
                return self.status()
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(left)
            if deadline is not None and time.monotonic() >= deadline:
                return self.status()

    def _progress(self, stage: str, done: int, total: int) -> None:
        low, high = _STAGES.get(stage, (self._status.progress, self._status.progress))
        share = done / total if total else 1.0
        with self._lock:
            self._status.stage = stage
            self._status.progress = round(max(self._status.progress, low + (high - low) * share), 3)

    def _run(self) -> None:
        while True:
            try:
                report = self._build(self._progress)
            except Exception as exc:  # reported on the page; what is served is untouched
                log.exception("background indexing failed")
                with self._lock:
                    self._status.state = "failed"
                    self._status.error = describe(exc)
                    self._status.finished_at = time.time()
                    again, self._status.pending = self._status.pending, False
            else:
                with self._lock:
                    self._status.state = "idle"
                    self._status.stage = ""
                    self._status.progress = 1.0
                    self._status.error = ""
                    self._status.report = report.to_dict()
                    self._status.finished_at = time.time()
                    again, self._status.pending = self._status.pending, False
            if not again:
                return
            with self._lock:
                self._begin()
