"""The offline answerer: decides whether the articles answer, then quotes the sentences that do.

Sentences of the retrieved chunks are scored against the question: weighted word
overlap (stemmed, IDF over the candidates), the names the question asks about, a
bonus when a sentence holds what the question type asks for (a number for "how
many", a date for "when", a quotation by the person asked about), the chunk's dense
similarity and the sentence's own (its vector is stored at ingest). The best one is
put to :mod:`rag.answering.answerability`, which refuses when it does not address what is asked.

The answer is the best sentence, completed by a neighbour only when it needs one (the
sentence that says who "he" is, the quotation after "X told Y:", the reason in the next
sentence of a "why"), then other sentences only when the answerability model rates them
nearly as likely to answer as the lead (and above its threshold) and they fit in ``max_words``.
Headings and bare list headers are never answers on their own.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.answering.answerability import NOT_ADDRESSED, AnswerabilityModel, Decision, Window, window_features
from rag.answering.citations import OriginalTexts, cite
from rag.answering.hits import Hit
from rag.answering.question import (
    BULLET,
    CONSEQUENCE_START,
    DATE,
    NUMBER,
    PLACE,
    PRONOUN_START,
    QUOTE_MARK,
    REASON,
    QuestionInfo,
    QuestionReader,
    QuestionType,
)
from rag.answering.retrieval import SpellingCorrector
from rag.answering.sentence_text import (
    continues_quote,
    is_full_sentence,
    is_heading,
    marked_display,
    quote_bonus,
    raw_text,
    sentence_text,
)
from rag.contract import Citation, date_note, newest_first

# Weights of the sentence score, and how close to the best another sentence must score to join it
# (tuned on the golden suite's dev split: the sentence's own cosine helped the answerability
# decision but not the ranking, key facts 0.77 at weight 0 vs 0.72 at 0.4).
W_LEXICAL, W_NAMES, W_PASSAGE, W_SENTENCE = 0.5, 0.3, 0.3, 0.0
KEEP_RATIO = 0.7
# Overview questions ("What has X said…?") are answered by several sentences, which the model rates
# far below the lead (dev: 0.08-0.19 against 0.5-0.7). Measured on dev: 0.2 answers 2 more of them,
# 0.0-0.1 the same ones in longer answers; putting each article's best first lost a paraphrase case.
BROAD_RATIO = 0.2
W_RECENT = 0.2  # for "latest"/"most recent" questions only
RERANK = 12  # candidates put to the answerability model


@dataclass
class Candidate:
    """A sentence of a hit, scored."""

    hit: Hit
    index: int
    score: float
    stems: frozenset[str]
    confidence: float | None = None  # the answerability model's, for the top few
    features: dict[str, float] | None = None  # what that was computed from


@dataclass
class Plan:
    """The decision on a question, its ranked sentences (the lead first) and how it was read."""

    decision: Decision
    ranked: list[Candidate]
    info: QuestionInfo


@dataclass
class ExtractiveResult:
    """The answer text and its citations, or the refusal; and the decision behind it."""

    answer: str
    citations: list[Citation]
    abstained: bool
    decision: Decision | None = None


class ExtractiveAnswerer:
    """Builds short cited answers from retrieved chunks; no model, no network."""

    def __init__(
        self,
        originals: OriginalTexts,
        abstain_threshold: float,
        max_sentences: int,
        model: AnswerabilityModel,
        embed_query: Callable[[str], np.ndarray],
        max_words: int = 100,
    ):
        self._originals = originals
        self._threshold = abstain_threshold
        self._max = max_sentences
        self._max_words = max_words
        self.model = model
        self._embed_query = embed_query
        self.reader = QuestionReader()

    def decide(self, question: str, hits: list[Hit], speller: SpellingCorrector) -> Plan:
        """Whether ``hits`` answer ``question`` (every answerer asks this first), and the ranked
        sentences, led by the one of the top :data:`RERANK` most likely to address the question."""
        info = self.reader.analyse(question, speller)
        if info.missing_names:
            message = f"The articles do not cover this: none of them mentions {', '.join(info.missing_names)}."
            return Plan(Decision(False, 0.0, "unknown_name", message), [], info)
        if not hits or max(h.dense for h in hits) < self._threshold:
            return Plan(Decision(False, 0.0, "low_similarity", "The articles do not cover this question."), [], info)
        ranked, idf, recency = self._score(info, hits)
        if not ranked or ranked[0].score <= 0:
            return Plan(Decision(False, 0.0, "not_addressed", NOT_ADDRESSED), [], info)
        # The best-scored sentence is often next to the one that answers: of the top few, the one
        # most likely to address the question leads the answer.
        question = info.corrected  # "What did Witkof say?" asks about Witkoff
        focus = _without_names(question, info)
        focus_vector = self._embed_query(focus) if focus != question else None
        decisions = []
        for rank, c in enumerate(ranked[:RERANK]):
            window = self._window(c, info, focus_vector, ranked[0].score)
            decision = self.model.decide(window_features(info, window, idf, self.reader.stem_word, question))
            c.confidence, c.features = decision.confidence, decision.features
            newer = W_RECENT * recency.get(c.hit.date or "", 0.0)  # "latest…": the newest that answers
            decisions.append((decision.confidence + newer, -rank, decision, c))
        _, _, decision, lead = max(decisions, key=lambda d: d[:2])
        ranked.remove(lead)
        return Plan(decision, [lead, *ranked], info)

    def answer(self, question: str, hits: list[Hit], speller: SpellingCorrector) -> ExtractiveResult:
        """Answer from ``hits``, or refuse with the reason."""
        plan = self.decide(question, hits, speller)
        if not plan.decision.answerable:
            return _refusal(plan.decision)
        result = self._compose(self._select(plan.ranked, plan.info), plan.info)
        result.decision = plan.decision
        return result

    def _score(self, info: QuestionInfo, hits: list[Hit]) -> tuple[list[Candidate], dict[str, float], dict[str, float]]:
        by_key: dict[tuple[str, int], Candidate] = {}
        for hit in hits:
            for i, sentence in enumerate(hit.sentences):
                key = (hit.source, sentence.start)
                if key in by_key:  # the same sentence in two overlapping chunks: keep the one with
                    if i > by_key[key].index:  # more before it ("Thus, …" needs its reason)
                        by_key[key] = Candidate(hit, i, 0.0, by_key[key].stems)
                    continue
                text = hit.text[sentence.chunk_start : sentence.chunk_end]
                if len(text.split()) < 4 or is_heading(text):
                    continue  # headlines and fragments answer nothing on their own
                if not (is_full_sentence(text) or BULLET.match(text) or text.rstrip().endswith(":")):
                    continue
                by_key[key] = Candidate(hit, i, 0.0, frozenset(self.reader.stems(text)))
        pool = list(by_key.values())
        if not pool:
            return [], {}, {}
        df = Counter(s for c in pool for s in c.stems)
        idf = {t: math.log(1 + len(pool) / (1 + df.get(t, 0))) for t in set(info.terms)}
        total = sum(idf.values()) or 1.0
        name_stems = [self.reader.stem_word(n) for n in info.names]
        chunk_stems: dict[str, frozenset[str]] = {}
        # "What is the latest…": the newest article's sentences first (undated ones last).
        dates = sorted({h.date for h in hits if h.date}, reverse=True)
        recency = {d: 1 - i / max(1, len(dates)) for i, d in enumerate(dates)} if info.wants_recent else {}
        for c in pool:
            text = raw_text(c.hit, c.index)
            lexical = sum(w for t, w in idf.items() if t in c.stems) / total
            context = self._stems_at(c.hit, c.index - 1)
            if c.hit.chunk_id not in chunk_stems:  # once per chunk, not once per sentence
                chunk_stems[c.hit.chunk_id] = frozenset(self.reader.stems(c.hit.text))
            names = _name_score(name_stems, c.stems | context, chunk_stems[c.hit.chunk_id])
            bonus = 0.0
            if (
                (info.kind is QuestionType.number and NUMBER.search(text))
                or (info.kind is QuestionType.date and DATE.search(text))
                or (info.kind is QuestionType.place and PLACE.search(text))
                or (info.kind is QuestionType.reason and REASON.search(text))
            ):
                bonus = 0.25
            elif info.kind is QuestionType.quote:
                bonus = quote_bonus(text, info.names)
            bonus *= min(1.0, lexical / 0.4)  # a number is only an answer in a relevant sentence
            penalty = 0.2 if text.rstrip().endswith(":") else 0.0
            c.score = (
                W_LEXICAL * lexical
                + W_NAMES * names
                + bonus
                + W_PASSAGE * c.hit.dense
                + W_SENTENCE * c.hit.sentence_cosine(c.index)
                + W_RECENT * recency.get(c.hit.date or "", 0.0)
                - penalty
            )
        pool.sort(key=lambda c: c.score, reverse=True)
        return pool, idf, recency

    def _stems_at(self, hit: Hit, index: int) -> frozenset[str]:
        if not 0 <= index < len(hit.sentences):
            return frozenset()
        return frozenset(self.reader.stems(raw_text(hit, index)))

    def _window(self, c: Candidate, info: QuestionInfo, focus_vector: np.ndarray | None, best: float) -> Window:
        """A sentence with its neighbours, and its similarity to the question and to its focus."""
        hit = c.hit
        indexes = [i for i in (c.index - 1, c.index, c.index + 1) if 0 <= i < len(hit.sentences)]
        stems = frozenset().union(*(self._stems_at(hit, i) for i in indexes))
        sentence_cosine = hit.sentence_cosine(c.index)
        window_cosine = max(hit.sentence_cosine(i) for i in indexes)
        focus_cosine = hit.sentence_cosine(c.index, focus_vector) if focus_vector is not None else sentence_cosine
        text = " ".join(raw_text(hit, i) for i in indexes)
        return Window(
            text,
            raw_text(hit, c.index),
            stems,
            c.stems,
            sentence_cosine,
            window_cosine,
            focus_cosine,
            hit.dense,
            max(0.0, c.score) / best if best > 0 else 0.0,
        )

    def _select(self, ranked: list[Candidate], info: QuestionInfo) -> list[Candidate]:
        """The lead sentence, then others the answerability model rates nearly as likely to answer
        (and above its threshold), as long as the answer stays short; for an overview question,
        those the model rates at least :data:`BROAD_RATIO` of the lead."""
        lead = ranked[0]
        ratio = BROAD_RATIO if info.broad else KEEP_RATIO
        floor = max(self.model.threshold, ratio * (lead.confidence or 0.0))
        others = [c for c in ranked[1:] if c.confidence is not None and c.confidence >= floor]
        others.sort(key=lambda c: c.confidence or 0.0, reverse=True)
        chosen: list[Candidate] = [lead]
        words = len(raw_text(lead.hit, lead.index).split())
        for c in others:
            if len(chosen) == self._max:
                break
            if any(_jaccard(c.stems, o.stems) > 0.5 for o in chosen):
                continue
            length = len(raw_text(c.hit, c.index).split())
            if words + length > self._max_words:
                continue
            chosen.append(c)
            words += length
        return chosen

    def _extent(self, c: Candidate, info: QuestionInfo) -> tuple[int, int]:
        """First and last sentence to quote for ``c``: itself, plus what completes it."""
        hit, first, last = c.hit, c.index, c.index
        text = sentence_text(hit, c.index)
        if BULLET.match(raw_text(hit, c.index)):  # a list item: quote the list with its "X argued:" line
            header = c.index
            while header > 0 and c.index - header < 4 and BULLET.match(raw_text(hit, header)):
                header -= 1
            if sentence_text(hit, header).endswith(":"):
                c = Candidate(hit, header, c.score, c.stems)
                text = sentence_text(hit, header)
                first = last = header
        needs_context = PRONOUN_START.match(text) or CONSEQUENCE_START.match(text) or BULLET.match(text)
        if c.index > 0 and needs_context and is_full_sentence(sentence_text(hit, c.index - 1)):
            first = c.index - 1  # "He said..." needs the sentence that says who he is
        following = sentence_text(hit, last + 1) if last + 1 < len(hit.sentences) else ""
        if text.endswith(":"):  # "Analysts report:" is answered by the list or quotation under it
            while (
                last + 1 < len(hit.sentences)
                and last - c.index < 4
                and (BULLET.match(raw_text(hit, last + 1)) or (last == c.index and QUOTE_MARK.match(following)))
            ):
                last += 1
        elif following and (
            CONSEQUENCE_START.match(following)  # "... would escalate. Thus, Trump canceled the package."
            or info.asks_sequel  # "What happened after X?" is answered by what follows X
            or (info.kind is QuestionType.quote and continues_quote(text, following, info.names))
            or (info.kind is QuestionType.reason and not REASON.search(text) and REASON.search(following))
        ):
            last += 1
            while last + 1 < len(hit.sentences) and CONSEQUENCE_START.match(sentence_text(hit, last + 1)):
                last += 1  # "...warned of an escalation. Thus, Trump canceled the package."
        return first, last

    def _compose(self, chosen: list[Candidate], info: QuestionInfo) -> ExtractiveResult:
        # Citation order follows the answer: sources by their best sentence, then file order; from
        # several articles, the newest first (undated last), each with its date.
        source_rank: dict[str, int] = {}
        for c in chosen:
            source_rank.setdefault(c.hit.source, len(source_rank))
        dated = len(source_rank) > 1
        if dated:
            when = {c.hit.source: c.hit.date or "" for c in chosen}
            ordered = sorted(source_rank, key=lambda s: (newest_first(when[s] or None), source_rank[s]))
            source_rank = {s: i for i, s in enumerate(ordered)}
        chosen.sort(key=lambda c: (source_rank[c.hit.source], c.hit.sentences[c.index].start))
        parts: list[str] = []
        citations: list[Citation] = []
        for c in chosen:
            first, last = self._extent(c, info)
            start = c.hit.sentences[first].start
            end = c.hit.sentences[last].end
            original = self._originals.get(c.hit.source, c.hit.sha16)
            if original is None:
                continue  # cannot quote a file that changed since indexing
            if any(cit.source == c.hit.source and cit.start < end and start < cit.end for cit in citations):
                continue  # already quoted as part of another citation
            n = len(citations) + 1
            display = marked_display([sentence_text(c.hit, i) for i in range(first, last + 1)], n)
            if dated:  # the date after the citation's last marker
                at = display.rindex(f"[{n}]") + len(f"[{n}]")
                display = f"{display[:at]} {date_note(c.hit.date)}{display[at:]}"
            if parts and len(" ".join([*parts, display]).split()) > self._max_words:
                continue  # the lead always stands; what follows must keep the answer short
            parts.append(display)
            citations.append(
                cite(
                    original,
                    c.hit.source,
                    start,
                    end,
                    id=n,
                    score=round(c.score, 4),
                    title=c.hit.title,
                    date=c.hit.date,
                )
            )
        if not citations:
            return _refusal(Decision(False, 0.0, "not_addressed", "The articles do not cover this question."))
        return ExtractiveResult(" ".join(parts), citations, False)


def _without_names(question: str, info: QuestionInfo) -> str:
    """The question with the names it asks about taken out: what it asks about them."""
    words = [w for n in info.names for w in n.split()]
    if not words:
        return question
    pattern = r"\b(" + "|".join(re.escape(w) for w in words) + r")(?:[’']s)?\b"
    return " ".join(re.sub(pattern, " ", question, flags=re.I).split())


def _refusal(decision: Decision) -> ExtractiveResult:
    return ExtractiveResult(decision.message or NOT_ADDRESSED, [], True, decision)


def _name_score(name_stems: list[str], sentence: frozenset[str], chunk: frozenset[str]) -> float:
    """Share of the asked-about names in the sentence (or the one before it); half credit
    for a name that is only elsewhere in the chunk (the paragraph is about them)."""
    if not name_stems:
        return 0.0
    return sum(1.0 if n in sentence else 0.5 if n in chunk else 0.0 for n in name_stems) / len(name_stems)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
