"""Adding documents from the page and the API (issue 17), as people do it: a real server,
headless Chromium dropping a .docx and a .pdf on the Sources tab, asking about them in the
chat, and removing one; the HTTP API refusing a corrupt file, an oversized one, and
storing a path-traversal name safely. The screenshot of the upload goes to the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import REPO, free_port, stop, wait_healthy

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / os.environ.get("TEST_ARTIFACTS", "test-artifacts")
BASE = """La Maison de l'ESS de Poitiers

La Maison de l'ESS de Poitiers accueille les associations du quartier depuis 2019.
"""
DOCX_TITLE = "Le Repair Café de Buxerolles"
DOCX_TEXT = "Le Repair Café de Buxerolles a réparé 412 objets en 2024 grâce à 23 bénévoles."
PDF_TITLE = "La Ressourcerie du Clain"
PDF_TEXT = "La Ressourcerie du Clain a collecté 87 tonnes d'objets en 2024 à Ligugé."


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(DOCX_TITLE, level=1)
    document.add_paragraph(DOCX_TEXT)
    document.save(str(path))
    return path


def make_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, f"{PDF_TITLE}\n\n{PDF_TEXT}")
    pdf.output(str(path))
    return path


class Server:
    def __init__(self, url: str, sources: Path, files: Path) -> None:
        self.url, self.sources, self.files = url, sources, files


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("uploads")
    sources = root / "sources"
    sources.mkdir()
    (sources / "maison-ess.txt").write_text(BASE, encoding="utf-8")
    files = root / "to-upload"
    files.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_MAX_FILE_MB"] = "0.5"
    log = root / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "assistant", "serve", "--port", str(port)),
                *("--sources", str(sources), "--index", str(root / "index")),
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_healthy(url, proc, log, timeout=240)
        yield Server(url, sources, files)
    finally:
        stop(proc)


def _wait_idle(server: Server, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = httpx.get(server.url + "api/index/status", timeout=10).json()
        if status["state"] != "running":
            return status
        time.sleep(0.5)
    raise TimeoutError("the background build did not finish")


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(server.url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def test_browser_uploads_a_docx_and_a_pdf_asks_about_them_and_removes_one(
    page: Page, server: Server
) -> None:
    docx_file = make_docx(server.files / "repair-cafe.docx")
    pdf_file = make_pdf(server.files / "ressourcerie.pdf")
    page.get_by_role("tab", name="Sources").click()
    page.locator("#upload input[type=file]").set_input_files([str(docx_file), str(pdf_file)])
    page.wait_for_selector("#upload >> text=ressourcerie")  # uploaded to the server
    page.click("#add-documents")
    page.wait_for_selector("#upload-outcome p")
    outcome = page.inner_text("#upload-outcome")
    assert "repair-cafe.docx : ajouté (uploads/repair-cafe.docx)" in outcome
    assert "ressourcerie.pdf : ajouté (uploads/ressourcerie.pdf)" in outcome
    page.wait_for_selector("#index-status .ready", timeout=240_000)
    assert "3 documents" in page.inner_text("#index-status")
    page.wait_for_selector(f"#sources >> text={PDF_TITLE}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)

    page.get_by_role("tab", name="Conversation").click()
    page.fill(
        "#question textarea", "Combien de tonnes la Ressourcerie du Clain a-t-elle collectées ?"
    )
    page.keyboard.press("Enter")
    page.wait_for_selector("#turn-0")
    assert "87 tonnes" in page.locator("#chat [data-testid=bot]").last.inner_text()
    assert PDF_TITLE in page.inner_text("#panel")

    page.get_by_role("tab", name="Sources").click()
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name=DOCX_TITLE).click()
    page.click("#remove-document")
    page.wait_for_selector("#upload-outcome >> text=retiré")
    page.wait_for_selector("#index-status .ready >> text=2 documents", timeout=240_000)
    assert DOCX_TITLE not in page.inner_text("#sources")
    trashed = list((server.sources / ".trash" / "uploads").glob("*-repair-cafe.docx"))
    assert len(trashed) == 1  # kept, not deleted
    assert not (server.sources / "uploads" / "repair-cafe.docx").exists()


def test_the_api_refuses_a_corrupt_and_an_oversized_file_and_stores_odd_names_safely(
    server: Server,
) -> None:
    files = [
        ("files", ("rapport.pdf", b"%PDF-1.7 truncated", "application/pdf")),
        ("files", ("gros.txt", b"mot " * 200_000, "text/plain")),  # 800 KB, over 0.5 MB
        (
            "files",
            ("../../../evil.txt", "Le jardin partagé ouvre le 3 juin.".encode(), "text/plain"),
        ),
    ]
    response = httpx.post(server.url + "api/documents", files=files, timeout=60)
    assert response.status_code == 202
    outcome = {d["name"]: d for d in response.json()["documents"]}
    assert not outcome["rapport.pdf"]["accepted"] and outcome["rapport.pdf"]["reason"]
    assert not outcome["gros.txt"]["accepted"]
    assert "over the 512 KB limit" in outcome["gros.txt"]["reason"]
    assert outcome["../../../evil.txt"]["stored"] == "uploads/evil.txt"
    assert (server.sources / "uploads" / "evil.txt").is_file()
    assert not (server.sources.parent / "evil.txt").exists()
    assert not (server.sources / "uploads" / "rapport.pdf").exists()
    _wait_idle(server)

    only_bad = httpx.post(
        server.url + "api/documents",
        files=[("files", ("vide.md", b"", "text/markdown"))],
        timeout=60,
    )
    assert only_bad.status_code == 422
    assert only_bad.json()["documents"][0]["reason"] == "empty file"
    missing = httpx.delete(server.url + "api/documents/no-such-document", timeout=30)
    assert missing.status_code == 404 and "no-such-document" in missing.json()["detail"]
    assert "no file accepted: vide.md: empty file" in only_bad.json()["detail"]
    removed = httpx.delete(server.url + "api/documents/uploads-evil", timeout=30)
    assert removed.status_code == 202 and removed.json()["trash"][0].startswith(".trash/")
    again = httpx.delete(server.url + "api/documents/uploads-evil", timeout=30)
    assert again.status_code == 404 and "already removed" in again.json()["detail"]
    _wait_idle(server)


ASK_IN_A_CHILD = """
import sys
from assistant.cli.main import main
code = main(sys.argv[1:])
print("torch loaded:", "torch" in sys.modules, file=sys.stderr)
sys.exit(code)
"""


def test_ask_uses_a_running_server_without_loading_the_models(server: Server) -> None:
    generation = httpx.get(server.url + "healthz", timeout=10).json()["generation"]
    question = "Depuis quand la Maison de l'ESS de Poitiers accueille-t-elle les associations ?"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    runs = {
        "--server": ["--server", server.url],
        # No flag: the local server is found on its port (here the test server's).
        "found": [],
    }
    for name, flags in runs.items():
        port = server.url.rstrip("/").rsplit(":", 1)[1]
        done = subprocess.run(
            [sys.executable, "-c", ASK_IN_A_CHILD, "ask", question, "--json", *flags],
            capture_output=True,
            text=True,
            timeout=120,
            env={**env, "ASSISTANT_WEB__PORT": port},
            cwd=server.files,
        )
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert "2019" in answer["text"], name
        assert answer["metadata"]["generation"] == generation  # the server's index answered
        assert "torch loaded: False" in done.stderr, name
    refused = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "Bonjour ?", "--server", "http://127.0.0.1:9/"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "no answer from http://127.0.0.1:9/" in refused.stderr
    assert "python -m assistant serve" in refused.stderr  # what to do about it
    mixed = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "ask",
            "Bonjour ?",
            "--server",
            server.url,
            "--sources",
            "elsewhere",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert mixed.returncode == 1 and "--server answers from that server" in mixed.stderr


def test_browser_phone_layout_conversation_kept_on_reload_and_exported(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(server.url)
        page.wait_for_selector("#question textarea")
        question = "Depuis quand la Maison de l'ESS de Poitiers accueille-t-elle les associations ?"
        page.fill("#question textarea", question)
        page.keyboard.press("Enter")
        page.wait_for_selector("#turn-0")
        # On a phone the cited passages come right after the answer, before the examples.
        panel, examples = (page.locator(s).bounding_box() for s in ("#panel", "#examples"))
        assert panel is not None and examples is not None and panel["y"] < examples["y"]
        page.wait_for_selector("#export", state="visible")
        with page.expect_download() as download:
            page.click("#export")
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert f"## {question}" in exported and "2019" in exported
        assert "> La Maison de l'ESS de Poitiers accueille les associations du" in exported
        page.reload()
        page.wait_for_selector("#panel #turn-0")  # the conversation survived the reload
        assert "2019" in page.locator("#chat [data-testid=bot]").last.inner_text()
    finally:
        context.close()
