"""The index: a Chroma collection (the source of truth) and a BM25 index derived from it.

Chunk ids are deterministic, ``source|version|i|n`` (file, a hash of the file's
content and the pipeline settings, chunk number, chunk count), so the ids alone say
which files are indexed, at which version, and whether every chunk made it in.

The BM25 index is rebuilt from Chroma whenever the set of ids changes. Its manifest
records a digest of the ids it was built from, so a stale or missing BM25 index (a
killed ingest, another app server's ingest into a shared Chroma server) is detected
and rebuilt on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rag.settings import Settings

_ID_SEP = "|"
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


class IndexNotReadyError(RuntimeError):
    """There is no index yet, or it is empty."""


class IndexUnavailableError(RuntimeError):
    """The index exists but cannot be read right now (the Chroma server is down, its files vanished)."""


# Failures of the store itself, as opposed to bugs of ours: the Chroma server unreachable
# (httpx), Chroma refusing (chromadb), the embedded files gone (sqlite3, OSError).
_STORE_MODULES = frozenset({"httpx", "httpcore", "chromadb", "sqlite3"})


def _is_store_failure(exc: BaseException | None, depth: int = 3) -> bool:
    # chromadb.HttpClient() turns httpx.ConnectError into a ValueError: look down the chain too.
    if exc is None or depth == 0:
        return False
    if isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in _STORE_MODULES:
        return True
    return _is_store_failure(exc.__cause__ or exc.__context__, depth - 1)


@contextmanager
def reading_index(settings: Settings) -> Iterator[None]:
    """Turn a failure of the vector store into :class:`IndexUnavailableError`, which says where the index is."""
    try:
        yield
    except (IndexNotReadyError, IndexUnavailableError):
        raise
    except Exception as exc:
        if not _is_store_failure(exc):
            raise
        where = (
            f"the Chroma server at {settings.chroma_url}"
            if settings.chroma_url
            else f"the index at {settings.index_dir}"
        )
        raise IndexUnavailableError(f"{where} cannot be read ({type(exc).__name__}: {exc})"[:500]) from exc


@dataclass(frozen=True)
class ChunkId:
    """The parts of a chunk id."""

    source: str
    version: str
    index: int
    count: int

    def __str__(self) -> str:
        return _ID_SEP.join([self.source, self.version, str(self.index), str(self.count)])

    @classmethod
    def parse(cls, raw: str) -> ChunkId | None:
        """Parse an id; ``None`` for ids this program did not write."""
        parts = raw.rsplit(_ID_SEP, 3)
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
            return None
        return cls(parts[0], parts[1], int(parts[2]), int(parts[3]))


def chroma_client(settings: Settings) -> Any:
    """An embedded ``PersistentClient`` in the index folder, or an ``HttpClient`` for a server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def embedded_index_problem(settings: Settings) -> str | None:
    """Why the embedded index's files are unusable (deleted or truncated), or ``None``
    (also ``None`` with a Chroma server: the server guards its own files)."""
    if settings.chroma_url:
        return None
    database = settings.chroma_path / "chroma.sqlite3"
    hint = "run `rag ingest`; the server picks the new index up without a restart"
    try:
        size = database.stat().st_size
    except OSError:
        return f"the index at {settings.index_dir} was deleted: {hint}"
    return f"the index at {settings.index_dir} was truncated: {hint}" if size == 0 else None


def forget_embedded_clients() -> None:
    """Drop Chroma's in-process client cache, so a re-created index folder is opened afresh
    (Chroma keeps one client per folder, which would keep serving the deleted files)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def open_collection(settings: Settings, create: bool) -> Any:
    """The articles collection; ``embedding_function=None`` because we always pass vectors
    (Chroma's default function would download a model)."""
    if not settings.chroma_url and not create and not settings.chroma_path.exists():
        raise IndexNotReadyError(f"no index at {settings.index_dir}: run `rag ingest` first")
    client = chroma_client(settings)
    if create:
        return client.get_or_create_collection(
            settings.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
    try:
        return client.get_collection(settings.collection, embedding_function=None)
    except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
        raise IndexNotReadyError(f"no collection {settings.collection!r}: run `rag ingest` first") from exc


def sentence_collection_name(settings: Settings) -> str:
    """The Chroma collection holding sentence vectors."""
    return f"{settings.collection}_sentences"


# Sentence vectors are fetched by id and searched for the question's nearest few
# (``Settings.sentence_k``). Chroma's default graph (16 neighbours, ef_construction 100) made their
# writes 3x dearer than the sparsest (20k vectors, 15.4 s -> 4.9 s, docs/performance.md), whose search
# finds only 0.31 of the exact top 3 there; 8 neighbours, ef_construction 40, ef_search 200 find 0.94
# for writes 1.25x the sparsest's. An index made before keeps its own graph settings.
SENTENCE_GRAPH = {"space": "cosine", "ef_construction": 40, "max_neighbors": 8, "ef_search": 200}


def open_sentence_collection(settings: Settings, client: Any | None = None) -> Any:
    """The sentence collection (created when missing; it may be empty)."""
    client = client or chroma_client(settings)
    return client.get_or_create_collection(
        sentence_collection_name(settings), embedding_function=None, configuration={"hnsw": SENTENCE_GRAPH}
    )


def all_ids(collection: Any, page: int = 100_000) -> list[str]:
    """Every id in the collection (ids only). Pages are large because Chroma pays for an
    offset by re-reading what precedes it: 150k ids took 1.7 s in pages of 5,000, 0.35 s in one."""
    ids: list[str] = []
    offset = 0
    while True:
        batch = collection.get(include=[], limit=page, offset=offset)["ids"]
        ids.extend(batch)
        if len(batch) < page:
            return ids
        offset += page


@dataclass(frozen=True)
class IndexedSource:
    """One indexed article, as the index knows it."""

    source: str
    title: str
    date: str | None
    chunks: int
    sha16: str


def indexed_sources(collection: Any, ids: list[str]) -> list[IndexedSource]:
    """The articles behind ``ids``, sorted by file name (metadata of each file's first chunk)."""
    firsts = [raw for raw in ids if (parsed := ChunkId.parse(raw)) and parsed.index == 0]
    sources: list[IndexedSource] = []
    for offset in range(0, len(firsts), 1000):
        got = collection.get(ids=firsts[offset : offset + 1000], include=["metadatas"])
        for meta in got["metadatas"]:
            sources.append(
                IndexedSource(
                    source=str(meta["source"]),
                    title=str(meta.get("title") or meta["source"]),
                    date=str(meta.get("date") or "") or None,
                    chunks=int(meta.get("n_chunks") or 0),
                    sha16=str(meta.get("sha16") or ""),
                )
            )
    return sorted(sources, key=lambda s: s.source)


def first_chunks(collection: Any, sources: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """The first chunk (id, text, metadata) of each of ``sources``: where an article's headline
    and lede are."""
    if not sources:
        return []
    where = {"$and": [{"chunk_index": 0}, {"source": {"$in": sources}}]}
    got = collection.get(where=where, include=["documents", "metadatas"])
    return list(zip(got["ids"], got["documents"], got["metadatas"], strict=True))


def ids_digest(ids: list[str]) -> str:
    """Order-independent fingerprint of a set of chunk ids."""
    h = hashlib.sha256()
    for chunk_id in sorted(ids):
        h.update(chunk_id.encode("utf-8", "surrogatepass") + b"\n")
    return h.hexdigest()


def _manifest_path(settings: Settings) -> Path:
    return settings.bm25_path / "manifest.json"


def bm25_is_current(settings: Settings, ids: list[str]) -> bool:
    """Whether the persisted BM25 index was built from exactly these chunk ids."""
    try:
        meta = json.loads(_manifest_path(settings).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return bool(meta.get("ids_digest") == ids_digest(ids))


def load_bm25(settings: Settings, collection: Any, vector_store: Any) -> tuple[Any, list[str]]:
    """The BM25 retriever in step with ``collection`` (rebuilt if stale) and the corpus vocabulary."""
    ids = all_ids(collection)
    if not ids:
        raise IndexNotReadyError("the index is empty: run `rag ingest` on a folder with articles")
    if not bm25_is_current(settings, ids):
        rebuild_bm25(settings, vector_store, ids)
    try:
        return _open_persisted_bm25(settings, len(ids))
    except (OSError, ValueError, KeyError):
        rebuild_bm25(settings, vector_store, ids)  # its manifest matched, its files did not: rebuild once
        return _open_persisted_bm25(settings, len(ids))


def _open_persisted_bm25(settings: Settings, chunks: int) -> tuple[Any, list[str]]:
    from rag.components.lexical import open_bm25

    retriever = open_bm25(settings.bm25_path / "index", settings.candidate_k, chunks)
    return retriever, json.loads(_manifest_path(settings).read_text("utf-8"))["vocabulary"]


def rebuild_bm25(settings: Settings, vector_store: Any, ids: list[str], page: int = 2000) -> None:
    """Build BM25 over every chunk in Chroma and persist it atomically with its manifest."""
    from rag.components.lexical import build_bm25

    counts: Counter[str] = Counter()

    def pages() -> Iterator[list[Any]]:
        for start in range(0, len(ids), page):
            nodes = vector_store.get_nodes(node_ids=ids[start : start + page])
            for node in nodes:
                counts.update(w.lower() for w in _WORD.findall(node.get_content()))
            yield nodes

    final = settings.bm25_path
    staging = final.with_name(final.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    indexed = build_bm25(pages(), settings.candidate_k, staging / "index")
    if indexed != len(ids):  # a chunk deleted meanwhile: another ingest; it rebuilds after its own writes
        raise IndexUnavailableError(f"the index changed while BM25 was built ({indexed} of {len(ids)} chunks)")
    (staging / "manifest.json").write_text(
        json.dumps({"ids_digest": ids_digest(ids), "chunks": len(ids), "vocabulary": sorted(counts)}), "utf-8"
    )
    # Swap in one rename; a reader sees the old index or the new one, never half of one.
    # (A server still reading the old files keeps its mapping: deleting them frees them later.)
    retired = final.with_name(final.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if final.exists():
        os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)


def record_corpus_dir(settings: Settings, corpus_dir: Path) -> None:
    """Remember which folder the index was built from, so later commands quote from it."""
    (settings.index_dir / "corpus.json").write_text(json.dumps({"corpus_dir": str(corpus_dir.resolve())}), "utf-8")


def indexed_corpus_dir(settings: Settings) -> Path:
    """The corpus folder to quote from: the one set explicitly, else the one last ingested."""
    if "corpus_dir" not in settings.model_fields_set:
        try:
            return Path(json.loads((settings.index_dir / "corpus.json").read_text("utf-8"))["corpus_dir"])
        except (OSError, ValueError, KeyError):
            pass
    return settings.corpus_dir
