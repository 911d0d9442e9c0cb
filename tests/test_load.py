"""50 clients on the HTTP API for a minute, over loopback: no errors, memory stable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, clean_env

pytestmark = pytest.mark.slow


def test_fifty_clients_for_a_minute(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    done = subprocess.run(
        [
            *(sys.executable, str(REPO / "benchmarks/api_load.py")),
            *("--workers", "1", "--clients", "50", "--seconds", "60"),
            *("--chroma", "embedded", "--json", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout)  # the figures, for the log
    row = json.loads(out.read_text())["1 worker(s)"]
    assert row["errors"] == 0 and not row["first_errors"]
    assert row["answers"] >= 100  # every client was answered, many times over
    assert 0 < row["median_ms"] <= row["p95_ms"]
    # Memory stable: the last tenth of the minute holds no more than the first, give or take.
    assert row["rss_last_mb"] <= row["rss_first_mb"] * 1.15 + 64, row
