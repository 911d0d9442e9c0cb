"""The one object every interface (CLI, web, API, evaluation) talks to."""

from __future__ import annotations

import threading
from functools import cached_property

from assistant.embeddings import Embedder
from assistant.indexer import BuildReport, build_index
from assistant.settings import Settings
from assistant.snapshot import Snapshot, generation_dir, read_current
from assistant.store import ChromaStore


class IndexMissingError(RuntimeError):
    """No index has been built yet in ``index_dir``."""


class Assistant:
    """Question answering over the sources in ``settings``; cheap to construct.

    Collaborators (embedder, store) may be passed in; by default they are built from
    settings on first use.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: ChromaStore | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store = store
        self._snapshot: Snapshot | None = None
        self._lock = threading.RLock()

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or Embedder(self.settings.embedding)

    @cached_property
    def store(self) -> ChromaStore:
        return self._store or ChromaStore(self.settings, self.embedder)

    def build_index(self, *, progress: bool | None = None) -> BuildReport:
        """Index ``sources_dir`` incrementally; see :func:`assistant.indexer.build_index`."""
        report = build_index(self.settings, self.embedder, self.store, progress=progress)
        with self._lock:
            self._snapshot = None  # the next question reads the new generation
        return report

    def snapshot(self) -> Snapshot:
        """The generation being served, reloaded when a build has switched to a new one."""
        current = read_current(self.settings.index_dir)
        with self._lock:
            if current is None:
                raise IndexMissingError(
                    f"no index in {self.settings.index_dir}; run `python -m assistant index`"
                )
            if self._snapshot is None or self._snapshot.generation != current:
                self._snapshot = Snapshot.load(
                    generation_dir(self.settings.index_dir, current), self.settings.sources_dir
                )
            return self._snapshot

    def ensure_index(self) -> Snapshot:
        """Build the index when none exists, then return the served generation."""
        if read_current(self.settings.index_dir) is None:
            self.build_index()
        return self.snapshot()
