"""Generative backends as LangChain chat models, chosen by a spec such as ``ollama:mistral``.

``extractive`` needs no model. ``openai:<model>`` speaks the OpenAI chat API (vLLM,
llama.cpp server, LM Studio, hosted APIs), ``ollama:<model>`` a local Ollama, and
``gguf:<path>`` loads a GGUF file in this process through transformers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import BackendError
from assistant.settings import GenerationSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

KINDS = ("ollama", "openai", "gguf")
OLLAMA_URL = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class Backend:
    """A parsed ``llm`` setting."""

    kind: str  # "extractive", "ollama", "openai" or "gguf"
    model: str = ""

    @property
    def spec(self) -> str:
        return self.kind if self.kind == "extractive" else f"{self.kind}:{self.model}"

    @property
    def generative(self) -> bool:
        return self.kind != "extractive"


def parse_backend(spec: str) -> Backend:
    """``"openai:gpt-4o-mini"`` -> ``Backend("openai", "gpt-4o-mini")``; errors say the forms."""
    spec = spec.strip()
    if spec == "extractive":
        return Backend("extractive")
    kind, _, model = spec.partition(":")
    if kind not in KINDS or not model.strip():
        raise BackendError(
            f"unknown answer backend {spec!r}: use 'extractive', 'ollama:<model>', "
            "'openai:<model>' or 'gguf:<path to a .gguf file>'"
        )
    return Backend(kind, model.strip())


def backend_hint(backend: Backend, settings: GenerationSettings) -> str:
    """What to check when ``backend`` fails at run time (down, wrong URL, bad key)."""
    if backend.kind == "ollama":
        url = settings.base_url or OLLAMA_URL
        return (
            f"Is Ollama running at {url} with the model pulled (`ollama serve`, "
            f"`ollama pull {backend.model}`)? Set ASSISTANT_GENERATION__BASE_URL otherwise."
        )
    if backend.kind == "openai":
        url = settings.base_url or "OPENAI_BASE_URL / api.openai.com"
        return (
            f"Is the server at {url} up and serving {backend.model!r}? Check "
            "ASSISTANT_GENERATION__BASE_URL and ASSISTANT_GENERATION__API_KEY."
        )
    return f"Check that {backend.model} is a GGUF model file that transformers can load."


_MODELS: dict[tuple[str, str, str], BaseChatModel] = {}
_MODELS_LOCK = threading.Lock()


def chat_model(backend: Backend, settings: GenerationSettings) -> BaseChatModel:
    """The LangChain chat model of ``backend``, built once per process and reused."""
    key = (backend.kind, backend.model, settings.base_url or "")
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = _build(backend, settings)
        return _MODELS[key]


def _build(backend: Backend, settings: GenerationSettings) -> BaseChatModel:
    if backend.kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise BackendError(
                "the openai backend needs langchain-openai: pip install -e '.[llm]'"
            ) from exc
        import os

        key = settings.api_key.get_secret_value() if settings.api_key else None
        # Local servers (vLLM, llama.cpp) take any key, but the client insists on one.
        key = key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        return ChatOpenAI(
            model=backend.model,
            base_url=settings.base_url or os.environ.get("OPENAI_BASE_URL"),
            api_key=key,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            timeout=settings.timeout_s,
            max_retries=1,
        )
    if backend.kind == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise BackendError(
                "the ollama backend needs langchain-ollama: pip install -e '.[llm]'"
            ) from exc
        return ChatOllama(
            model=backend.model,
            base_url=settings.base_url or OLLAMA_URL,
            temperature=settings.temperature,
            num_predict=settings.max_tokens,
            client_kwargs={"timeout": settings.timeout_s},
        )
    if backend.kind == "gguf":
        from assistant.answer.gguf_chat_model import GGUFChatModel

        path = Path(backend.model).expanduser()
        if not path.is_file():
            raise BackendError(f"gguf: no model file at {path}")
        return GGUFChatModel(path=str(path), max_new_tokens=settings.max_tokens)
    raise BackendError(f"{backend.spec} is not a generative backend")
