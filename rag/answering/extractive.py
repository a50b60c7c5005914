"""The compose stage, offline: the answer quoted from the sentences the decision ranked.

The answer is the lead sentence, completed by a neighbour only when it needs one (the
sentence that says who "he" is, the quotation after "X told Y:", the reason in the next
sentence of a "why"), then other sentences only when the answerability model rates them
nearly as likely to answer as the lead (and above its threshold) and they fit in ``max_words``.
Each quoted span becomes a citation read from the original file (:func:`rag.answering.citations.cite`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answering.citations import OriginalTexts, cite
from rag.answering.decision import Candidate, Plan
from rag.answering.hit_sentences import (
    continues_quote,
    is_full_sentence,
    is_heading,
    list_header,
    marked_display,
    raw_text,
    sentence_text,
)
from rag.answering.question import QuestionInfo, QuestionType
from rag.components.answerability_model import NOT_ADDRESSED, Decision
from rag.contract import Citation, date_note, newest_first
from rag.language import BULLET, CONSEQUENCE_START, PRONOUN_START, QUOTE_MARK, REASON

# How close to the lead another sentence must be rated to join it. The fitting pool (dev, test3-6)
# has the same key facts (178.5 of 207) at 0.5, 0.6 and 0.7; 0.7 gives the shortest answers.
KEEP_RATIO = 0.7
# Overview questions ("What has X said…?") are answered by several sentences, which the model rates
# far below the lead (dev: 0.08-0.19 against 0.5-0.7). Measured on dev: 0.2 answers 2 more of them,
# 0.0-0.1 the same ones in longer answers; putting each article's best first lost a paraphrase case.
BROAD_RATIO = 0.2
UNSURE = "Not sure which of these answers it:"


@dataclass
class ExtractiveResult:
    """The answer text and its citations, or the refusal; and the decision behind it."""

    answer: str
    citations: list[Citation]
    abstained: bool
    decision: Decision | None = None


class ExtractiveAnswerer:
    """Composes short cited answers from a decision's ranked sentences; no model, no network."""

    def __init__(self, originals: OriginalTexts, max_sentences: int, answer_threshold: float, max_words: int = 100):
        self._originals = originals
        self._max = max_sentences
        self._max_words = max_words
        self._answer_threshold = answer_threshold

    def compose(self, plan: Plan) -> ExtractiveResult:
        """The answer to the decided question, or the refusal with its reason. A question whose
        subject the articles discuss but whose asked detail they lack is refused by naming what is
        missing, with the nearest passage cited as a source, not as an answer."""
        if not plan.decision.answerable:
            if plan.decision.reason == "not_addressed" and plan.ranked:
                return self._nearest(plan)
            return _refusal(plan.decision)
        chosen = self._select(plan.ranked, plan.info, plan.runner_up)
        result = self._compose(chosen, plan.info)
        if plan.runner_up is not None and len(result.citations) > 1 and not result.abstained:
            result.answer = f"{UNSURE} {result.answer}"  # the lead and the runner-up, each cited
        result.decision = plan.decision
        return result

    def _select(self, ranked: list[Candidate], info: QuestionInfo, runner_up: Candidate | None) -> list[Candidate]:
        """The lead sentence (and the runner-up, when the decision hardly prefers the lead), then
        others the answerability model rates nearly as likely to answer (and above its threshold),
        as long as the answer stays short; for an overview question, those the model rates at
        least :data:`BROAD_RATIO` of the lead."""
        lead = ranked[0]
        ratio = BROAD_RATIO if info.broad else KEEP_RATIO
        floor = max(self._answer_threshold, ratio * (lead.confidence or 0.0))
        others = [c for c in ranked[1:] if c.confidence is not None and c.confidence >= floor and c is not runner_up]
        others.sort(key=lambda c: c.confidence or 0.0, reverse=True)
        chosen: list[Candidate] = [lead]
        if runner_up is not None and _jaccard(runner_up.stems, lead.stems) <= 0.5:
            others.insert(0, runner_up)
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
        header = list_header(hit, c.index)
        if header is not None:  # a list item: quote the list with its "X argued:" line
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
                and not is_heading(raw_text(hit, last + 1))  # "• Undermining Western Unity" titles a section
            ):
                last += 1
            after = raw_text(hit, last + 1) if last > c.index and last + 1 < len(hit.sentences) else ""
            if after[:1].islower():  # "Moscow has used: - Business elites … to test narratives": the list
                last += 1  # broke a sentence, and its end says what the list is for
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
        """The answer: the lead (``chosen[0]``) always, then each other chosen sentence, in the
        order chosen, that keeps the answer within ``max_words`` once quoted with what completes it."""
        kept = chosen[:1]
        parts, citations = self._quote(kept, info)
        for c in chosen[1:]:
            tried = self._quote([*kept, c], info)
            if len(" ".join(tried[0]).split()) <= self._max_words:
                kept.append(c)
                parts, citations = tried
        if not citations:
            return _refusal(Decision(False, 0.0, "not_addressed", "The articles do not cover this question."))
        return ExtractiveResult(" ".join(parts), citations, False)

    def _quote(self, chosen: list[Candidate], info: QuestionInfo) -> tuple[list[str], list[Citation]]:
        """Each sentence with what completes it, marked and cited. Citation order follows the answer:
        sources by their best sentence, then file order; from several articles, the newest first
        (undated last), each with its date."""
        source_rank: dict[str, int] = {}
        for c in chosen:
            source_rank.setdefault(c.hit.source, len(source_rank))
        dated = len(source_rank) > 1
        if dated:
            when = {c.hit.source: c.hit.date or "" for c in chosen}
            ordered = sorted(source_rank, key=lambda s: (newest_first(when[s] or None), source_rank[s]))
            source_rank = {s: i for i, s in enumerate(ordered)}
        parts: list[str] = []
        citations: list[Citation] = []
        for c, first, last in self._extents(chosen, info, source_rank):
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
        return parts, citations

    def _extents(
        self, chosen: list[Candidate], info: QuestionInfo, source_rank: dict[str, int]
    ) -> list[tuple[Candidate, int, int]]:
        """Each chosen sentence with the first and last sentence to quote, in answer order. Two
        that overlap in one passage are quoted once, as their union: "She said the line would carry
        40,000 passengers" is quoted with the sentence that says who she is, and that sentence may
        itself be the runner-up."""
        extents: list[tuple[Candidate, int, int]] = []
        for c in sorted(chosen, key=lambda c: (source_rank[c.hit.source], c.hit.sentences[c.index].start)):
            first, last = self._extent(c, info)
            for k, (o, o_first, o_last) in enumerate(extents):
                if o.hit.chunk_id == c.hit.chunk_id and first <= o_last and o_first <= last:
                    extents[k] = (o, min(first, o_first), max(last, o_last))
                    break
            else:
                extents.append((c, first, last))
        return extents

    def _nearest(self, plan: Plan) -> ExtractiveResult:
        lead = plan.ranked[0]
        original = self._originals.get(lead.hit.source, lead.hit.sha16)
        if original is None:
            return _refusal(plan.decision)
        sentence = lead.hit.sentences[lead.index]
        citation = cite(
            original,
            lead.hit.source,
            sentence.start,
            sentence.end,
            id=1,
            score=0.0,
            title=lead.hit.title,
            date=lead.hit.date,
        )
        message = f"The articles do not say {missing_detail(plan.info.corrected)}; the nearest passage: [1]."
        return ExtractiveResult(message, [citation], True, plan.decision)


_INVERTED_BE = re.compile(r"^(what|which \w+|who|when|where|why|how \w+)\s+(is|are|was|were)\s+(.+)$", re.I)
_ARTICLE = r"(?:the|a|an|its|his|her|their)"  # an article or a possessive: a noun phrase begins
_DETERMINER = rf"(?:{_ARTICLE}|this|that|these|those)"
# The subject of a "how long/big/…" question with "be", then where or when ("the thieves" / "inside the
# building"). After "what" or "who" such a phrase is more often the noun's ("what the increase in fees was").
_PLACED = re.compile(
    rf"({_ARTICLE}\s+[\w’'-]+(?:\s+[\w’'-]+)?)\s+"
    r"((?:inside|in|at|on|during|after|before|near|outside|under|within|since|until)\b.+)$",
    re.I,
)
# "How many/much (<noun>) is <subject> <participle>…": the subject goes before "is" ("how much Stridely
# was fined"); "How many people were killed" (the noun is the subject) has no subject between.
# Case matters after "how": under re.I a "name" matched any words ("…were killed when Russia captured").
_COUNT_OF_SUBJECT = re.compile(
    r"^((?i:how) (?:many|much)(?:\s+.+?)?)\s+(is|are|was|were)\s+"
    rf"(it|he|she|they|{_DETERMINER}(?:\s+[\w’'-]+){{1,3}}|[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)\s+"
    r"(\w+(?:ed|ing|en)\b.*|(?:expected|likely|due|set|able)\b.*)$"
)
# A modal, then its subject (a pronoun or a capitalised name, "the" before it or not), then the verb:
# "What share of Ukraine's lithium would Techmet get", not "Who will lead…" (there "who" is the subject).
_MODAL_SUBJECT = re.compile(
    r"^((?:\s+[\w'’-]+){0,4}?)\s+(will|would|can|could|should)\s+"
    r"(he|she|they|it|we|(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
    # a subject in common words ends where "be" begins: "How big will the ground be after…"
    rf"|{_DETERMINER}(?:\s+[\w'’-]+){{1,4}}?(?=\s+be\b))\s+([a-z].*)$"
)
# "Which suburb will the new tram connect…": a subject in common words, whose end no pattern finds
_MODAL_BEFORE_SUBJECT = re.compile(rf"\b(?:will|would|can|could|should)\s+{_DETERMINER}\b")
_ASKS = re.compile(r"^(how many|how much|how long|how old|how far|what|which|who|whom|when|where|why|how)\b(.*)$", re.I)


# What a question turned around the wrong way reads like: a verb moved to after an article or a
# possessive ("…in the were canceled package", "Marren's can passenger boat…"), a verb still before
# its subject ("how much was the payout", "which carriers is Skylane hiring"), or "be" moved past a
# verb ("when Elena Ruiz elected mayor was"): patterns cannot find every subject's end, and a quoted
# question is never wrong.
_AUXILIARY = r"(?:is|are|was|were|will|would|can|could|should|did|does|do|has|have|had)"
_MISPLACED = re.compile(
    rf"\b(?:{_ARTICLE}|[\w-]+['’]s)\s+{_AUXILIARY}(?=\s|$)"
    rf"|\b{_AUXILIARY}\s+(?:{_ARTICLE}\b|(?-i:[A-Z]))"
    r"|\b[a-z]+ed\b.*\b(?:is|are|was|were)$",
    re.I,
)


def missing_detail(question: str) -> str:
    """What the question asks, as the object of "The articles do not say …": "how many civilians
    were killed in the drone attack", "what the population of Sergiyev Posad is", or the
    question itself in quotation marks when it cannot be turned around."""
    q = " ".join(question.split()).rstrip(" ?.")
    word, _, asked = q.partition("?")  # "When? How many were injured…": a follow-up made standalone
    if asked.strip():
        return f"{missing_detail(re.sub(r'(?i)^(?:and|so|but) ', '', word.strip()))} (asked of “{asked.strip()}?”)"
    said = _turned_around(q)
    return said if said is not None and not _MISPLACED.search(said) else f"the answer to “{q}?”"


def _turned_around(q: str) -> str | None:
    """``q`` in statement order by the patterns above, or ``None`` when none fits; a pattern that
    fits the wrong way garbles it, which :func:`missing_detail` checks for."""
    if named := re.match(r"(?i)name (?:the|all the) (.+)$", q):  # "Name the villages Russia seized"
        return f"the names of the {named.group(1)}"
    be = _INVERTED_BE.match(q)
    if be and not re.match(r"(?i)(how many|how much)\b", q):  # "What is X?" → "what X is"
        wh, verb, rest = be.group(1).lower(), be.group(2).lower(), be.group(3)
        if wh == "what" and re.match(r"the names? of\b", rest, re.I):  # "What is the name of the official who…"
            return rest
        if wh.startswith("which "):  # "Which Republicans are pressing…": statement order already
            return f"which {be.group(1).split(maxsplit=1)[1]} {verb} {rest}"
        passive = re.match(r"(.+)\s+(\w+(?:ed|en|wn)|born|held|made|built|found|set|sent)$", rest)
        # "When was the forum founded?" → "when the forum was founded" (not "…whose funeral was was held")
        if passive and not re.search(r"\b(is|are|was|were)$", passive.group(1)):
            return f"{wh} {passive.group(1)} {verb} {passive.group(2)}"
        # "How long were the thieves inside the building?" → "how long the thieves were inside the building"
        if wh.startswith("how ") and (placed := _PLACED.match(rest)):
            return f"{wh} {placed.group(1)} {verb} {placed.group(2)}"
        return f"{wh} {rest} {verb}"
    # "How many passengers a day is it expected to carry?" → "how many passengers a day it is expected…"
    if counted := _COUNT_OF_SUBJECT.match(q):
        asked_words, verb, subject, rest = counted.groups()
        return f"{asked_words[0].lower()}{asked_words[1:]} {subject} {verb.lower()} {rest}"
    asks = _ASKS.match(q)
    # after the noun of "what", "which" or "how many": "Which settlements did Russian forces capture…"
    noun = (
        r"(?:[\w'-]+\s+){0,3}?" if asks and asks.group(1).lower() in ("what", "which", "how many", "how much") else ""
    )
    if asks and (modal := _MODAL_SUBJECT.match(asks.group(2))):  # "when Zelensky will visit"
        lead, verb, subject, rest = modal.groups()
        return f"{asks.group(1).lower()}{lead} {subject} {verb} {rest}"
    auxiliary = r"(did|does|do|has|have|had|can|could|will|would|should)\b"
    aux = re.match(rf"\s*{noun}{auxiliary}", asks.group(2)) if asks else None
    asked = asks.group(1).lower() if asks else ""
    verb, after = (aux.group(1), asks.group(2)[aux.end() :]) if asks and aux else ("", "")
    # "Who will lead…", and "How many projects have actually been completed", "What has happened":
    # the asked words are the subject, so the question is in statement order already
    subject_question = (asked in ("who", "what", "which") and verb in ("will", "would", "can", "could", "should")) or (
        asked in ("who", "what", "which", "how many", "how much")
        and verb in ("has", "have", "had")
        and re.match(r"\s*(?:[a-z]+ly\s+)*(?:been|[a-z]+(?:ed|en|wn))\b", after) is not None
    )
    if asks and _MODAL_BEFORE_SUBJECT.search(asks.group(2)):
        return None
    if asks and (not aux or subject_question):  # "How many people were…", "Who will lead…": statement order
        return f"{asks.group(1).lower()}{asks.group(2)}"
    return None


def _refusal(decision: Decision) -> ExtractiveResult:
    return ExtractiveResult(decision.message or NOT_ADDRESSED, [], True, decision)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
