"""The one service every shell (CLI, HTTP API, UI, evals) calls."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from rag.answering.citations import OriginalTexts
from rag.answering.condensing import condense_by_rule
from rag.answering.conversation import ConversationSearch
from rag.answering.decision import Decider, Plan
from rag.answering.english import EnglishWords
from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.generation import Generator
from rag.answering.hits import Hit
from rag.answering.overview import OVERVIEW_LISTED, article_summary, corpus_overview, newest_sources, overview_request
from rag.answering.question import QuestionReader, ReadQuestion
from rag.answering.quote_answers import ShownStatement, answer_from_statements, asks_about_statements, shown_statement
from rag.answering.retrieval import HybridRetriever
from rag.answering.sentence_vectors import SentenceVectors
from rag.answering.spelling import SpellingCorrector
from rag.answering.suggestions import suggest_follow_ups
from rag.components import Components, build_components
from rag.components.embedding import english_words, unit_vector, unit_vectors
from rag.components.store import (
    IndexedSource,
    all_ids,
    first_chunks,
    indexed_corpus_dir,
    indexed_sources,
    load_bm25,
    reading_index,
)
from rag.contract import BLANK, Answer, AnswerFinal, ArticleFilter, Citation, Message, StreamEvent, streamed
from rag.indexing.duplicates import Copies
from rag.indexing.statement_store import StatementStore
from rag.indexing.statements import Statement
from rag.settings import Settings
from rag.timing import Clock

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be answered as asked: ``code`` is "empty_question" or "question_too_long"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class UnknownSourceError(KeyError):
    """The name is not a file of the indexed corpus."""


class Assistant:
    """Loads the index and models once; answers questions with cited passages (raises
    :class:`rag.components.store.IndexNotReadyError` when there is no index yet)."""

    def __init__(self, settings: Settings, components: Components | None = None):
        """``components`` are the parts to use (a test's scripted LLM, an embedder already
        loaded); by default they are built from ``settings``."""
        self.settings = settings
        parts = components or build_components(settings)
        # The embedder loads (native code, GIL released) while Chroma imports and opens: 0.2 s off start-up.
        with ThreadPoolExecutor(1, thread_name_prefix="load-embedder") as pool, reading_index(settings):
            embedder = pool.submit(lambda: parts.embedding)
            stores = parts.stores(create=False)
            self.collection = collection = stores.chunks
            vector_store, sentence_collection = stores.vector_store, stores.sentences
            bm25, vocabulary = load_bm25(settings, collection, vector_store)
            self.embedding = embedder.result()
        embed_texts = partial(unit_vectors, self.embedding)
        self.retriever = HybridRetriever(
            settings, self.embedding, collection, vector_store, bm25, SentenceVectors(sentence_collection, embed_texts)
        )
        self.corpus_dir = indexed_corpus_dir(settings)
        self.texts = OriginalTexts(self.corpus_dir)
        self.generator: Generator | None = None
        if parts.llm is not None:
            self.generator = Generator(parts.llm, settings, self.embedding, self.texts)
        self.statements = StatementStore(settings.statements_path)  # read only: see rag.engine.load_assistant
        self.copies = Copies.load(settings.index_dir)  # syndicated copies, indexed once (rag.indexing.duplicates)
        # The stages of a question, in order (see ask): read, route, retrieve, decide, compose, check.
        speller = SpellingCorrector(vocabulary, english_words(self.embedding), english=EnglishWords())
        condense = self.generator.condense if self.generator else condense_by_rule
        self.reader = QuestionReader(speller, self.statements.titles, condense)
        model = parts.answerability
        # The reader's session takes ~1.5 s to build: it loads in the background, so the server is
        # ready without it; the first question that needs it waits for it.
        loading = ThreadPoolExecutor(1, thread_name_prefix="load-reader")
        reader = loading.submit(lambda: parts.reader)
        loading.shutdown(wait=False)
        self.decider = Decider(model, settings.abstain_threshold, partial(unit_vector, self.embedding), reader.result)
        self.searcher = ConversationSearch(settings, self.retriever, self.decider)
        self.answerer = ExtractiveAnswerer(
            self.texts, settings.max_answer_sentences, model.threshold, settings.max_answer_words
        )
        self._sources: list[IndexedSource] | None = None
        self._by_source: dict[str, IndexedSource] = {}
        self._sources_lock = threading.Lock()

    @property
    def mode(self) -> str:
        """Which answerer replies: 'extractive' (offline) or 'llm'."""
        return "extractive" if self.generator is None else "llm"

    @property
    def model_name(self) -> str | None:
        """The LLM's name in 'llm' mode."""
        return self.generator.model_name if self.generator else None

    def sources(self) -> list[IndexedSource]:
        """The indexed articles (file, title, date, chunk count), sorted by file name."""
        with self._sources_lock:
            if self._sources is None:
                with reading_index(self.settings):
                    self._sources = indexed_sources(self.collection, all_ids(self.collection))
                self._by_source = {s.source: s for s in self._sources}
            return self._sources

    def _indexed(self) -> dict[str, IndexedSource]:
        """The indexed articles by file name."""
        self.sources()
        return self._by_source

    def quotes(
        self,
        speaker: str | None = None,
        sources: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
    ) -> list[Statement]:
        """Statements (quotations and reported speech) by ``speaker`` in the indexed articles,
        newest article first; ``sources``, ``since`` and ``until`` (YYYY-MM-DD) narrow them as
        :meth:`allowed_sources` does for answers."""
        narrow = ArticleFilter.model_validate({"since": since, "until": until, "sources": list(sources)})
        return self.statements.query(speaker, self.allowed_sources(narrow))

    def shown(self, statement: Statement) -> ShownStatement:
        """How to show a statement: a quotation's own words, or reported speech as its sentence says it."""
        return shown_statement(statement, self.article_text(statement.source))

    def article_text(self, source: str) -> str | None:
        """The original text of an indexed article (``None`` if it changed since it was indexed)."""
        found = self._indexed().get(source)
        return self.texts.get(source, found.sha16) if found else None

    def read(self, question: str, history: Sequence[Message | dict[str, Any]] = ()) -> ReadQuestion:
        """The read stage: the question made standalone, roles named ("the envoy (Steve Witkoff)"),
        spelling corrected, what it asks found."""
        return self.reader.read(question, _messages(history))

    def retrieve(self, query: str, top_k: int, allowed: set[str] | None = None) -> tuple[list[Hit], str]:
        """Ranked passages and the query searched (``query`` read as :meth:`read` does)."""
        read = self.read(query)
        return self.retriever.retrieve(read.searched, top_k, allowed, read.info.corrected), read.searched

    def hits_for(self, read: ReadQuestion, top_k: int, allowed: set[str] | None = None) -> list[Hit]:
        """The retrieve stage of an answer: the read question searched as corrected (roles named),
        embedded as asked, and the chunks of its ``settings.sentence_k`` nearest sentences."""
        return self.searcher.hits(read, top_k, allowed)

    def check_index(self) -> int:
        """The number of chunks the store holds now (a cheap probe for readiness);
        :class:`rag.components.store.IndexUnavailableError` when it cannot be read."""
        with reading_index(self.settings):
            return int(self.collection.count())

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
        if not isinstance(question, str) or not question.strip(BLANK):
            raise QuestionError("empty_question", "the question is empty")
        question = question.strip(BLANK)
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                "question_too_long",
                f"the question is {len(question)} characters long; the limit is {self.settings.max_question_chars}",
            )
        return question

    def allowed_sources(self, filters: ArticleFilter | None) -> set[str] | None:
        """The articles a filter lets through (an undated article fails any date bound); ``None``: all."""
        if filters is None or not filters.is_set():
            return None
        since = filters.since.isoformat() if filters.since else None
        until = filters.until.isoformat() if filters.until else None
        allowed = set()
        for s in self.sources():
            if filters.sources and s.source not in filters.sources:
                continue
            if (since or until) and not s.date:
                continue
            if (since and s.date and s.date < since) or (until and s.date and s.date > until):
                continue
            allowed.add(s.source)
        return allowed

    def search(
        self, query: str, top_k: int | None = None, filters: ArticleFilter | None = None
    ) -> tuple[list[Hit], str]:
        """Ranked passages for ``query`` (from the articles ``filters`` allows) and the query actually searched."""
        query = self.validate(query)
        return self.retrieve(query, top_k or self.settings.top_k, self.allowed_sources(filters))

    def ask(
        self,
        question: str,
        history: Sequence[Message | dict[str, Any]] = (),
        top_k: int | None = None,
        filters: ArticleFilter | None = None,
    ) -> Answer:
        """Answer ``question`` with citations, or abstain when the articles do not cover it.

        ``history`` (earlier turns, oldest first) turns a follow-up such as "What did he
        say about Zelensky?" into a standalone question before searching. ``filters``
        limits the articles it may use (dates, files).
        """
        question = self.validate(question)
        final = None
        events = self._answer(question, _messages(history), top_k, streaming=False, filters=filters)
        for event in self._with_publishers(events):
            if isinstance(event, AnswerFinal):
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Sequence[Message | dict[str, Any]] = (),
        top_k: int | None = None,
        filters: ArticleFilter | None = None,
    ) -> Iterator[StreamEvent]:
        """The answer as text deltas, then one :class:`AnswerFinal` with the checked citations.

        The deltas are the answerer's raw text; the final answer may differ (citations
        renumbered, unsupported sentences marked, or a fallback). Validation errors are
        raised here, before any event.
        """
        question = self.validate(question)
        return self._with_publishers(self._answer(question, _messages(history), top_k, streaming=True, filters=filters))

    def _with_publishers(self, events: Iterator[StreamEvent]) -> Iterator[StreamEvent]:
        """``events``, each citation of the final answer naming who else published its article."""
        for event in events:
            yield AnswerFinal(answer=self.copies.annotate(event.answer)) if isinstance(event, AnswerFinal) else event

    def _answer(
        self,
        question: str,
        history: list[Message],
        top_k: int | None,
        streaming: bool,
        filters: ArticleFilter | None = None,
    ) -> Iterator[StreamEvent]:
        """One question through the stages: read, route, retrieve, decide, compose, check."""
        clock = Clock()
        read = self.reader.read(question, history)
        base = {"question": question, "search_query": read.searched, "condensed_question": read.condensed}
        allowed = self.allowed_sources(filters)
        if allowed is not None and not allowed:  # say so: "not covered" would be wrong
            assert filters is not None
            message = f"No article matches the filter ({filters.describe()}): nothing to answer from."
            refused = {"abstained": True, "refusal_reason": "filtered_out", "confidence": 0.0}
            yield AnswerFinal(answer=Answer(answer=message, mode=self.mode, timings_ms=clock.done(), **refused, **base))
            return
        # route: "What are the articles about?" to their headlines, "What did X say?" to the quotes index
        routed = self._overview(read.standalone, allowed, bool(read.info.missing_names))
        if routed is None and asks_about_statements(read.standalone):
            routed = self._from_statements(read.searched, allowed)
        if routed is not None:
            clock.mark("route")
            fields = {"mode": "extractive", "confidence": 1.0, "timings_ms": clock.done()}
            yield from streamed(Answer(answer=routed[0], abstained=False, citations=routed[1], **fields, **base))
            return
        hits, plan = self.searcher.hits_and_plan(read, history, top_k or self.settings.top_k, allowed)
        clock.mark("retrieve")
        if self.generator is None:
            yield from streamed(self._extractive(plan, base, clock))
            return
        decision = plan.decision
        llm_fields = {**base, "mode": "llm", "model": self.generator.model_name, "confidence": decision.confidence}
        if not decision.answerable:  # the LLM is not asked what the articles cannot answer
            nearest = self.answerer.compose(plan)  # what is missing, and the nearest passage
            refusal = Answer(
                answer=nearest.answer,
                abstained=True,
                refusal_reason=decision.reason,
                citations=nearest.citations,
                timings_ms=clock.done(),
                **llm_fields,
            )
            yield AnswerFinal(answer=refusal)
            return
        outcome = yield from self.generator.generate(read.standalone, hits, streaming, clock)  # compose, check
        if outcome.fallback:
            answer = self._extractive(plan, base, clock)
            update: dict[str, Any] = {"fallback": outcome.fallback, "error": outcome.error}
            update["model"] = self.generator.model_name
            if outcome.checked is not None:  # why the model's answer was rejected, sentence by sentence
                update |= {"claims": outcome.checked.claims, "citations_removed": outcome.checked.citations_removed}
            yield AnswerFinal(answer=answer.model_copy(update=update))
            return
        checked = outcome.checked
        assert checked is not None
        yield AnswerFinal(
            answer=Answer(
                answer=checked.answer,
                abstained=False,
                citations=checked.citations,
                claims=checked.claims,
                citations_removed=checked.citations_removed,
                timings_ms=clock.done(),
                **llm_fields,
            )
        )

    def follow_ups(self, answer: Answer, history: Sequence[Message | dict[str, Any]] = ()) -> list[str]:
        """Up to 3 questions to ask next about people quoted near the cited passages, each one the
        quotes index answers (never one this assistant would refuse)."""
        return suggest_follow_ups(
            answer,
            _messages(history),
            lambda sources: self.statements.query(None, sources),
            lambda question: self._from_statements(question, None) is not None,
        )

    def _from_statements(self, question: str, allowed: set[str] | None) -> tuple[str, list[Citation]] | None:
        """The answer from the quotes index, with titles, or ``None`` when it has nothing that fits."""
        by_source = self._indexed()
        found = answer_from_statements(
            question,
            lambda who: self.statements.query(who, allowed),
            self.article_text,
            self.settings.max_answer_words,
        )
        if found is None:
            return None
        text, citations = found
        return text, [c.model_copy(update={"title": by_source[c.source].title}) for c in citations]

    def _overview(self, question: str, allowed: set[str] | None, unknown: bool) -> tuple[str, list[Citation]] | None:
        """The answer to a question about the articles themselves (:mod:`rag.answering.overview`),
        or ``None`` for any other question, or when no article is about the topic it names (a name
        in no article: ``unknown``, or no similar passage)."""
        if (request := overview_request(question)) is None:
            return None
        listed = newest_sources([s for s in self.sources() if allowed is None or s.source in allowed])
        if request.topic:  # "Summarize the article about X": the article of the best passage about X
            if unknown:  # "…about the Olympic Games in Paris": no article names them
                return None
            hits, _ = self.retrieve(request.topic, self.settings.top_k, allowed)
            if self.decider.dissimilar(hits):
                return None
            listed = [hits[0].source]
        firsts = [Hit.from_record(*r, 1.0, 1.0, 0) for r in first_chunks(self.collection, listed[:OVERVIEW_LISTED])]
        words = self.settings.max_answer_words
        if request.topic:
            return article_summary(firsts[0], self.texts, words) if firsts else None
        return corpus_overview(firsts, len(listed), self.texts, words, request.greeting)

    def _extractive(self, plan: Plan, base: dict[str, Any], clock: Clock) -> Answer:
        result = self.answerer.compose(plan)
        decision = result.decision
        return Answer(
            answer=result.answer,
            abstained=result.abstained,
            mode="extractive",
            citations=result.citations,
            confidence=decision.confidence if decision else None,
            refusal_reason=decision.reason if decision and result.abstained else None,
            timings_ms=clock.done(),
            **base,
        )


def _messages(history: Sequence[Message | dict[str, Any]]) -> list[Message]:
    return [m if isinstance(m, Message) else Message.model_validate(m) for m in history]
