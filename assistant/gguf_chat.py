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
                from assistant.llm import BackendError

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
        from transformers import TextIteratorStreamer

        tokenizer, model, encoded = self._inputs(messages)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        arguments = {
            **encoded,
            "max_new_tokens": self.max_new_tokens,
            "do_sample": False,
            "repetition_penalty": self.repetition_penalty,
            "streamer": streamer,
            "pad_token_id": tokenizer.eos_token_id,
        }
        with _GENERATE_LOCK:
            worker = threading.Thread(target=model.generate, kwargs=arguments, daemon=True)
            worker.start()
            for piece in streamer:
                if not piece:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if run_manager:
                    run_manager.on_llm_new_token(piece, chunk=chunk)
                yield chunk
            worker.join()
