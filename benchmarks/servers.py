"""A real ``chroma run`` on loopback, for the benchmarks that measure server mode."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def chroma_server(work: Path) -> Iterator[int]:
    """``chroma run`` keeping its data under ``work``; yields its port, stops it after."""
    port = free_port()
    with (work / "chroma.log").open("w") as log:
        proc = subprocess.Popen(
            [
                *(str(Path(sys.executable).with_name("chroma")), "run"),
                *("--path", str(work / "chroma"), "--host", "127.0.0.1", "--port", str(port)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not start; see {work / 'chroma.log'}")
            time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
