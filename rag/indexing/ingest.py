"""Incremental, crash-safe indexing of a corpus folder.

For each file the chunk ids already in Chroma are compared with what the file should
produce. Unchanged files are skipped without embedding; missing chunks are embedded
and added before stale ones are deleted, so a run killed at any point leaves an index
the next run completes (deterministic ids: no duplicates, nothing missing). One
ingest at a time per index folder, enforced with a file lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

from rag.components import Components, Stores, build_components
from rag.components.embedding import count_tokens_fn
from rag.components.store import (
    ChunkId,
    all_ids,
    bm25_is_current,
    indexed_sources,
    reading_index,
    rebuild_bm25,
    record_corpus_dir,
)
from rag.indexing.chunking import Chunk, Chunker
from rag.indexing.corpus import Article, FileProblem, corpus_files, read_article, source_name
from rag.indexing.duplicates import Copies, find_copies
from rag.indexing.news import publisher_of
from rag.indexing.report import IngestReport
from rag.indexing.sentence_index import delete_sentences, sentence_rows, write_sentences
from rag.indexing.statement_store import StatementStore, store_statements, sync_statements, version_of
from rag.indexing.writer import BackgroundWriter
from rag.settings import Settings

log = logging.getLogger(__name__)

# Bump when chunking or cleaning changes in a way that changes chunks (2: sentence vectors).
PIPELINE_VERSION = 2
METADATA_KEYS = ["source", "title", "date", "start", "end", "chunk_index", "n_chunks", "sha16", "sentences"]


class IngestBusyError(RuntimeError):
    """Another ingest holds the lock on this index."""


def chunk_node(chunk: Chunk, article: Article, chunk_id: ChunkId) -> TextNode:
    """A LlamaIndex node for a chunk; all metadata flat (Chroma stores only scalars)."""
    node = TextNode(
        id_=str(chunk_id),
        text=chunk.text,
        metadata={
            "source": chunk.source,
            "title": article.title,
            "date": article.date or "",
            "start": chunk.start,
            "end": chunk.end,
            "chunk_index": chunk.index,
            "n_chunks": chunk_id.count,
            "sha16": article.sha16,  # of the file: quotes are only taken from this version
            "sentences": chunk.sentences_json(),
        },
        excluded_embed_metadata_keys=METADATA_KEYS,
        excluded_llm_metadata_keys=METADATA_KEYS,
    )
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.source)
    return node


def pipeline_fingerprint(settings: Settings) -> str:
    """Everything besides the file's bytes that decides its chunks and vectors.

    It is part of every chunk id, so changing the chunker or the model re-indexes.
    """
    return "|".join(
        str(part)
        for part in (
            PIPELINE_VERSION,
            settings.chunk_size,
            settings.chunk_overlap,
            settings.embed_max_tokens,
            settings.embed_backend.value,
            settings.embed_quantize,
            settings.openai_embed_model if settings.embed_backend.value == "openai" else "all-MiniLM-L6-v2",
        )
    )


def _version_key(file_sha256: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{file_sha256}|{fingerprint}".encode()).hexdigest()[:16]


def _complete(ids: set[str], version: str) -> bool:
    parsed = [ChunkId.parse(i) for i in ids]
    if not parsed or any(p is None or p.version != version for p in parsed):
        return False
    count = parsed[0].count  # type: ignore[union-attr]
    return {p.index for p in parsed if p} == set(range(count)) and all(p and p.count == count for p in parsed)


def ingest(
    settings: Settings, corpus_dir: Path | None = None, progress: bool = False, workers: str = "local"
) -> IngestReport:
    """Bring the index in step with ``corpus_dir`` (default: ``settings.corpus_dir``); ``workers="ray"``
    spreads reading, chunking and embedding over a Ray cluster (see :mod:`rag.indexing.distributed`)."""
    from filelock import FileLock, Timeout

    corpus_dir = corpus_dir or settings.corpus_dir
    files = corpus_files(corpus_dir)  # raises FileNotFoundError before anything is touched
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=settings.ingest_lock_timeout_s)
    except Timeout as exc:
        raise IngestBusyError(
            f"another ingest is running on {settings.index_dir} (waited {settings.ingest_lock_timeout_s:.0f} s)"
        ) from exc
    try:
        with reading_index(settings):  # article read errors are per-file problems; this is the store failing
            return _ingest_locked(settings, corpus_dir, files, progress, workers)
    finally:
        lock.release()


@dataclass
class _Pending:
    """A file chunked but not yet written: its nodes, and the ids it had before."""

    article: Article
    nodes: list[TextNode]
    old_ids: set[str]

    @property
    def version(self) -> str:
        parsed = ChunkId.parse(self.nodes[0].node_id)
        assert parsed is not None
        return parsed.version

    @property
    def missing(self) -> list[TextNode]:
        return [n for n in self.nodes if n.node_id not in self.old_ids]


def _flush(
    pending: list[_Pending],
    embedding: Any,
    vector_store: Any,
    sentences: Any,
    report: IngestReport,
    writer: BackgroundWriter,
) -> None:
    """Embed the pending files' new chunks here, then hand their writing to ``writer`` (the
    sentences first, then the chunks, then the stale ones are dropped: new before old, so a
    file is never without chunks) and return to chunk and embed the next batch meanwhile."""
    batch = list(pending)
    pending.clear()
    missing = [(p.article, n) for p in batch for n in p.missing]
    if missing:
        sentence_ids, sentence_texts, sentence_metas = sentence_rows([n for _, n in missing])
        chunk_texts = [f"{article.title}\n\n{n.text}" for article, n in missing]
        with report.timing("embed"):  # one call: the embedder sorts all texts by length
            vectors = embedding.get_text_embedding_batch(chunk_texts + sentence_texts)
        for (_, node), vector in zip(missing, vectors):
            node.embedding = vector

    def write() -> None:
        if missing:
            with report.timing("write"):
                write_sentences(sentences, sentence_ids, vectors[len(missing) :], sentence_metas)
                vector_store.add(list[BaseNode](n for _, n in missing))
            report.chunks_embedded += len(missing)
        for p in batch:
            stale = p.old_ids - {n.node_id for n in p.nodes}
            if stale:
                with report.timing("write"):
                    vector_store.delete_nodes(sorted(stale))
                    delete_sentences(sentences, p.article.source, keep_version=p.version)
            (report.updated if p.old_ids else report.added).append(p.article.source)
            log.info("indexed %s (%d chunks, %d embedded)", p.article.source, len(p.nodes), len(p.missing))

    writer.submit(write)


def _present_ids(collection: Any, sources: list[str] | None = None) -> dict[str, set[str]]:
    """The chunk ids in the store, by file (only those of ``sources`` when given)."""
    ids = all_ids(collection) if sources is None else _ids_of(collection, sources)
    present: dict[str, set[str]] = defaultdict(set)
    for raw in ids:
        parsed = ChunkId.parse(raw)
        present[parsed.source if parsed else ""].add(raw)
    return present


def _ids_of(collection: Any, sources: list[str]) -> list[str]:
    return list(collection.get(where={"source": {"$in": sources}}, include=[])["ids"]) if sources else []


def _ingest_components(settings: Settings) -> tuple[Components, Stores]:
    """The parts an ingest writes with: the embedder gets every core (a batch job: 1.9x texts/s on 2 cores)."""
    threads = settings.ingest_threads or os.cpu_count() or 1
    components = build_components(settings.model_copy(update={"threads": threads}))
    return components, components.stores(create=True)


def index_files(settings: Settings, corpus_dir: Path, files: list[Path], report: IngestReport) -> bool:
    """Add or update ``files`` in the store (read, chunk, embed, write); whether anything changed.

    On its own (a Ray task): the ids already stored are looked up for ``files`` only."""
    components, stores = _ingest_components(settings)
    present = _present_ids(stores.chunks, [source_name(corpus_dir, p) for p in files])
    return _index(components, stores, corpus_dir, files, report, present)  # statements: synced by the caller


def _index(
    components: Components,
    stores: Stores,
    corpus_dir: Path,
    files: list[Path],
    report: IngestReport,
    present: dict[str, set[str]],
    progress: bool = False,
    statements: StatementStore | None = None,
    dedupe: bool = False,
) -> bool:
    """:func:`index_files` with its parts given; ``present`` (the stored ids, by file) loses the
    entries of the files found, so what is left names files that are gone. With ``statements``,
    the quotes index is written from the same read of each file, once its chunks are stored.
    With ``dedupe`` (``files`` is the whole corpus), syndicated copies are left out of the index
    (their ids stay in ``present``, to be dropped) and saved as groups for the query side."""
    from tqdm import tqdm

    settings = components.settings
    vector_store, sentences = stores.vector_store, stores.sentences
    fingerprint = pipeline_fingerprint(settings)
    embedding = None
    chunker = None
    changed = False
    pending: list[_Pending] = []
    stated = statements.versions() if statements is not None else {}
    to_state: list[Article] = []  # articles whose statements are missing or out of date
    articles = []
    with report.timing("read"):  # all first: copies are found by comparing every pair
        for path in files:
            result = read_article(corpus_dir, path, settings.max_file_bytes)
            if isinstance(result, FileProblem):
                report.problems.append(result)
                log.warning("skipped %s", result)
            else:
                articles.append(result)
    if dedupe:
        with report.timing("copies"):
            copies = find_copies(articles)
        Copies.save(settings.index_dir, copies, publisher_of(corpus_dir))
        report.copies = [f"{copy} (copy of {first})" for copy, first in sorted(copies.items())]
        articles = [a for a in articles if a.source not in copies]
    with BackgroundWriter() as writer:
        for article in tqdm(articles, desc="ingest", unit="file", disable=not progress):
            if statements is not None and stated.get(article.source) != version_of(article.sha16):
                to_state.append(article)
            old_ids = present.pop(article.source, set())
            version = _version_key(article.sha256, fingerprint)
            if _complete(old_ids, version):
                report.skipped.append(article.source)
                continue
            if embedding is None:
                with report.timing("model"):
                    embedding = components.embedding
                    chunker = Chunker(
                        count_tokens_fn(embedding, settings),
                        settings.chunk_size,
                        settings.chunk_overlap,
                        settings.embed_max_tokens,
                    )
            assert chunker is not None
            with report.timing("chunk"):
                chunks = chunker.chunk(article)
                nodes = [chunk_node(c, article, ChunkId(article.source, version, c.index, len(chunks))) for c in chunks]
            pending.append(_Pending(article, nodes, old_ids))
            # Several files' chunks are embedded together, sorted by length, so batches pad little.
            if sum(len(p.missing) for p in pending) >= settings.ingest_batch_chunks:
                _flush(pending, embedding, vector_store, sentences, report, writer)
            changed = True
        if pending:
            assert embedding is not None
            _flush(pending, embedding, vector_store, sentences, report, writer)
    if statements is not None:
        with report.timing("statements"):
            for article in to_state:
                store_statements(statements, article)
    return changed


def _ingest_locked(
    settings: Settings, corpus_dir: Path, files: list[Path], progress: bool, workers: str = "local"
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    components, stores = _ingest_components(settings)
    collection, vector_store, sentences = stores.chunks, stores.vector_store, stores.sentences
    quotes = StatementStore(settings.statements_path)
    present = _present_ids(collection)
    live_sources = {source_name(corpus_dir, p) for p in files}
    if workers == "ray":
        from rag.indexing.distributed import ingest_on_ray

        ingest_on_ray(settings, corpus_dir, files, report, index_files)
        Copies.save(settings.index_dir, {}, str)  # copies are found on the local path only (docs/news-ingest.md)
        for source in live_sources:
            present.pop(source, None)  # the workers brought these in step
        changed = bool(report.added or report.updated)
    else:
        changed = _index(components, stores, corpus_dir, files, report, present, progress, quotes, dedupe=True)

    # Whatever is left names files that are gone (or now unreadable, or ids we did not write).
    for source, ids in present.items():
        vector_store.delete_nodes(sorted(ids))
        if source:
            delete_sentences(sentences, source)
        changed = True
        if source and source not in live_sources:
            report.removed.append(source)

    final_ids = all_ids(collection)
    report.chunks_total = len(final_ids)
    if final_ids and (changed or not bm25_is_current(settings, final_ids)):
        with report.timing("bm25"):
            rebuild_bm25(settings, vector_store, final_ids)
    elif not final_ids:
        import shutil

        shutil.rmtree(settings.bm25_path, ignore_errors=True)
    with report.timing("statements"):  # the quotes index follows what Chroma now holds (re-reads no file
        sync_statements(  # _index stored, only those Ray workers indexed or an earlier run left behind)
            quotes, corpus_dir, indexed_sources(collection, final_ids) if final_ids else [], settings.max_file_bytes
        )
    record_corpus_dir(settings, corpus_dir)
    report.seconds = time.perf_counter() - started
    return report
