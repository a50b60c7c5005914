"""The one service every shell (CLI, HTTP API, UI, evals) calls."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from rag.contract import Answer, AnswerDelta, AnswerFinal, Message, StreamEvent
from rag.embedding import build_embedding, english_words
from rag.extractive import ExtractiveAnswerer
from rag.quotes import OriginalTexts
from rag.retrieval import Hit, HybridRetriever
from rag.settings import Settings
from rag.store import IndexedSource, all_ids, indexed_corpus_dir, indexed_sources, load_bm25, open_collection

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be answered as asked (empty, too long)."""


class UnknownSourceError(KeyError):
    """The name is not a file of the indexed corpus."""


class Assistant:
    """Loads the index and models once; answers questions with cited passages.

    Raises :class:`rag.store.IndexNotReadyError` when there is no index yet.
    """

    def __init__(self, settings: Settings):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        self.collection = collection = open_collection(settings, create=False)
        vector_store = ChromaVectorStore(chroma_collection=collection)
        bm25, vocabulary = load_bm25(settings, collection, vector_store)
        self.embedding = build_embedding(settings)
        self.retriever = HybridRetriever(
            settings, self.embedding, collection, vector_store, bm25, vocabulary, english_words(self.embedding)
        )
        self.corpus_dir = indexed_corpus_dir(settings)
        self.texts = OriginalTexts(self.corpus_dir)
        self.answerer = ExtractiveAnswerer(self.texts, settings.abstain_threshold, settings.max_answer_sentences)
        self._sources: list[IndexedSource] | None = None
        self._sources_lock = threading.Lock()

    @property
    def mode(self) -> str:
        """Which answerer replies: 'extractive' (offline) or 'llm'."""
        return "extractive"

    def sources(self) -> list[IndexedSource]:
        """The indexed articles (file, title, date, chunk count), sorted by file name."""
        with self._sources_lock:
            if self._sources is None:
                self._sources = indexed_sources(self.collection, all_ids(self.collection))
            return self._sources

    def source_text(self, name: str) -> tuple[IndexedSource, str]:
        """An indexed article and its original text.

        Only exact names of indexed files are served, so ``../`` or absolute paths cannot
        reach outside the corpus. :class:`UnknownSourceError` otherwise, or when the file
        changed since it was indexed (its offsets would be wrong).
        """
        for source in self.sources():
            if source.source == name:
                text = self.texts.get(source.source, source.sha16)
                if text is None:
                    raise UnknownSourceError(f"{name} changed or vanished since it was indexed; run `rag ingest`")
                return source, text
        raise UnknownSourceError(f"{name!r} is not an article of the corpus")

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

    def stream(
        self, question: str, history: Sequence[Message | dict[str, Any]] = (), top_k: int | None = None
    ) -> Iterator[StreamEvent]:
        """The answer as text deltas, then one :class:`AnswerFinal` with the checked citations.

        Validation errors are raised before the first event, so a caller can still refuse
        the request cleanly.
        """
        self.validate(question)
        answer = self.ask(question, history, top_k)
        # The extractive answer exists whole at once; streaming it word by word keeps one
        # protocol for every answerer.
        for piece in _word_pieces(answer.answer):
            yield AnswerDelta(text=piece)
        yield AnswerFinal(answer=answer)


def _word_pieces(text: str, words: int = 4) -> Iterator[str]:
    """``text`` in pieces of a few words each, whitespace kept (so they join back exactly)."""
    import re

    tokens = re.findall(r"\S+\s*|\s+", text)
    for i in range(0, len(tokens), words):
        yield "".join(tokens[i : i + words])
