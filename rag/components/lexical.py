"""The BM25 side of hybrid retrieval: LlamaIndex's ``BM25Retriever`` (bm25s), built from
Chroma's chunks and read back memory-mapped.

Memory-mapped because the retriever keeps every chunk's node (text and metadata) to
return hits: loaded as Python objects that is ~9.5 KB per chunk (1.4 GB at 10k articles,
most of a server's memory); mapped, only the pages of the hits are read. Built page by
page for the same reason: ``BM25Retriever.from_defaults`` wants every node in memory at
once (~35 KB per chunk at its peak).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import bm25s
import Stemmer
from bm25s.utils.corpus import JsonlCorpus
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import BaseNode, MetadataMode, NodeWithScore, QueryBundle
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.retrievers.bm25 import BM25Retriever

_CORPUS = "corpus.jsonl"  # the file names bm25s uses


class MappedBM25Retriever(BM25Retriever):
    """A ``BM25Retriever`` over a memory-mapped index, safe for concurrent queries.

    bm25s reads the mapped corpus by seeking one shared file position, so two threads
    could read each other's lines: one query at a time (a BM25 lookup takes ~1 ms).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        with self._lock:
            return _matched(super()._retrieve(query_bundle))

    def retrieve_top(self, query_bundle: QueryBundle, top_k: int) -> list[NodeWithScore]:
        """The ``top_k`` best chunks (more than the configured number, to filter afterwards)."""
        with self._lock:
            configured = self.similarity_top_k
            self.similarity_top_k = min(top_k, int(self.bm25.scores["num_docs"]))
            try:
                return _matched(super()._retrieve(query_bundle))
            finally:
                self.similarity_top_k = configured


def _matched(hits: list[NodeWithScore]) -> list[NodeWithScore]:
    """The hits that share a word with the query. bm25s fills its top k with chunks of score 0
    when fewer match; in rank fusion each of those would still get a lexical vote."""
    return [h for h in hits if (h.score or 0.0) > 0.0]


class SourceFilteredBM25(BaseRetriever):
    """BM25 hits from ``sources`` only: bm25s filters by a mask built over the whole corpus when
    the retriever is made, so per-query filters fetch ``widen`` times more hits and keep the allowed."""

    def __init__(self, bm25: MappedBM25Retriever, sources: set[str], top_k: int, widen: int = 8):
        super().__init__()
        self._bm25, self._sources, self._top_k, self._widen = bm25, sources, top_k, widen

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._bm25.retrieve_top(query_bundle, self._top_k * self._widen)
        return [h for h in hits if h.node.metadata.get("source") in self._sources][: self._top_k]


def build_bm25(pages: Iterable[list[BaseNode]], top_k: int, folder: Path) -> int:
    """Index the nodes, one page at a time, and save the index in ``folder``; the number indexed.

    The same tokens and files as ``BM25Retriever.from_defaults(nodes, stemmer, language="english")``
    then ``.persist(folder)``; only the token ids of all chunks are held at once.
    """
    stemmer = Stemmer.Stemmer("english")
    vocab: dict[str, int] = {}
    documents: list[list[int]] = []
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / _CORPUS, "w", encoding="utf-8") as corpus:
        for nodes in pages:
            page = bm25s.tokenize(
                [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes],
                stopwords="english",
                stemmer=stemmer,
                show_progress=False,
            )
            # page-local token ids -> ids over the whole corpus
            to_global = {local: vocab.setdefault(token, len(vocab)) for token, local in page.vocab.items()}
            documents.extend([to_global[i] for i in ids] for ids in page.ids)
            for node in nodes:
                corpus.write(json.dumps(node_to_metadata_dict(node) | {"node_id": node.node_id}) + "\n")
    bm25 = bm25s.BM25()
    bm25.index((documents, vocab), show_progress=False)
    retriever = BM25Retriever(existing_bm25=bm25, stemmer=stemmer, similarity_top_k=min(top_k, len(documents)))
    retriever.persist(str(folder), show_progress=False)  # the index and retriever.json; the corpus is written
    JsonlCorpus(folder / _CORPUS, show_progress=False).close()  # writes the line index the mapping reads by
    return len(documents)


def open_bm25(folder: Path, top_k: int, chunks: int) -> BM25Retriever:
    """The index saved by :func:`build_bm25`, memory-mapped; ``ValueError`` unless it holds
    exactly ``chunks`` whole entries (mapped files are otherwise only read at query time)."""
    retriever = MappedBM25Retriever.from_persist_dir(str(folder), mmap=True, show_progress=False)
    corpus = retriever.corpus
    if len(corpus) != chunks or int(retriever.bm25.scores["num_docs"]) != chunks:
        raise ValueError(f"the BM25 index in {folder} does not hold {chunks} chunks")
    corpus[len(corpus) - 1]  # a truncated file fails to parse here, not in a query
    retriever.similarity_top_k = min(top_k, chunks)
    return retriever
