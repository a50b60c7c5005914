"""The vectors of retrieved sentences at query time (written at ingest by :mod:`rag.indexing.sentence_index`)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.components.store import ChunkId
from rag.indexing.sentence_index import parse_sentence_id, sentence_id

if TYPE_CHECKING:
    from rag.answering.hits import Hit

log = logging.getLogger(__name__)


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

    def nearest(self, query: np.ndarray, k: int, sources: set[str] | None = None) -> list[tuple[str, str, int]]:
        """``(source, version, start)`` of the ``k`` sentences nearest to ``query`` (of ``sources`` only when given)."""
        if self._collection is None or k <= 0:
            return []
        where = {"source": {"$in": sorted(sources)}} if sources else None
        got = self._collection.query(query_embeddings=[query.tolist()], n_results=k, where=where, include=[])
        return [parse_sentence_id(raw) for raw in got["ids"][0]]

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
