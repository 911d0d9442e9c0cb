"""Settings sources and precedence; the package stays light to import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import DEFAULT_EMBEDDING_MODEL, E5_ESS_MODEL, Settings


def test_defaults() -> None:
    settings = Settings()
    assert settings.sources_dir == Path("sources") and settings.index_dir == Path("index")
    assert settings.embedding.backend == "e5" and settings.embedding.model == E5_ESS_MODEL
    assert settings.chroma.mode == "embedded"
    assert settings.llm == "extractive"


def test_a_model_named_alone_is_a_sentence_transformers_model() -> None:
    assert Settings(embedding={"model": "/models/other"}).embedding.backend == (  # type: ignore[arg-type]
        "sentence-transformers"
    )
    minilm = Settings(embedding={"backend": "sentence-transformers"})  # type: ignore[arg-type]
    assert minilm.embedding.model == DEFAULT_EMBEDDING_MODEL


def test_environment_then_toml_then_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "conf.toml"
    config.write_text(
        'index_dir = "from-toml"\nsources_dir = "docs"\n[chroma]\nmode = "server"\nport = 9000\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", "from-env")
    monkeypatch.setenv("ASSISTANT_EMBEDDING__MODEL", "/models/other")
    settings = Settings()
    assert settings.index_dir == Path("from-env")  # environment beats the file
    assert settings.sources_dir == Path("docs")  # the file beats the default
    assert settings.chroma.mode == "server" and settings.chroma.port == 9000
    assert settings.embedding.model == "/models/other"
    assert Settings(index_dir=Path("arg")).index_dir == Path("arg")  # arguments beat all


def test_assistant_toml_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "assistant.toml").write_text("max_file_mb = 5\n", encoding="utf-8")
    assert Settings().max_file_mb == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"colour": "blue"}, "colour"),
        ({"chroma": {"mode": "cloud"}}, "mode"),
        ({"chroma": {"port": 70000}}, "port"),
        ({"chunking": {"max_tokens": 2}}, "max_tokens"),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**kwargs)  # type: ignore[arg-type]


def test_import_is_light_and_construction_cheap(tmp_path: Path) -> None:
    code = (
        "import sys, json\n"
        "from assistant import Assistant, Settings\n"
        f"a = Assistant(Settings(sources_dir={str(tmp_path)!r}, index_dir={str(tmp_path)!r}))\n"
        "heavy = ['torch', 'chromadb', 'sentence_transformers', 'langchain_core', 'gradio']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout) == []
    assert not any(tmp_path.iterdir())  # constructing wrote nothing
