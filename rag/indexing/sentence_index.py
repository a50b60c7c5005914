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
from collections.abc import Sequence
from typing import Any

from rag.components.store import ChunkId

log = logging.getLogger(__name__)


def sentence_id(source: str, version: str, start: int) -> str:
    """Id of the sentence starting at ``start`` in ``source`` (at that file version)."""
    return f"{source}|{version}|s{start}"


def parse_sentence_id(raw: str) -> tuple[str, str, int]:
    """``(source, version, start)`` of a :func:`sentence_id`."""
    source, version, start = raw.rsplit("|", 2)
    return source, version, int(start.removeprefix("s"))


def sentence_rows(nodes: Sequence[Any]) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """Ids, texts and metadata of the sentences of ``nodes`` (chunks of one ingest batch),
    each sentence once even when two overlapping chunks hold it."""
    from rag.indexing.chunking import sentences_from_json

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
