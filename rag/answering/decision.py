"""The decide stage: can the retrieved passages answer the question, and with which sentence?

Every answerer asks this first, the LLM included (the LLM is never asked what the articles
cannot answer), so it lives here and imports neither answerer.

Sentences of the retrieved chunks are scored against the read question: weighted word
overlap (stemmed, IDF over the candidates), the names the question asks about, a bonus when
a sentence holds what the question type asks for (a number for "how many", a date for
"when", a quotation by the person asked about) and the chunk's dense similarity. The best
:data:`RERANK` by that score plus the sentence's own similarity (its vector is stored at
ingest) are each put to :mod:`rag.answering.answerability`; the one most likely to address the
question leads (or the answer reader's choice among the likeliest few), and below the model's
threshold the question is refused as ``not_addressed``. A name the corpus
never uses (``unknown_name``) or no passage similar enough (``low_similarity``) refuses first.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rag.answering.answerability import Window, window_features
from rag.answering.condensing import mentioned_names
from rag.answering.hit_sentences import is_full_sentence, is_heading, list_header, quote_bonus, raw_text
from rag.answering.hits import Hit
from rag.answering.question import QuestionInfo, QuestionType, ReadQuestion
from rag.components.answerability_model import NOT_ADDRESSED, AnswerabilityModel, Decision
from rag.components.reader import AnswerReader
from rag.language import BULLET, DATE, NUMBER, PLACE, REASON, content_stems
from rag.text import stem

# Weights of the sentence score, tuned on the golden suite's dev split. The sentence's own cosine
# is not in it: it helped the answerability decision but not the ranking (key facts 0.77 at weight
# 0 vs 0.72 at 0.4), and the answerability model reads this score as it was fitted.
W_LEXICAL, W_NAMES, W_PASSAGE = 0.5, 0.3, 0.3
# Which sentences become the :data:`RERANK` candidates: the score plus this weight of the
# sentence's own cosine, so paraphrases get in (on dev a key-fact sentence is among the twelve for
# 69 of 75 answerable questions at 2.0, 65 at 0; dev key facts / right refusals 0.820/0.924 at 0,
# 0.833/0.933 at 1, 0.847/0.933 at 2, 0.847/0.943 at 3). Only the choice of candidates: the score
# the answerability model reads stays the one it was fitted on (weighing the cosine in the score
# itself shifted its probabilities and answered questions it had refused). 2.0, not 3.0: the
# shipped reader was adapted on the candidates chosen at 2.0 (`make train-reader` reproduces it).
W_SELECT_COSINE = 2.0
W_RECENT = 0.2  # for "latest"/"most recent" questions only
RERANK = 12  # candidates put to the answerability model
# The trained reader chooses the lead among the candidates whose answerability probability is at
# least this share of the best one's; under this margin of its probability between the lead and
# the next, the answer gives both and says it is unsure. Both fitted on the golden dev split with
# out-of-fold reader scores (`python -m evals.calibrate --reader-grid`): dev key facts 0.807 by the
# model's lead alone, 0.847 by the reader's, 0.860 with the runner-up under 0.05 to 0.2 (0.793, 0.833,
# 0.847 before the nearest sentences' chunks were read); 0.1, as then the lead or the runner-up
# held a key fact for 56 of 75, not 55.
READER_POOL = 0.0
UNSURE_MARGIN = 0.1
# The reader reads at most the model's best few (~9 ms a sentence on one core): on questions nobody
# tuned for, the best three held a key fact for 65 of the 69 whose twelve did (issue 26).
READER_TOP = 4
# When the model prefers its lead by this much probability over the next candidate, the reader is
# not run: out of fold on dev it changed no key fact there (56 of 75 held by the lead or the
# runner-up either way, the reader run on 46 answered questions instead of 63).
READER_SKIP_MARGIN = 0.5


@dataclass
class Candidate:
    """A sentence of a hit, scored."""

    hit: Hit
    index: int
    score: float
    stems: frozenset[str]
    before_stems: frozenset[str] = frozenset()  # of the sentence before it (set when scored)
    confidence: float | None = None  # the answerability model's, for the top few
    features: dict[str, float] | None = None  # what that was computed from
    reader: float | None = None  # the trained reader's probability that it is the sentence that answers


@dataclass
class Plan:
    """The decision on a question, its ranked sentences (the lead first) and how it was read."""

    decision: Decision
    ranked: list[Candidate]
    info: QuestionInfo
    runner_up: Candidate | None = None  # as likely to answer as the lead, by the reader: the answer gives both


class Decider:
    """Rates the candidate sentences of a question's hits and decides whether to answer."""

    def __init__(
        self,
        model: AnswerabilityModel,
        abstain_threshold: float,
        embed_query: Callable[[str], np.ndarray],
        reader: Callable[[], AnswerReader | None] = lambda: None,
    ):
        """``reader`` gives the answer reader (or ``None``), waiting for it if it is still loading."""
        self.model = model
        self._threshold = abstain_threshold
        self._embed_query = embed_query
        self._reader = reader

    def decide(self, question: ReadQuestion, hits: list[Hit]) -> Plan:
        """Whether ``hits`` answer ``question`` (every answerer asks this first), and the ranked
        sentences, led by the one of the top :data:`RERANK` most likely to address the question."""
        info = question.info
        if info.missing_names:
            message = f"The articles do not cover this: none of them mentions {', '.join(info.missing_names)}."
            return Plan(Decision(False, 0.0, "unknown_name", message), [], info)
        # The similarity gate (a cosine fitted on one corpus) refuses before the decision, except a
        # question every word of which the passages hold: that one the decision refuses, saying what
        # is missing (issue 26). Articles whose names the embedder never saw score low cosines.
        if self.dissimilar(hits) and not _words_all_in(info, hits):
            return Plan(Decision(False, 0.0, "low_similarity", "The articles do not cover this question."), [], info)
        ranked, idf, recency = self._score(info, hits)
        if question.said_before:  # "Who else reacted?": not what the previous answer quoted
            said = _unmarked(question.said_before)
            ranked = [c for c in ranked if not _said(c, said)]
        best = max((c.score for c in ranked), default=0.0)
        if best <= 0:
            return Plan(Decision(False, 0.0, "not_addressed", NOT_ADDRESSED), [], info)
        # The best-scored sentence is often next to the one that answers: of the top few, the one
        # most likely to address the question leads the answer.
        corrected = info.corrected  # "What did Witkof say?" asks about Witkoff
        focus = _without_names(corrected, info)
        focus_vector = self._embed_query(focus) if focus != corrected else None
        decisions = []
        for rank, c in enumerate(ranked[:RERANK]):
            window = self._window(c, info, focus_vector, best)
            decision = self.model.decide(window_features(info, window, idf, stem, corrected))
            c.confidence, c.features = decision.confidence, decision.features
            newer = W_RECENT * recency.get(c.hit.date or "", 0.0)  # "latest…": the newest that answers
            decisions.append((decision.confidence + newer, -rank, decision, c))
        by_model = sorted(decisions, key=lambda d: d[:2], reverse=True)
        unspecific = self._unspecific_nearest(decisions)
        if unspecific is not None:  # "Which former official…?", and the sentence about it says "a former official"
            by_model.insert(0, unspecific)
        _, _, decision, lead = by_model[0]
        runner_up = None
        sure = len(by_model) > 1 and by_model[0][0] - by_model[1][0] >= READER_SKIP_MARGIN
        # An overview gathers (not read); the reader reads candidates the model rates above 0.
        read = decision.answerable and decision.confidence > 0 and not info.broad and not sure
        reader = self._reader() if read else None
        if reader is not None:
            lead, runner_up = _reader_choice(reader, info.kind.value, corrected, decisions, recency)
        ranked.remove(lead)
        return Plan(decision, [lead, *ranked], info, runner_up)

    def _unspecific_nearest(
        self, decisions: list[tuple[float, int, Decision, Candidate]]
    ) -> tuple[float, int, Decision, Candidate] | None:
        """A refusal led by the candidate the model rates highest once the ``specific`` check is left
        out, when that one gives what the question asks for only as an unnamed one ("a former
        official" for "Which former official…?"), an unsaid count ("multiple settlements") or a count
        of another place (issue 26): the sentence most about it does not say it, and any other that
        passes answers another question ("Which settlements…?" was answered with another article's
        village)."""
        nearest = max(decisions, key=lambda d: (self.model.probability({**d[2].features, "specific": 1.0}), d[1]))
        features = nearest[2].features
        if features.get("specific", 1.0):
            return None
        return (nearest[0], nearest[1], Decision(False, 0.0, "not_addressed", NOT_ADDRESSED, features), nearest[3])

    def dissimilar(self, hits: list[Hit]) -> bool:
        """No hit, or none whose dense cosine to the question reaches ``abstain_threshold``."""
        return not hits or max(h.dense for h in hits) < self._threshold

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
                by_key[key] = Candidate(hit, i, 0.0, frozenset(content_stems(text)))
        pool = list(by_key.values())
        if not pool:
            return [], {}, {}
        df = Counter(s for c in pool for s in c.stems)
        idf = {t: math.log(1 + len(pool) / (1 + df.get(t, 0))) for t in set(info.terms)}
        total = sum(idf.values()) or 1.0
        name_stems = [stem(n) for n in info.names]
        chunk_stems: dict[str, frozenset[str]] = {}
        # "What is the latest…": the newest article's sentences first (undated ones last).
        dates = sorted({h.date for h in hits if h.date}, reverse=True)
        recency = {d: 1 - i / max(1, len(dates)) for i, d in enumerate(dates)} if info.wants_recent else {}
        for c in pool:
            text = raw_text(c.hit, c.index)
            lexical = sum(w for t, w in idf.items() if t in c.stems) / total
            c.before_stems = self._stems_at(c.hit, c.index - 1)
            if c.hit.chunk_id not in chunk_stems:  # once per chunk, not once per sentence
                chunk_stems[c.hit.chunk_id] = frozenset(content_stems(c.hit.text))
            names = _name_score(name_stems, c.stems | c.before_stems, chunk_stems[c.hit.chunk_id])
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
                + W_RECENT * recency.get(c.hit.date or "", 0.0)
                - penalty
            )
        pool.sort(key=lambda c: c.score + W_SELECT_COSINE * c.hit.sentence_cosine(c.index), reverse=True)
        return pool, idf, recency

    def _stems_at(self, hit: Hit, index: int) -> frozenset[str]:
        if not 0 <= index < len(hit.sentences):
            return frozenset()
        return frozenset(content_stems(raw_text(hit, index)))

    def _window(self, c: Candidate, info: QuestionInfo, focus_vector: np.ndarray | None, best: float) -> Window:
        """A sentence with its neighbours, and its similarity to the question and to its focus."""
        hit = c.hit
        indexes = [i for i in (c.index - 1, c.index, c.index + 1) if 0 <= i < len(hit.sentences)]
        stems = frozenset().union(c.before_stems, c.stems, *(self._stems_at(hit, i) for i in indexes if i > c.index))
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
            c.before_stems,
            raw_text(hit, header) if (header := list_header(hit, c.index)) is not None else "",
        )


def _reader_choice(
    reader: AnswerReader,
    kind: str,
    question: str,
    decisions: list[tuple[float, int, Decision, Candidate]],
    recency: dict[str, float],
) -> tuple[Candidate, Candidate | None]:
    """The lead chosen by the reader among the candidates the answerability model leaves in
    (it has the type and speaker the question wants), and the runner-up when the reader
    hardly prefers the lead. Only those candidates are read (one batch)."""
    best = max(d[0] for d in decisions)
    pool = [d for d in decisions if d[2].confidence > 0 and d[0] >= READER_POOL * best]
    pool = sorted(pool, key=lambda d: d[:2], reverse=True)[:READER_TOP]  # ~9 ms a sentence on one core
    scores = reader.scores(kind, question, [_for_reader(d[3]) for d in pool])
    for d, p in zip(pool, 1.0 / (1.0 + np.exp(-scores))):  # the reader's probability that it answers
        d[3].reader = float(p)
    by_reader = sorted(
        pool,
        key=lambda d: ((d[3].reader or 0.0) + W_RECENT * recency.get(d[3].hit.date or "", 0.0), d[1]),
        reverse=True,
    )
    lead = by_reader[0][3]
    if len(by_reader) > 1 and (lead.reader or 0.0) - (by_reader[1][3].reader or 0.0) < UNSURE_MARGIN:
        return lead, by_reader[1][3]
    return lead, None


_OPENING = re.compile(r"^([^\w“”\"‘’']*)(he|she|it|they)\b", re.I)  # not a quotation's "it"


def _for_reader(c: Candidate) -> str:
    """The candidate as the reader reads it (:func:`with_antecedent`)."""
    text = raw_text(c.hit, c.index)
    return with_antecedent(text, raw_text(c.hit, c.index - 1)) if c.index > 0 else text


def with_antecedent(sentence: str, before: str) -> str:
    """``sentence`` with an opening "it"/"he"/"she"/"they" replaced by the first name of the
    sentence ``before`` it: "She slid on a wet bend." after "Soler had led by 41 seconds." reads
    "Soler slid on a wet bend." The reader scores one sentence and would not see who "she" is."""
    opening = _OPENING.match(sentence)
    if opening is None:
        return sentence
    names = mentioned_names(before)  # the names a follow-up's "she" could stand for, read the same way
    if not names:
        return sentence
    return f"{opening.group(1)}{names[0]}{sentence[opening.end() :]}"


def _unmarked(answer: str) -> str:
    """An answer without its ``[n]`` markers, whitespace runs made single."""
    return " ".join(re.sub(r"\s*\[\d+\]", "", answer).split())


def _said(c: Candidate, said: str) -> bool:
    """Whether an earlier answer quoted the candidate, or the line its list is under (a list item
    is quoted with its header, and the header's quote took in the list)."""
    header = list_header(c.hit, c.index)
    return any(_opening(raw_text(c.hit, i)) in said for i in (c.index, header) if i is not None)


def _opening(sentence: str) -> str:
    """A sentence's opening words: what an answer that quotes it holds."""
    return " ".join(sentence.split()[:8]).rstrip('.!?,;:”"')


_ASKING_STEMS = frozenset(stem(w) for w in ("many", "much"))


def _words_all_in(info: QuestionInfo, hits: list[Hit]) -> bool:
    """Whether the passages hold every name and content word the question asks with."""
    asked = set(info.focus) | {stem(part) for name in info.names for part in name.split()}
    asked -= _ASKING_STEMS  # "How many soldiers were encircled?" asks for a number, not the word
    held = {t for h in hits for t in content_stems(h.text)}
    return bool(asked) and asked <= held


def _without_names(question: str, info: QuestionInfo) -> str:
    """The question with the names it asks about taken out: what it asks about them."""
    words = [w for n in info.names for w in n.split()]
    if not words:
        return question
    pattern = r"\b(" + "|".join(re.escape(w) for w in words) + r")(?:[’']s)?\b"
    return " ".join(re.sub(pattern, " ", question, flags=re.I).split())


def _name_score(name_stems: list[str], sentence: frozenset[str], chunk: frozenset[str]) -> float:
    """Share of the asked-about names in the sentence (or the one before it); half credit
    for a name that is only elsewhere in the chunk (the paragraph is about them)."""
    if not name_stems:
        return 0.0
    return sum(1.0 if n in sentence else 0.5 if n in chunk else 0.0 for n in name_stems) / len(name_stems)
