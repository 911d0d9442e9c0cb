"""Documents added and removed from the page or the API (issue 17): every file checked
before anything is written, names made safe, removed files kept in a trash folder, and
the background build's progress."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.index.background import Reindexer
from assistant.index.builder import BuildReport, ProgressCallback
from assistant.ingest.uploads import TRASH, UPLOADS, move_to_trash, safe_name, store_uploads

TEXT = "La Ressourcerie du Clain a collecté 87 tonnes d'objets en 2024.\n".encode()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../../etc/cron.d/evil.txt", "evil.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        (".hidden.txt", "hidden.txt"),
        ("~$lock.docx", "lock.docx"),
        ('rapport: "2024" <final>?.PDF', "rapport 2024 final.pdf"),
        ("", "document"),
    ],
)
def test_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_readable_files_are_stored_and_the_others_refused_with_nothing_written(
    tmp_path: Path,
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    results = store_uploads(
        [
            ("../../outside.txt", TEXT),
            ("rapport.pdf", b"%PDF-1.4 this is not really a PDF"),
            ("vide.md", b""),
            ("gros.txt", b"x" * 2000),
            ("programme.exe", b"MZ"),
            ("outside.txt", TEXT),
        ],
        sources,
        max_bytes=1000,
    )
    assert [r.accepted for r in results] == [True, False, False, False, False, True]
    assert results[0].stored == f"{UPLOADS}/outside.txt"
    assert results[5].stored == f"{UPLOADS}/outside-2.txt"  # the same name made unique
    assert not (tmp_path / "outside.txt").exists()  # nothing outside the sources folder
    reasons = [r.reason for r in results[1:5]]
    assert "PDF" in reasons[0] or "read" in reasons[0]
    assert reasons[1] == "empty file"
    assert "over the" in reasons[2] and "max_file_mb" in reasons[2]
    assert reasons[3].startswith("unsupported format .exe")
    stored = sorted(p.name for p in (sources / UPLOADS).iterdir())
    assert stored == ["outside-2.txt", "outside.txt"]  # no trace of the refused ones
    assert (sources / UPLOADS / "outside.txt").read_bytes() == TEXT


def test_removed_files_go_to_the_trash_and_are_never_overwritten(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / UPLOADS).mkdir(parents=True)
    first = sources / UPLOADS / "note.txt"
    first.write_bytes(TEXT)
    moved = move_to_trash(first, sources)
    assert not first.exists() and moved.read_bytes() == TEXT
    assert moved.parent == sources / TRASH / UPLOADS
    first.write_bytes(b"second")
    again = move_to_trash(first, sources)
    assert again != moved and again.read_bytes() == b"second" and moved.read_bytes() == TEXT


def test_a_background_build_reports_progress_and_runs_again_when_asked_meanwhile() -> None:
    release = threading.Event()
    seen: list[str] = []
    builds = 0

    def build(report: ProgressCallback) -> BuildReport:
        nonlocal builds
        builds += 1
        report("embed", 1, 2)
        seen.append("embed")
        release.wait(10)
        report("switch", 1, 1)
        return BuildReport(documents=builds, generation=f"g{builds}")

    reindexer = Reindexer(build)
    assert reindexer.start() is True
    while not seen:
        threading.Event().wait(0.01)
    running = reindexer.status()
    assert running.state == "running" and running.stage == "embed"
    assert 0.2 < running.progress < 0.65  # half of the embedding stage
    assert reindexer.start() is False  # asked while running: runs once more after
    assert reindexer.status().pending
    release.set()
    done = reindexer.wait(timeout=20)
    assert builds == 2 and done.state == "idle" and done.report["generation"] == "g2"
    assert done.progress == 1.0 and not done.pending


def test_a_failed_build_is_reported_and_changes_nothing_else() -> None:
    def build(report: ProgressCallback) -> BuildReport:
        raise OSError(28, "No space left on device")

    reindexer = Reindexer(build)
    reindexer.start()
    status = reindexer.wait(timeout=20)
    assert status.state == "failed" and "No space left" in status.error
