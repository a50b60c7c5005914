"""Hybrid retrieval: dense (Chroma) + BM25, fused by LlamaIndex's ``QueryFusionRetriever``.

The retrieve stage: it searches the question as the read stage left it (spelling corrected,
roles named: :class:`rag.answering.question.ReadQuestion`). After fusion, every hit also gets
its dense cosine to the question (one Chroma ``get``), the signal the decision calibrates
abstention on, and the stored vectors of its sentences. For an answer, the chunks of the
question's ``sentence_k`` nearest sentences (searched in the sentence collection) join the fused
ones when none of those holds them; a search returns the fused ``top_k`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import BaseNode, QueryBundle, TransformComponent

from rag.answering.hits import Hit
from rag.components.lexical import SourceFilteredBM25
from rag.components.store import ChunkId, reading_index
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.answering.sentence_vectors import SentenceVectors


class ReadOnlyIndex(TransformComponent):
    """The transformation of the query-side index: nothing is inserted through it (ingest writes)."""

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        raise RuntimeError("the query-side index is read-only: add articles with `rag ingest`")


class HybridRetriever:
    """Dense + BM25 retrieval over one index, fused; thread-safe for concurrent queries."""

    def __init__(
        self,
        settings: Settings,
        embedding: Any,
        collection: Any,
        vector_store: Any,
        bm25: Any,
        sentence_vectors: SentenceVectors | None = None,
    ):
        self._settings = settings
        self._sentences = sentence_vectors
        self._embedding = embedding
        self._collection = collection
        # Given transformations, LlamaIndex does not resolve its global default splitter (which
        # loads a tiktoken encoding: 0.4 s of start-up) for an index that is only read.
        self._index = VectorStoreIndex.from_vector_store(
            vector_store, embed_model=embedding, transformations=[ReadOnlyIndex()]
        )
        self._bm25 = bm25
        self._fusion = self._fused(self._index.as_retriever(similarity_top_k=settings.candidate_k), bm25)

    def _fused(self, dense: Any, lexical: Any) -> QueryFusionRetriever:
        return QueryFusionRetriever(
            [dense, lexical],
            llm=MockLLM(),  # never used with num_queries=1; avoids resolving a default LLM
            mode=self._settings.fusion_mode.value,  # type: ignore[arg-type]
            similarity_top_k=2 * self._settings.candidate_k,
            num_queries=1,
            use_async=False,
            retriever_weights=[self._settings.dense_weight, self._settings.bm25_weight],
        )

    def _filtered(self, sources: set[str]) -> QueryFusionRetriever:
        """Fusion over the chunks of ``sources`` only: a Chroma ``where`` for the dense side,
        BM25 hits filtered afterwards."""
        from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

        where = MetadataFilters(
            filters=[MetadataFilter(key="source", value=sorted(sources), operator=FilterOperator.IN)]
        )
        dense = self._index.as_retriever(similarity_top_k=self._settings.candidate_k, filters=where)
        return self._fused(dense, SourceFilteredBM25(self._bm25, sources, self._settings.candidate_k))

    def retrieve(
        self,
        searched: str,
        top_k: int,
        sources: set[str] | None = None,
        as_asked: str | None = None,
        nearest_sentences: int = 0,
    ) -> list[Hit]:
        """The ``top_k`` best chunks for ``searched`` (the read question), from ``sources`` only when
        given; ``as_asked`` is what the embedding reads (default: ``searched``). Then the chunks
        holding the ``nearest_sentences`` sentences nearest to it that those do not hold."""
        if sources is not None and not sources:
            return []
        # Bracketed aliases ("the envoy (Steve Witkoff)", see rag.answering.roles) are words for
        # BM25; the embedding reads the question as asked, so passages that use the role still rank.
        vector = self._embedding.get_query_embedding(as_asked or searched)
        fusion = self._fusion if sources is None else self._filtered(sources)
        with reading_index(self._settings):
            fused = fusion.retrieve(QueryBundle(query_str=searched, embedding=vector))[:top_k]
            if not fused:
                return []
            ids = [nws.node.node_id for nws in fused]
            got = self._collection.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        q = np.asarray(vector, dtype=np.float32)
        hits = []
        for rank, nws in enumerate(fused):
            emb = by_id.get(nws.node.node_id)
            dense = float(np.dot(q, np.asarray(emb, dtype=np.float32))) if emb is not None else 0.0
            hits.append(Hit.from_node(nws.node, nws.score or 0.0, dense, rank))
        if self._sentences is not None:
            with reading_index(self._settings):
                if nearest_sentences:
                    hits += self._sentence_hits(q, hits, nearest_sentences, sources)
                vectors = self._sentences.for_hits(hits)
            for hit in hits:
                hit.query_vector = q
                hit.sentence_vectors = np.stack([vectors[(hit.source, s.start)] for s in hit.sentences])
        return hits

    def _sentence_hits(self, q: np.ndarray, hits: list[Hit], k: int, sources: set[str] | None) -> list[Hit]:
        """The chunks holding the question's nearest sentences (corpus-wide) that no hit holds:
        a paraphrase can match one sentence closely while its chunk as a whole ranks below
        ``top_k`` (on dev, the sentence holding the answer is then often the nearest of all)."""
        assert self._sentences is not None
        added: list[Hit] = []
        for source, version, start in self._sentences.nearest(q, k, sources):
            if any(h.source == source and h.start <= start < h.end for h in hits + added):
                continue
            where = {"$and": [{"source": source}, {"start": {"$lte": start}}, {"end": {"$gt": start}}]}
            got = self._collection.get(where=where, include=["documents", "metadatas", "embeddings"])
            rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])
            # Two overlapping chunks may hold it: the first of this file version.
            for chunk_id, text, meta, emb in sorted(rows, key=lambda row: int(row[2]["start"])):
                parsed = ChunkId.parse(chunk_id)
                if parsed is not None and parsed.version == version:
                    dense = float(np.dot(q, np.asarray(emb, dtype=np.float32)))
                    added.append(Hit.from_record(chunk_id, text, meta, 0.0, dense, len(hits) + len(added)))
                    break
        return added
