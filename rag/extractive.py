"""The offline answerer: picks the sentences that answer the question and cites them.

Sentences of the retrieved chunks are scored against the question: weighted word
overlap (stemmed, IDF over the candidates), the names the question asks about, a
bonus when a sentence holds what the question type asks for (a number for "how
many", a date for "when", a quotation for "what did X say"), and the chunk's dense
similarity. A sentence that starts with a pronoun brings the sentence before it.
It abstains, instead of guessing, when a name in the question appears nowhere in the
corpus, or when the best passage is less similar to the question than a threshold
calibrated on in- and out-of-corpus questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum

import Stemmer

from rag.contract import Citation
from rag.quotes import OriginalTexts
from rag.retrieval import Hit, SpellingCorrector

_WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)
_STOP = frozenset(
    """
    a an the and or but if of to in on at by for with from about as into over after before between during is
    are was were be been being am do does did done doing have has had having will would shall should can could
    may might must this that these those it its it's he she they them his her their there here what which who
    whom whose when where why how whats i me my we us our you your not no yes so than then too very just also
    any all some such more most other s t say said says tell told according article articles news report
    reported
    """.split()
)
# "It" is left out: in news prose it is mostly "It has been revealed that ...".
_PRONOUN_START = re.compile(r"^\W*(he|she|they|this|that|these|those|his|her|their|its|such|the two)\b", re.I)
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|several|multiple|"
    r"an? (hour|minute|day|week|month|year)|hours|minutes|days|weeks|months|years)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (week|month|year)|"
    r"this (week|month|year)|(19|20)\d{2})\b",
    re.I,
)
_PLACE = re.compile(r"\b(in|at|near|to|from)\s+(the\s+)?[A-Z][a-z]+")
_MONTH_ABBREVIATIONS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
_QUOTE_MARK = re.compile(r"[“”\"‘’]")
_SPEECH_VERBS = r"(said|says|told|tells|wrote|writes|added|argued|warned|claimed|stated|admitted|recalled|urged)"
_SPEECH = re.compile(rf"\b{_SPEECH_VERBS}\b", re.I)
_CONSEQUENCE_START = re.compile(r"^\W*(thus|therefore|so|as a result|consequently|hence)\b", re.I)
_CALENDAR = frozenset(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday
    """.split()
)
_QUESTION_WORDS = frozenset(
    """
    what who whom whose which when where why how did does do is are was were can could
    """.split()
)


class QuestionType(str, Enum):
    """What kind of answer the question asks for."""

    number = "number"
    date = "date"
    quote = "quote"
    place = "place"
    other = "other"


@dataclass
class QuestionInfo:
    """The parts of a question the scorer uses."""

    terms: list[str]
    names: list[str]  # corpus spellings of the capitalised names in the question
    missing_names: list[str]  # names the corpus never uses
    kind: QuestionType


@dataclass
class Candidate:
    """A sentence of a hit, scored."""

    hit: Hit
    index: int
    score: float
    stems: frozenset[str]


@dataclass
class ExtractiveResult:
    """The answer text, its citations, or the reason it abstained."""

    answer: str
    citations: list[Citation]
    abstained: bool


def question_type(question: str) -> QuestionType:
    """Classify by the question's wording."""
    q = question.lower()
    if re.search(r"\bhow (many|much)\b|\bnumber of\b|\bhow long\b", q):
        return QuestionType.number
    if re.search(r"\bwhen\b|\bwhat (date|day|month|year)\b|\bwhich (date|day|month|year)\b", q):
        return QuestionType.date
    if re.search(r"\bwhere\b|\bwhich (city|country|town|village|place)\b", q):
        return QuestionType.place
    if re.search(r"\b(say|said|says|tell|told|quote|quoted|claim|claimed|describe|described|call|called|warn)\b", q):
        return QuestionType.quote
    return QuestionType.other


class ExtractiveAnswerer:
    """Builds short cited answers from retrieved chunks; no model, no network."""

    def __init__(self, originals: OriginalTexts, abstain_threshold: float, max_sentences: int):
        self._originals = originals
        self._threshold = abstain_threshold
        self._max = max_sentences
        self._stemmer = Stemmer.Stemmer("english")

    def stems(self, text: str) -> list[str]:
        """Stemmed content words of ``text``."""
        words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
        words = [w[:-2] if w.endswith("'s") else w for w in words]
        words = [_MONTH_ABBREVIATIONS.get(w, w) for w in words]  # "Aug. 15" answers "in August"
        return self._stemmer.stemWords([w for w in words if w not in _STOP and len(w) > 1])

    def analyse(self, question: str, speller: SpellingCorrector) -> QuestionInfo:
        """Content terms, names and type of a question."""
        names: list[str] = []
        missing: list[str] = []
        phrase: list[str] = []  # consecutive capitalised words: "World Cup" is one name
        phrase_missing = False

        def close_phrase() -> None:
            nonlocal phrase, phrase_missing
            if phrase and phrase_missing:
                missing.append(" ".join(phrase))
            phrase, phrase_missing = [], False

        for i, word in enumerate(_WORD.findall(question)):
            bare = re.sub(r"[’']s$", "", word)
            lower = bare.lower()
            # The first word is capitalised by grammar, not because it is a name.
            is_name = (bare[:1].isupper() and i > 0) or (len(bare) > 1 and bare.isupper())
            is_name = is_name and not (lower in _STOP or lower in _QUESTION_WORDS or lower in _CALENDAR)
            if not is_name:
                close_phrase()
                if word.isalpha() and lower not in _STOP and speller.unknown(lower):
                    missing.append(word)  # "what did macron say": a name typed in lower case
                continue
            phrase.append(bare)
            if len(bare) < 3:
                continue
            match = speller.closest(bare)
            if match:
                names.append(match)
            else:
                phrase_missing = True
        close_phrase()
        corrected = speller.correct(question)
        return QuestionInfo(self.stems(corrected), names, missing, question_type(question))

    def gate(self, info: QuestionInfo, hits: list[Hit]) -> str | None:
        """Why the articles cannot answer this (a name they never mention, nothing similar enough), or ``None``.

        Every answerer, the LLM included, goes through this before answering.
        """
        if info.missing_names:
            return f"The articles do not cover this: none of them mentions {', '.join(info.missing_names)}."
        if not hits or max(h.dense for h in hits) < self._threshold:
            return "The articles do not cover this question."
        return None

    def answer(self, question: str, hits: list[Hit], speller: SpellingCorrector) -> ExtractiveResult:
        """Answer from ``hits``, or abstain with the reason."""
        info = self.analyse(question, speller)
        refusal = self.gate(info, hits)
        if refusal:
            return _abstain(refusal)
        candidates = self._score(info, hits)
        if not candidates or candidates[0].score <= 0:
            return _abstain("The articles do not cover this question.")
        return self._compose(self._select(candidates))

    def _score(self, info: QuestionInfo, hits: list[Hit]) -> list[Candidate]:
        pool: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            for i, sentence in enumerate(hit.sentences):
                key = (hit.source, sentence.start)
                if key in seen:  # the same sentence in two overlapping chunks
                    continue
                seen.add(key)
                text = hit.text[sentence.chunk_start : sentence.chunk_end]
                if len(text.split()) < 4 or not (_is_full_sentence(text) or _BULLET.match(text) or text.endswith(":")):
                    continue  # headlines and fragments answer nothing on their own
                pool.append(Candidate(hit, i, 0.0, frozenset(self.stems(text))))
        if not pool:
            return []
        df = Counter(s for c in pool for s in c.stems)
        idf = {t: math.log(1 + len(pool) / (1 + df.get(t, 0))) for t in set(info.terms)}
        total = sum(idf.values()) or 1.0
        name_stems = [self._stemmer.stemWord(n) for n in info.names]
        chunk_stems: dict[str, frozenset[str]] = {}
        for c in pool:
            text = c.hit.text[c.hit.sentences[c.index].chunk_start : c.hit.sentences[c.index].chunk_end]
            lexical = sum(w for t, w in idf.items() if t in c.stems) / total
            context = self._context_stems(c)
            if c.hit.chunk_id not in chunk_stems:  # once per chunk, not once per sentence
                chunk_stems[c.hit.chunk_id] = frozenset(self.stems(c.hit.text))
            names = _name_score(name_stems, c.stems | context, chunk_stems[c.hit.chunk_id])
            bonus = 0.0
            if (
                (info.kind is QuestionType.number and _NUMBER.search(text))
                or (info.kind is QuestionType.date and _DATE.search(text))
                or (info.kind is QuestionType.place and _PLACE.search(text))
            ):
                bonus = 0.25
            elif info.kind is QuestionType.quote:
                bonus = self._quote_bonus(text, info.names)
            bonus *= min(1.0, lexical / 0.4)  # a number is only an answer in a relevant sentence
            penalty = 0.2 if text.rstrip().endswith(":") else 0.0
            c.score = 0.5 * lexical + 0.3 * names + bonus + 0.3 * c.hit.dense - penalty
        pool.sort(key=lambda c: c.score, reverse=True)
        return pool

    @staticmethod
    def _quote_bonus(text: str, names: list[str]) -> float:
        """A quotation attributed to a name of the question scores highest."""
        for name in names:
            who = re.escape(name)
            near = rf"\b{who}\w*\W+(?:\w+\W+){{0,2}}{_SPEECH_VERBS}\b|\b{_SPEECH_VERBS}\W+(?:\w+\W+){{0,2}}{who}"
            if re.search(near, text, re.I):
                return 0.4 if _QUOTE_MARK.search(text) else 0.3
        if _QUOTE_MARK.search(text) and _SPEECH.search(text):
            return 0.1
        return 0.0

    def _context_stems(self, c: Candidate) -> frozenset[str]:
        if c.index == 0:
            return frozenset()
        prev = c.hit.sentences[c.index - 1]
        return frozenset(self.stems(c.hit.text[prev.chunk_start : prev.chunk_end]))

    def _select(self, ranked: list[Candidate]) -> list[Candidate]:
        best = ranked[0].score
        chosen: list[Candidate] = []
        for c in ranked:
            if len(chosen) == self._max or c.score < 0.75 * best:
                break
            if any(_jaccard(c.stems, o.stems) > 0.5 for o in chosen):
                continue
            chosen.append(c)
        return chosen

    def _compose(self, chosen: list[Candidate]) -> ExtractiveResult:
        # Citation order follows the answer: sources by their best sentence, then file order.
        source_rank: dict[str, int] = {}
        for c in chosen:
            source_rank.setdefault(c.hit.source, len(source_rank))
        chosen.sort(key=lambda c: (source_rank[c.hit.source], c.hit.sentences[c.index].start))
        parts: list[str] = []
        citations: list[Citation] = []
        for c in chosen:
            first = c.index
            text = _sentence_text(c.hit, c.index)
            needs_context = _PRONOUN_START.match(text) or _CONSEQUENCE_START.match(text) or _BULLET.match(text)
            if c.index > 0 and needs_context and _is_full_sentence(_sentence_text(c.hit, c.index - 1)):
                first = c.index - 1  # "He said..." needs the sentence that says who he is
            last = c.index
            if text.endswith(":"):  # "Analysts report:" is answered by the list under it
                while (
                    last + 1 < len(c.hit.sentences)
                    and last - c.index < 4
                    and _BULLET.match(c.hit.text[c.hit.sentences[last + 1].chunk_start :])
                ):
                    last += 1
            elif last + 1 < len(c.hit.sentences) and _CONSEQUENCE_START.match(_sentence_text(c.hit, last + 1)):
                last += 1  # "... would escalate. Thus, Trump canceled the package." belongs together
            start = c.hit.sentences[first].start
            end = c.hit.sentences[last].end
            original = self._originals.get(c.hit.source, c.hit.sha16)
            if original is None:
                continue  # cannot quote a file that changed since indexing
            if any(cit.source == c.hit.source and cit.start < end and start < cit.end for cit in citations):
                continue  # already quoted as part of another citation
            n = len(citations) + 1
            parts.append(_marked_display([_sentence_text(c.hit, i) for i in range(first, last + 1)], n))
            citations.append(
                Citation(
                    id=n,
                    source=c.hit.source,
                    start=start,
                    end=end,
                    quote=original[start:end],
                    score=round(c.score, 4),
                    title=c.hit.title,
                    date=c.hit.date,
                )
            )
        if not citations:
            return _abstain("The articles do not cover this question.")
        return ExtractiveResult(" ".join(parts), citations, False)


def _abstain(message: str) -> ExtractiveResult:
    return ExtractiveResult(message, [], True)


def _name_score(name_stems: list[str], sentence: frozenset[str], chunk: frozenset[str]) -> float:
    """Share of the asked-about names in the sentence (or the one before it); half credit
    for a name that is only elsewhere in the chunk (the paragraph is about them)."""
    if not name_stems:
        return 0.0
    return sum(1.0 if n in sentence else 0.5 if n in chunk else 0.0 for n in name_stems) / len(name_stems)


def _is_full_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", "”", '"', "’")) and len(text.split()) >= 4


def _marked_display(sentences: list[str], n: int) -> str:
    """Sentences for display, each carrying ``[n]`` (every claim cites its passage);
    list items after an intro line become one sentence "intro a; b; c [n]."."""
    if len(sentences) > 1 and sentences[0].endswith(":"):
        items = [s.rstrip(".;") for s in sentences[1:]]
        return _with_marker(f"{sentences[0]} {'; '.join(items)}.", n)
    return " ".join(_with_marker(s, n) for s in sentences)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _sentence_text(hit: Hit, index: int) -> str:
    s = hit.sentences[index]
    text = " ".join(hit.text[s.chunk_start : s.chunk_end].split())
    return _BULLET.sub("", text)


def _with_marker(text: str, n: int) -> str:
    """Put ``[n]`` before the final full stop, or after a closing quotation mark."""
    text = text.rstrip()
    if text.endswith((".", "!", "?")) and text[-2:-1] not in ("”", '"', "’"):
        return f"{text[:-1]} [{n}]{text[-1]}"
    if text.endswith((":", ";", ",")):
        text = text[:-1]
    return f"{text} [{n}]" + ("" if text.endswith((".", "!", "?", "”", '"', "’")) else ".")
