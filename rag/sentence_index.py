"""Sentence vectors beside the chunk vectors: what lets the answerer judge single sentences.

A chunk's vector says a passage is about the question; whether one of its sentences
answers it is a finer question. Every sentence of every chunk is embedded at ingest into
a second Chroma collection (``<collection>_sentences``), keyed ``source|version|s<start>``
(the file, the same version hash as its chunks, its offset in the file), so the
sentences of retrieved chunks are fetched by id in one call at query time.

Kept in step with the chunks by the same ingest: a file's sentences are written before
its chunks (a complete set of chunks implies its sentences are there), and deleted with
the chunks of an old version or of a removed file. An index built before sentence
vectors existed still answers: missing vectors are embedded on demand (and cached).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.settings import Settings
from rag.store import ChunkId, chroma_client

if TYPE_CHECKING:
    from rag.retrieval import Hit

log = logging.getLogger(__name__)


def sentence_collection_name(settings: Settings) -> str:
    """The Chroma collection holding sentence vectors."""
    return f"{settings.collection}_sentences"


def open_sentence_collection(settings: Settings, client: Any | None = None) -> Any:
    """The sentence collection (created when missing; it may be empty)."""
    client = client or chroma_client(settings)
    return client.get_or_create_collection(
        sentence_collection_name(settings), embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )


def sentence_id(source: str, version: str, start: int) -> str:
    """Id of the sentence starting at ``start`` in ``source`` (at that file version)."""
    return f"{source}|{version}|s{start}"


def sentence_rows(nodes: Sequence[Any]) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """Ids, texts and metadata of the sentences of ``nodes`` (chunks of one ingest batch),
    each sentence once even when two overlapping chunks hold it."""
    from rag.chunking import sentences_from_json

    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, str]] = []
    seen: set[str] = set()
    for node in nodes:
        parsed = ChunkId.parse(node.node_id)
        assert parsed is not None, node.node_id
        text = node.get_content()
        for s in sentences_from_json(node.metadata["sentences"]):
            sid = sentence_id(parsed.source, parsed.version, s.start)
            if sid in seen:
                continue
            seen.add(sid)
            ids.append(sid)
            texts.append(" ".join(text[s.chunk_start : s.chunk_end].split()))
            metas.append({"source": parsed.source, "version": parsed.version})
    return ids, texts, metas


def write_sentences(
    collection: Any, ids: list[str], vectors: Sequence[Sequence[float]], metas: list[dict[str, str]]
) -> None:
    """Upsert sentence vectors (idempotent: a rerun after a killed ingest rewrites the same ids)."""
    for offset in range(0, len(ids), 2000):
        part = slice(offset, offset + 2000)
        collection.upsert(ids=ids[part], embeddings=[list(v) for v in vectors[part]], metadatas=metas[part])


def delete_sentences(collection: Any, source: str, keep_version: str | None = None) -> None:
    """Drop ``source``'s sentences, except those of ``keep_version`` (its current version)."""
    where: dict[str, Any] = {"source": source}
    if keep_version is not None:
        where = {"$and": [{"source": source}, {"version": {"$ne": keep_version}}]}
    collection.delete(where=where)


class SentenceVectors:
    """Fetches the unit vectors of retrieved chunks' sentences (query time, thread-safe)."""

    def __init__(self, collection: Any | None, embed: Callable[[list[str]], np.ndarray], cache_size: int = 4096):
        self._collection = collection
        self._embed = embed
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()  # on-demand vectors of an old index
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._warned = False

    def for_hits(self, hits: Sequence[Hit]) -> dict[tuple[str, int], np.ndarray]:
        """``(source, start)`` → unit vector, for every sentence of ``hits``."""
        wanted: dict[str, tuple[tuple[str, int], str]] = {}
        for hit in hits:
            parsed = ChunkId.parse(hit.chunk_id)
            version = parsed.version if parsed else hit.sha16
            for s in hit.sentences:
                text = " ".join(hit.text[s.chunk_start : s.chunk_end].split())
                wanted[sentence_id(hit.source, version, s.start)] = ((hit.source, s.start), text)
        if not wanted:
            return {}
        found: dict[str, np.ndarray] = {}
        if self._collection is not None:
            got = self._collection.get(ids=list(wanted), include=["embeddings"])
            found = {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}
        missing = [i for i in wanted if i not in found]
        if missing:
            found |= self._embed_missing(missing, [wanted[i][1] for i in missing])
        return {wanted[i][0]: v for i, v in found.items() if i in wanted}

    def _embed_missing(self, ids: list[str], texts: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            if not self._warned:
                log.warning("the index has no sentence vectors for some passages; run `rag ingest` to add them")
                self._warned = True
            out = {i: self._cache[i] for i in ids if i in self._cache}
        todo = [(i, t) for i, t in zip(ids, texts) if i not in out]
        if todo:
            vectors = self._embed([t for _, t in todo])
            with self._lock:
                for (i, _), v in zip(todo, vectors):
                    out[i] = self._cache[i] = np.asarray(v, dtype=np.float32)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out
