"""The vector store seam: Chroma embedded on disk, or a Chroma server over HTTP.

An index is a sequence of *generations*. A build writes a new generation beside the
one being served and the caller switches over only once it is complete, so a build
that crashes or is killed never damages what is being served. Chroma objects are
built only in this module.
"""

from __future__ import annotations

from assistant.errors import StoreUnavailableError

import contextlib
from abc import ABC, abstractmethod
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from assistant.embeddings import Embedder, Vectors
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings as LCEmbeddings
    from langchain_core.vectorstores import VectorStore
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

Metadata = Mapping[str, str | int | float | bool]
_PAGE = 2000  # rows per request when copying or reading a whole collection


@dataclass(frozen=True)
class Hit:
    """A nearest neighbour: the chunk id and its cosine similarity to the query."""

    id: str
    score: float


class VectorCollection(Protocol):
    """What the indexer and the retriever need from one generation of vectors."""

    def add(
        self,
        ids: Sequence[str],
        vectors: Vectors,
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None: ...
    def delete(self, ids: Sequence[str]) -> None: ...
    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None: ...
    def vectors(self, ids: Sequence[str]) -> dict[str, Vectors]: ...
    def ids(self) -> set[str]: ...
    def count(self) -> int: ...
    def query(self, vector: Vectors, k: int) -> list[Hit]: ...
    def ping(self, dimension: int) -> None: ...


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaConfig

    # Telemetry stays off: nothing leaves the machine.
    return ChromaConfig(anonymized_telemetry=False, allow_reset=False)


def _embedding_function(embedder: Embedder) -> Any:
    """A Chroma embedding function backed by our embedder (Chroma's default would download)."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import (
        known_embedding_functions,
        register_embedding_function,
    )

    class AssistantEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, embedder: Embedder) -> None:
            self._embedder = embedder

        def __call__(self, input: Documents) -> Embeddings:
            return list(self._embedder.embed(list(input)))

        @staticmethod
        def name() -> str:
            return "poitiers_ess_sentence_transformer"

        def get_config(self) -> dict[str, Any]:
            settings = self._embedder.settings
            return {"model": settings.model, "backend": settings.backend}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> AssistantEmbeddingFunction:
            from assistant.settings import EmbeddingSettings

            settings = EmbeddingSettings(
                model=config["model"], backend=config.get("backend", "sentence-transformers")
            )
            return AssistantEmbeddingFunction(Embedder(settings))

        def default_space(self) -> Any:
            return "cosine"

    if AssistantEmbeddingFunction.name() not in known_embedding_functions:
        register_embedding_function(AssistantEmbeddingFunction)  # type: ignore[no-untyped-call]
    return AssistantEmbeddingFunction(embedder)


class ChromaCollection:
    """One generation's Chroma collection."""

    def __init__(self, collection: Collection, where: str = "the vector store") -> None:
        self._collection = collection
        self.where = where

    @property
    def raw(self) -> Collection:
        """The Chroma collection, for adapters such as LangChain's ``Chroma``."""
        return self._collection

    def add(
        self,
        ids: Sequence[str],
        vectors: Vectors,
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None:
        for start in range(0, len(ids), _PAGE):
            stop = start + _PAGE
            self._collection.add(
                ids=list(ids[start:stop]),
                embeddings=np.asarray(vectors[start:stop], dtype=np.float32),
                documents=list(texts[start:stop]),
                metadatas=[dict(m) for m in metadatas[start:stop]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), _PAGE):
            self._collection.delete(ids=list(ids[start : start + _PAGE]))

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        for start in range(0, len(ids), _PAGE):
            stop = start + _PAGE
            self._collection.update(
                ids=list(ids[start:stop]), metadatas=[dict(m) for m in metadatas[start:stop]]
            )

    def vectors(self, ids: Sequence[str]) -> dict[str, Vectors]:
        """The stored vectors of those of ``ids`` present: id -> ``(dimension,)`` float32.
        Missing ids are left out rather than raising (the caller embeds those)."""
        found: dict[str, Vectors] = {}
        for start in range(0, len(ids), _PAGE):
            page = self._collection.get(
                ids=list(ids[start : start + _PAGE]), include=["embeddings"]
            )
            vectors = page["embeddings"]
            if vectors is None:
                continue
            for chunk_id, vector in zip(page["ids"], vectors, strict=True):
                found[chunk_id] = np.asarray(vector, dtype=np.float32)
        return found

    def ids(self) -> set[str]:
        found: set[str] = set()
        for page in self._pages(include=[]):
            found.update(page["ids"])
        return found

    def count(self) -> int:
        return int(self._collection.count())

    def query(self, vector: Vectors, k: int) -> list[Hit]:
        """The ``k`` nearest chunks (fewer when the collection is smaller).

        One request: Chroma returns what it has when ``k`` exceeds the count, so no
        ``count()`` round trip first (it would double the cost of a Chroma server).
        """
        if k <= 0:
            return []
        try:
            result = self._collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],  # type: ignore[arg-type]
                n_results=k,
                include=["distances"],
            )
        except Exception as exc:  # connection refused, server gone, collection dropped
            raise StoreUnavailableError(
                f"the vector store ({self.where}) did not answer: {type(exc).__name__}: {exc}"
            ) from exc
        ids = result["ids"][0] if result["ids"] else []
        distances = (result.get("distances") or [[]])[0]
        return [Hit(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def ping(self, dimension: int) -> None:
        """One nearest-neighbour query: loads a server's index, or raises
        ``StoreUnavailableError`` when the store does not answer."""
        probe = np.zeros(dimension, dtype=np.float32)
        probe[0] = 1.0
        self.query(probe, 1)

    def _pages(self, include: list[Any]) -> Iterator[Any]:
        offset = 0
        while True:
            page = self._collection.get(limit=_PAGE, offset=offset, include=include)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])


class _CopyFailed(Exception):
    """Stops ``copytree`` at the first failed file, carrying its ``OSError``."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _copy_file(source: str, target: str) -> object:
    # copytree would collect OSErrors file after file into one shutil.Error, losing errno.
    try:
        return shutil.copy2(source, target)
    except OSError as exc:
        raise _CopyFailed(exc) from exc


class GenerationStore(ABC):
    """Where an index keeps its vectors, one collection per generation: the seam a new
    store implements (the build and the assistant use only these operations).

    ``warm_on_build``: whether a new collection should be queried once before the switch
    (a server loads a collection's index on its first query)."""

    warm_on_build: ClassVar[bool] = False

    @abstractmethod
    def location(self, generation: str) -> str:
        """Where a generation lives, for messages."""

    @abstractmethod
    def open(self, generation: str, *, create: bool = False) -> VectorCollection:
        """The collection of ``generation`` (made when ``create``).

        Raises:
            StoreUnavailableError: the store cannot be reached or has no such generation.
        """

    @abstractmethod
    def copy(self, source: str, target: str) -> VectorCollection:
        """Make ``target`` a copy of ``source`` (vectors included, nothing re-embedded)."""

    @abstractmethod
    def drop(self, generation: str) -> None:
        """Delete a generation; a missing one is fine."""

    @abstractmethod
    def exists(self, generation: str) -> bool:
        """Whether ``generation`` is stored."""

    def generations(self) -> list[str]:
        """Generations the store holds that no folder of the index lists."""
        return []

    def close(self, generation: str | None = None) -> None:
        """Release what is held open (all, or for ``generation``)."""

    @abstractmethod
    def langchain(self, generation: str, embeddings: LCEmbeddings) -> VectorStore:
        """``generation`` as a LangChain vector store (the evaluation's baseline)."""


class ChromaStore(GenerationStore):
    """The generations of one index in Chroma: what both deployments share.
    :class:`EmbeddedChromaStore` (a folder per generation) and :class:`ServerChromaStore`
    (a collection per generation on a ``chroma run`` server) differ only in where a
    generation lives. Use :func:`chroma_store` to get the one the settings name."""

    mode: ClassVar[str]

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._clients: dict[str, ClientAPI] = {}

    def location(self, generation: str) -> str:
        """Where a generation lives, for messages."""
        raise NotImplementedError

    def open(self, generation: str, *, create: bool = False) -> ChromaCollection:
        """The collection of ``generation`` (made when ``create``).

        Raises:
            StoreUnavailableError: the store cannot be reached or has no such generation.
        """
        client = self._client(generation)
        name = self._name(generation)
        ef = _embedding_function(self.embedder)
        try:
            if create:
                collection = client.get_or_create_collection(
                    name=name, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}}
                )
            else:
                collection = client.get_collection(name=name, embedding_function=ef)
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot open the index at {self.location(generation)}: {exc}"
            ) from exc
        return ChromaCollection(collection, self.location(generation))

    def copy(self, source: str, target: str) -> ChromaCollection:
        """Make ``target`` a copy of ``source`` (vectors included, nothing re-embedded)."""
        old = self.open(source)
        new = self.open(target, create=True)
        for page in old._pages(include=["embeddings", "documents", "metadatas"]):
            new.raw.add(
                ids=page["ids"],
                embeddings=page["embeddings"],
                documents=page["documents"],
                metadatas=page["metadatas"],
            )
        return new

    def drop(self, generation: str) -> None:
        """Delete a generation; a missing one is fine."""
        with contextlib.suppress(Exception):
            self._client(generation).delete_collection(self._name(generation))

    def exists(self, generation: str) -> bool:
        try:
            self._client(generation).get_collection(self._name(generation))
        except Exception:
            return False
        return True

    def langchain(self, generation: str, embeddings: LCEmbeddings) -> VectorStore:
        """``generation`` as LangChain's own ``Chroma`` vector store, questions embedded by
        ``embeddings`` (the evaluation's baseline): the Chroma client stays in here."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self._client(generation),
            collection_name=self._name(generation),
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )

    def generations(self) -> list[str]:
        """Generations the store holds that no folder lists (a server's collections)."""
        return []

    def close(self, generation: str | None = None) -> None:
        """Release clients (all, or the one of ``generation``)."""
        keys = list(self._clients) if generation is None else [self._client_key(generation)]
        for key in keys:
            self._clients.pop(key, None)

    def _name(self, generation: str) -> str:
        raise NotImplementedError

    def _client_key(self, generation: str) -> str:
        raise NotImplementedError

    def _connect(self, generation: str) -> ClientAPI:
        raise NotImplementedError

    def _client(self, generation: str) -> ClientAPI:
        key = self._client_key(generation)
        client = self._clients.get(key)
        if client is None:
            try:
                client = self._connect(generation)
            except Exception as exc:
                raise StoreUnavailableError(
                    f"cannot reach the Chroma store at {self.location(generation)}: "
                    f"{exc}{self._hint(exc)}"
                ) from exc
            self._clients[key] = client
        return client

    def _hint(self, exc: Exception) -> str:
        return ""


class EmbeddedChromaStore(ChromaStore):
    """Chroma in this process: each generation a folder ``generations/<g>/chroma`` of the
    index directory, copied file by file and switched by the build."""

    mode = "embedded"

    def location(self, generation: str) -> str:
        return str(self._path(generation))

    def copy(self, source: str, target: str) -> ChromaCollection:
        self.close(source)
        try:
            shutil.copytree(self._path(source), self._path(target), copy_function=_copy_file)
        except _CopyFailed as failed:  # the disk's own error (full, read-only...)
            raise failed.error from None
        return self.open(target)

    def drop(self, generation: str) -> None:
        self.close(generation)
        shutil.rmtree(self._path(generation), ignore_errors=True)

    def exists(self, generation: str) -> bool:
        return (self._path(generation) / "chroma.sqlite3").exists()

    def close(self, generation: str | None = None) -> None:
        """Release clients so files can be copied: stops Chroma's system, which flushes
        its files."""
        keys = list(self._clients) if generation is None else [self._client_key(generation)]
        for key in keys:
            client = self._clients.pop(key, None)
            if client is not None:
                client.close()  # type: ignore[attr-defined]

    def _path(self, generation: str) -> Path:
        return self.settings.index_dir / "generations" / generation / "chroma"

    def _name(self, generation: str) -> str:
        return self.settings.chroma.collection

    def _client_key(self, generation: str) -> str:
        return generation

    def _connect(self, generation: str) -> ClientAPI:
        import chromadb

        path = self._path(generation)
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())

    def _hint(self, exc: Exception) -> str:
        # Chroma writes to its folder even to read: say so rather than "readonly".
        if "readonly" in str(exc).replace("-", ""):
            return " (the index folder must be writable, even to answer)"
        return ""


class ServerChromaStore(ChromaStore):
    """A Chroma server (``chroma run``) over HTTP: each generation a collection
    ``<collection>-<g>``, one client for all, shared by every process serving the index."""

    mode = "server"
    warm_on_build = True

    def location(self, generation: str) -> str:
        c = self.settings.chroma
        return f"collection {self._name(generation)} on {c.host}:{c.port}"

    def generations(self) -> list[str]:
        """Generations present in the server, by their collections' names."""
        prefix = f"{self.settings.chroma.collection}-"
        try:
            names = [c.name for c in self._client("server").list_collections()]
        except Exception:
            return []
        return [name[len(prefix) :] for name in names if name.startswith(prefix)]

    def _name(self, generation: str) -> str:
        return f"{self.settings.chroma.collection}-{generation}"

    def _client_key(self, generation: str) -> str:
        return "server"

    def _connect(self, generation: str) -> ClientAPI:
        import chromadb

        c = self.settings.chroma
        client = chromadb.HttpClient(
            host=c.host, port=c.port, ssl=c.ssl, settings=_chroma_settings()
        )
        client.heartbeat()
        return client


def chroma_store(settings: Settings, embedder: Embedder) -> ChromaStore:
    """The store ``settings.chroma.mode`` names: embedded (default) or server."""
    if settings.chroma.mode == "server":
        return ServerChromaStore(settings, embedder)
    return EmbeddedChromaStore(settings, embedder)
