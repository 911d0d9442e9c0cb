"""`python -m assistant model-server`: a real GGUF model (SmolLM2-135M) behind an
OpenAI-compatible API on loopback, called by raw HTTP and by the assistant's openai
backend, as the workers of docs/deployment.md call it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core import Assistant
from assistant.embeddings import Embedder
from assistant.serve.model_server import model_name
from assistant.settings import Settings
from tests.conftest import SOURCES, clean_env, free_port, stop, wait_for
from tests.test_smollm2 import smollm2_file

pytestmark = pytest.mark.slow

KEY = "model-server-test-key"
PROMPT = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "What is a cooperative?"},
]


def post(
    url: str, payload: dict[str, Any], key: str | None = KEY, timeout: float = 120
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, json.dumps(payload).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The model server, with a key, on a free loopback port; yields its base URL."""
    log = tmp_path_factory.mktemp("model-server") / "model-server.log"
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "assistant", "model-server", str(smollm2_file())),
                *("--port", str(port), "--max-tokens", "48"),
            ],
            env=clean_env(ASSISTANT_GENERATION__API_KEY=KEY),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return bool(json.load(response)["status"] == "ok")

    try:
        wait_for(healthy, proc, log, timeout=240)
        yield url
    finally:
        stop(proc)


def test_answers_whole_and_streamed_alike(server: str) -> None:
    status, body = post(server + "/v1/chat/completions", {"model": "any", "messages": PROMPT})
    assert status == 200, body
    reply = json.loads(body)
    assert reply["object"] == "chat.completion"
    assert reply["model"] == model_name(smollm2_file())
    whole = reply["choices"][0]["message"]["content"]
    assert whole.strip()

    status, body = post(
        server + "/v1/chat/completions", {"model": "any", "messages": PROMPT, "stream": True}
    )
    assert status == 200
    events = [line[6:] for line in body.decode().split("\n\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert streamed == whole  # greedy decoding: the same tokens either way


def test_the_answer_length_follows_the_request(server: str) -> None:
    lengths = []
    for limit in (4, 40):
        status, body = post(
            server + "/v1/chat/completions",
            {"messages": PROMPT[1:], "max_completion_tokens": limit},
        )
        assert status == 200
        lengths.append(len(json.loads(body)["choices"][0]["message"]["content"]))
    assert 0 < lengths[0] < lengths[1]


def test_needs_its_key_but_not_for_health(server: str) -> None:
    status, body = post(server + "/v1/chat/completions", {"messages": PROMPT}, key=None)
    assert status == 401 and b"Bearer" in body
    status, body = post(server + "/v1/chat/completions", {"messages": PROMPT}, key="wrong")
    assert status == 401
    with urllib.request.urlopen(server + "/healthz", timeout=5) as response:
        assert response.status == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "role"),
        ({"messages": PROMPT, "max_tokens": 0}, "max_tokens"),
    ],
)
def test_bad_requests_name_the_field(server: str, payload: dict[str, Any], field: str) -> None:
    status, body = post(server + "/v1/chat/completions", payload)
    assert status == 422
    assert field in json.dumps(json.loads(body)["detail"])


def test_the_assistant_answers_through_it_as_in_process(
    server: str, tmp_path: Path, embedder: Embedder
) -> None:
    """A worker using the server gets the very answer of the model loaded in-process."""
    index = tmp_path / "index"
    common: dict[str, Any] = {"sources_dir": SOURCES, "index_dir": index}
    served = Assistant(
        Settings(
            **common,
            llm=f"openai:{model_name(smollm2_file())}",
            generation={"base_url": server + "/v1", "api_key": KEY, "max_tokens": 48},
        ),
        embedder=embedder,
    )
    served.build_index(progress=False)
    local = Assistant(
        Settings(**common, llm=f"gguf:{smollm2_file()}", generation={"max_tokens": 48}),
        embedder=embedder,
    )
    question = "Qui a posé la première pierre de la Maison de l'ESS à Niort ?"
    over_http, in_process = served.ask(question), local.ask(question)
    assert over_http.metadata.llm_error is None, over_http.metadata
    assert over_http.metadata.raw and over_http.metadata.raw == in_process.metadata.raw
    assert over_http.text == in_process.text


def test_refuses_the_network_without_a_key_and_bad_files(tmp_path: Path) -> None:
    model = str(smollm2_file())
    exposed = subprocess.run(
        [sys.executable, "-m", "assistant", "model-server", model, "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert exposed.returncode == 1
    assert "ASSISTANT_GENERATION__API_KEY" in exposed.stderr and "Traceback" not in exposed.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "assistant", "model-server", str(tmp_path / "none.gguf")],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert missing.returncode == 1 and "no model file" in missing.stderr
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF" + bytes(range(256)) * 4)
    broken = subprocess.run(
        [sys.executable, "-m", "assistant", "model-server", str(junk)],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert broken.returncode == 1, broken.stderr
    assert "cannot load" in broken.stderr and "Traceback" not in broken.stderr
