"""The one service every shell (CLI, HTTP API, UI, evals) calls."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from rag.contract import Answer, Message
from rag.embedding import build_embedding, english_words
from rag.extractive import ExtractiveAnswerer
from rag.quotes import OriginalTexts
from rag.retrieval import Hit, HybridRetriever
from rag.settings import Settings
from rag.store import indexed_corpus_dir, load_bm25, open_collection

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be answered as asked (empty, too long)."""


class Assistant:
    """Loads the index and models once; answers questions with cited passages.

    Raises :class:`rag.store.IndexNotReadyError` when there is no index yet.
    """

    def __init__(self, settings: Settings):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        collection = open_collection(settings, create=False)
        vector_store = ChromaVectorStore(chroma_collection=collection)
        bm25, vocabulary = load_bm25(settings, collection, vector_store)
        self.embedding = build_embedding(settings)
        self.retriever = HybridRetriever(
            settings, self.embedding, collection, vector_store, bm25, vocabulary, english_words(self.embedding)
        )
        self.answerer = ExtractiveAnswerer(
            OriginalTexts(indexed_corpus_dir(settings)), settings.abstain_threshold, settings.max_answer_sentences
        )

    def validate(self, question: str) -> str:
        """The question, stripped; :class:`QuestionError` if it is empty or too long."""
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty")
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return question

    def search(self, query: str, top_k: int | None = None) -> tuple[list[Hit], str]:
        """Ranked passages for ``query`` and the query actually searched."""
        return self.retriever.retrieve(self.validate(query), top_k or self.settings.top_k)

    def ask(self, question: str, history: Sequence[Message | dict[str, Any]] = (), top_k: int | None = None) -> Answer:
        """Answer ``question`` with citations, or abstain when the articles do not cover it.

        ``history`` is accepted for chat front ends; the extractive answerer answers the
        question as asked (condensing follow-ups needs the LLM answerer).
        """
        started = time.perf_counter()
        question = self.validate(question)
        hits, searched = self.retriever.retrieve(question, top_k or self.settings.top_k)
        retrieved = time.perf_counter()
        result = self.answerer.answer(question, hits, self.retriever.speller)
        done = time.perf_counter()
        return Answer(
            question=question,
            answer=result.answer,
            abstained=result.abstained,
            mode="extractive",
            citations=result.citations,
            search_query=searched,
            timings_ms={
                "retrieve": round((retrieved - started) * 1000, 2),
                "answer": round((done - retrieved) * 1000, 2),
                "total": round((done - started) * 1000, 2),
            },
        )
