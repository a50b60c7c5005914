"""What retrieval hands to the answerers: a chunk, where it lies in its file, and its scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.indexing.chunking import Sentence, sentences_from_json


@dataclass
class Hit:
    """A retrieved chunk with its fused rank score and its dense cosine to the query."""

    chunk_id: str
    text: str
    source: str
    title: str
    date: str | None
    start: int
    end: int
    sha16: str
    sentences: list[Sentence]
    score: float
    dense: float
    rank: int
    sentence_vectors: np.ndarray | None = None  # unit vectors, one row per sentence
    query_vector: np.ndarray | None = None

    def sentence_cosine(self, index: int, vector: np.ndarray | None = None) -> float:
        """Cosine of sentence ``index`` to the query (or to ``vector``); the chunk's when unknown."""
        query = self.query_vector if vector is None else vector
        if self.sentence_vectors is None or query is None:
            return self.dense
        return float(self.sentence_vectors[index] @ query)

    @classmethod
    def from_node(cls, node: Any, score: float, dense: float, rank: int) -> Hit:
        """Build from a LlamaIndex node written by :func:`rag.indexing.ingest.chunk_node`."""
        return cls.from_record(node.node_id, node.get_content(), node.metadata, score, dense, rank)

    @classmethod
    def from_record(cls, chunk_id: str, text: str, meta: dict[str, Any], score: float, dense: float, rank: int) -> Hit:
        """Build from a chunk's id, text and metadata as Chroma stores them."""
        return cls(
            chunk_id=chunk_id,
            text=text,
            source=meta["source"],
            title=meta.get("title") or meta["source"],
            date=meta.get("date") or None,
            start=int(meta["start"]),
            end=int(meta["end"]),
            sha16=meta.get("sha16", ""),
            sentences=sentences_from_json(meta["sentences"]),
            score=float(score),
            dense=float(dense),
            rank=rank,
        )
