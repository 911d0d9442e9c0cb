"""A read-only or full disk under the index: a clear error, and the old index untouched.

As root (CI), the faults are real file systems: a read-only bind mount and a small tmpfs
that fills up. Otherwise the same tests use what a user can do: a folder without write
permission, and a file-size limit (``ulimit -f``) on the build process.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.index.snapshot import read_current
from assistant.settings import Settings
from tests.conftest import clean_env

pytestmark = pytest.mark.slow
ROOT = os.geteuid() == 0
NEW_FACT = "La ressourcerie des Trois Cités répare les vélos chaque jeudi.\n"


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    if ROOT:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
            yield
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=True)
        return
    paths = [folder, *folder.rglob("*")]
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(modes[p] & ~0o222)
    try:
        yield
    finally:
        for p in reversed(paths):
            p.chmod(modes[p])


def _index_cli(
    sources: Path, index: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "assistant", "index", "--quiet"),
            *("--sources", str(sources), "--index", str(index)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
        preexec_fn=preexec,
    )


def _answers_from(settings: Settings, embedder: Embedder, generation: str) -> None:
    """The index at ``settings`` serves ``generation`` and answers from it."""
    assert read_current(settings.index_dir) == generation
    reader = Assistant(settings, embedder=embedder)
    answer = reader.ask("Qui a posé la première pierre de la Maison de l'ESS à Niort ?")
    assert "Benoît Hamon" in answer.text
    assert reader.snapshot().generation == generation
    reader.store.close()


def test_read_only_index_folder_fails_clearly_and_keeps_the_index(
    corpus: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    settings = make_settings(corpus)
    built = Assistant(settings, embedder=embedder)
    first = built.build_index(progress=False).generation
    built.store.close()
    (corpus / "trois-cites.txt").write_text(NEW_FACT, encoding="utf-8")
    before = sorted(p.relative_to(settings.index_dir) for p in settings.index_dir.rglob("*"))

    with read_only(settings.index_dir):
        done = _index_cli(corpus, settings.index_dir)
    assert done.returncode == 1
    assert "error:" in done.stderr and "writable" in done.stderr
    assert "Traceback" not in done.stderr
    after = sorted(p.relative_to(settings.index_dir) for p in settings.index_dir.rglob("*"))
    assert after == before  # nothing written, nothing removed
    _answers_from(settings, embedder, first)

    # Writable again: the next build goes through.
    rebuilt = Assistant(settings, embedder=embedder)
    assert rebuilt.build_index(progress=False).added_ids == ["trois-cites"]
    rebuilt.store.close()


def _limit_file_size() -> None:  # runs in the child, before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[Callable[[], None]]:
    """``folder`` on a 64 MB tmpfs (root); yields a function that fills it up."""
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], check=True)

    def fill() -> None:
        stats = os.statvfs(folder)
        free = stats.f_bavail * stats.f_frsize
        with (folder / "filler").open("wb") as handle:
            handle.write(b"\0" * max(0, free - 128 * 1024))

    try:
        yield fill
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_full_disk_fails_clearly_and_keeps_the_index(
    corpus: Path, tmp_path: Path, make_settings: Callable[..., Settings], embedder: Embedder
) -> None:
    with contextlib.ExitStack() as stack:
        if ROOT:
            disk = tmp_path / "disk"
            fill = stack.enter_context(small_disk(disk))
            settings = make_settings(corpus, index_dir=disk / "index")
            preexec = None
        else:
            settings = make_settings(corpus)
            preexec = _limit_file_size
        built = Assistant(settings, embedder=embedder)
        first = built.build_index(progress=False).generation
        built.store.close()
        (corpus / "trois-cites.txt").write_text(NEW_FACT * 50, encoding="utf-8")
        if ROOT:
            fill()

        done = _index_cli(corpus, settings.index_dir, preexec)
        assert done.returncode == 1, done.stderr
        assert "error: cannot write" in done.stderr, done.stderr
        assert ("disk is full" if ROOT else "size this process may write") in done.stderr
        assert "Traceback" not in done.stderr
        generations = sorted(p.name for p in (settings.index_dir / "generations").iterdir())
        assert generations == [first]  # the half-written generation was removed
        if ROOT:
            (settings.index_dir.parent / "filler").unlink()
        _answers_from(settings, embedder, first)

        rebuilt = Assistant(settings, embedder=embedder)
        assert rebuilt.build_index(progress=False).added_ids == ["trois-cites"]
        rebuilt.store.close()
