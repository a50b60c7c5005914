"""Hybrid retrieval: dense (Chroma) + BM25, fused by LlamaIndex's ``QueryFusionRetriever``.

Before searching, words of the question that the corpus never uses are corrected to
the closest corpus word ("Witkof" → "witkoff"), which BM25 needs and the embedding
likes. After fusion, every hit also gets its dense cosine to the question (one Chroma
``get``), the signal the answerer calibrates abstention on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.schema import BaseNode, QueryBundle, TransformComponent

from rag.answering.english import EnglishWords
from rag.answering.hits import Hit
from rag.answering.roles import without_aliases
from rag.components.lexical import SourceFilteredBM25
from rag.components.store import reading_index
from rag.settings import Settings
from rag.text import stem, stem_words

if TYPE_CHECKING:
    from rag.answering.sentence_vectors import SentenceVectors

_QUERY_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class ReadOnlyIndex(TransformComponent):
    """The transformation of the query-side index: nothing is inserted through it (ingest writes)."""

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> Sequence[BaseNode]:
        raise RuntimeError("the query-side index is read-only: add articles with `rag ingest`")


class SpellingCorrector:
    """Maps misspelt words to the closest word the corpus uses.

    A word is only corrected when neither the corpus nor the English ``dictionary``
    knows it: "write" is not turned into the corpus's "white", "Witkof" becomes "witkoff".
    With ``english`` (a large word list), a misspelling of an English word the corpus
    uses in another form is corrected too ("injred" → "injured", as in "injuring").
    """

    def __init__(
        self,
        vocabulary: list[str],
        dictionary: frozenset[str] = frozenset(),
        cutoff: float = 0.8,
        english: EnglishWords | None = None,
    ):
        self._vocab = set(vocabulary)
        self._dictionary = dictionary
        self._english = english
        self._by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            self._by_length.setdefault(len(word), []).append(word)
        self._cutoff = cutoff
        self._stems = set(stem_words(list(vocabulary)))

    def known(self, word: str) -> bool:
        """Whether the corpus uses ``word`` (case-insensitive)."""
        return word.lower() in self._vocab

    def unknown(self, word: str) -> bool:
        """Neither an English word nor (nearly) a corpus word: a name the articles never use."""
        lower = word.lower()
        if len(lower) < 4 or self._in_dictionary(lower):
            return False
        if stem(lower) in self._stems:
            return False  # "cancelling" where the articles say "canceled": same stem, not a name
        if self.closest(lower) is not None:
            return False
        # "stalemate" is English, "injred" a misspelt "injured": neither is a name.
        return self._english is None or self._english.correction(lower) is None

    def _in_dictionary(self, word: str) -> bool:
        # The word-piece vocabulary lacks many inflections ("timelines"): try the bare form.
        forms = [word] + [
            word[: -len(sfx)]
            for sfx in ("s", "es", "ed", "d", "ing", "ly", "er", "ers")
            if word.endswith(sfx) and len(word) - len(sfx) >= 3
        ]
        forms += [f + "e" for f in forms[1:]]  # "negotiating" -> "negotiat" -> "negotiate"
        return any(f in self._dictionary for f in forms)

    def closest(self, word: str) -> str | None:
        """The closest corpus word, or ``None`` when nothing is close enough."""
        lower = word.lower()
        if lower in self._vocab:
            return lower
        if len(lower) < 4:
            return None
        pool = [w for n in range(len(lower) - 2, len(lower) + 3) for w in self._by_length.get(n, [])]
        match = difflib.get_close_matches(lower, pool, n=1, cutoff=self._cutoff)
        return match[0] if match else None

    def correct(self, text: str) -> str:
        """``text`` with unknown words (4+ letters) replaced by their closest corpus word."""

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            if len(word) < 4 or self.known(word) or self._in_dictionary(word.lower()):
                return word
            closest = self.closest(word)
            if closest is None and self._english is not None and word.islower():
                meant = self._english.correction(word)
                if meant and stem(meant) in self._stems:
                    return meant
            return closest or word

        return _QUERY_WORD.sub(fix, text)


class HybridRetriever:
    """Dense + BM25 retrieval over one index, fused; thread-safe for concurrent queries."""

    def __init__(
        self,
        settings: Settings,
        embedding: Any,
        collection: Any,
        vector_store: Any,
        bm25: Any,
        vocabulary: list[str],
        dictionary: frozenset[str] = frozenset(),
        sentence_vectors: SentenceVectors | None = None,
    ):
        self._settings = settings
        self._sentences = sentence_vectors
        self._embedding = embedding
        self._collection = collection
        self.speller = SpellingCorrector(vocabulary, dictionary, english=EnglishWords())
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

    def retrieve(self, query: str, top_k: int, sources: set[str] | None = None) -> tuple[list[Hit], str]:
        """The ``top_k`` best chunks for ``query`` (from ``sources`` only, when given) and the
        (spell-corrected) query searched."""
        searched = self.speller.correct(query)
        if sources is not None and not sources:
            return [], searched
        # Bracketed aliases ("the envoy (Steve Witkoff)", see rag.answering.roles) are words for
        # BM25; the embedding reads the question as asked, so passages that use the role still rank.
        vector = self._embedding.get_query_embedding(without_aliases(searched))
        fusion = self._fusion if sources is None else self._filtered(sources)
        with reading_index(self._settings):
            fused = fusion.retrieve(QueryBundle(query_str=searched, embedding=vector))[:top_k]
            if not fused:
                return [], searched
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
                vectors = self._sentences.for_hits(hits)
            for hit in hits:
                hit.query_vector = q
                hit.sentence_vectors = np.stack([vectors[(hit.source, s.start)] for s in hit.sentences])
        return hits, searched
