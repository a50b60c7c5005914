"""The BM25 side of hybrid retrieval: LlamaIndex's ``BM25Retriever`` (bm25s), built from
Chroma's chunks and read back memory-mapped.

Memory-mapped because the retriever keeps every chunk's node (text and metadata) to
return hits: loaded as Python objects that is ~9.5 KB per chunk (1.4 GB at 10k articles,
most of a server's memory); mapped, only the pages of the hits are read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import Stemmer
from llama_index.core.schema import BaseNode, NodeWithScore, QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever


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
            return super()._retrieve(query_bundle)


def build_bm25(nodes: list[BaseNode], top_k: int, folder: Path) -> None:
    """Index ``nodes`` and save the index (with the nodes it returns) in ``folder``."""
    retriever = BM25Retriever.from_defaults(
        nodes=nodes,
        similarity_top_k=min(top_k, len(nodes)),
        stemmer=Stemmer.Stemmer("english"),
        language="english",
    )
    retriever.persist(str(folder), show_progress=False)


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
