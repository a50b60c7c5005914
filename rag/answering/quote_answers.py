"""Answers to "What did X say?", "What did X tell Y?" and "Who said …?" from the quotes index.

Every statement by X across articles, newest article first, each as the verbatim sentence
that carries it (so the attribution is in the citation), the article's date after it, the
same statement carried by two articles once. "…about Z" keeps the statements that mention
Z. When the index has nothing that fits, ``None``: the question goes to the usual answerer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answering.citations import cite
from rag.answering.hit_sentences import with_marker_and_date
from rag.contract import Citation, date_note
from rag.indexing.statements import Statement
from rag.language import ROUTED_SPEECH_VERBS, content_stems
from rag.text import sentence_spans

_WHAT_DID = re.compile(
    rf"^\s*(?:and\s+)?what\s+(?:did|has|have|does|do)\s+(?P<who>.+?)\s+(?P<verb>{ROUTED_SPEECH_VERBS})"
    rf"(?:\s+(?P<to>(?!about\b)[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*))?(?:\s+(?:about|on|regarding)\s+(?P<about>.+?))?\s*\??\s*$",
    re.I,
)
_WHO_SAID = re.compile(rf"^\s*who\s+(?:{ROUTED_SPEECH_VERBS}|called\s+\w+)\s+(?:that\s+)?(?P<what>.+?)\s*\??\s*$", re.I)


@dataclass(frozen=True)
class ShownStatement:
    """A statement as every shell shows it (CLI, Quotes tab, API, answers)."""

    who: str  # "Vladimir Putin, as relayed by Donald Trump"
    words: str  # a quotation's own words, or for reported speech the sentence that reports it
    direct: bool  # only a direct quotation goes in quotation marks

    def line(self) -> str:
        """One line of text: “…” for the speaker's own words, "(reported)" and the sentence otherwise."""
        return f"{self.who}: “{self.words}”" if self.direct else f"{self.who} (reported): {self.words}"


def shown_statement(s: Statement, text: str | None) -> ShownStatement:
    """What to show of ``s``: a direct quotation's words, to be put in quotation marks; reported
    speech as the sentence says it (verb and all, so a fragment reads), never in quotation marks;
    a statement relayed by someone else says by whom. ``text``: the article's original text."""
    who = f"{s.speaker}, as relayed by {s.via}" if s.via else s.speaker
    if s.kind == "direct":
        return ShownStatement(who, " ".join(s.text.split()), True)
    sentence = text[s.context_start : s.context_end] if text else s.text
    return ShownStatement(who, " ".join(sentence.split()), False)


def asks_about_statements(question: str) -> bool:
    """Whether the question asks what someone said, or who said something."""
    return bool(_WHAT_DID.match(question) or _WHO_SAID.match(question))


def answer_from_statements(
    question: str,
    statements: Callable[[str | None], list[Statement]],
    read: Callable[[str], str | None],
    max_words: int,
) -> tuple[str, list[Citation]] | None:
    """The answer text with ``[n]`` markers and its citations, or ``None`` when the index has no fit.

    ``statements(speaker)`` queries the index; ``read(source)`` is the original file text
    (``None`` when it changed since it was indexed: such a statement is not quoted).
    """

    def sentence(s: Statement) -> set[str]:  # the statement with its attribution and the sentence
        text = read(s.source)  # before, which often says when ("On Oct. 17, Trump spoke with Putin.")
        return set(content_stems(text[_sentence_before(text, s.context_start) : s.context_end] if text else s.text))

    what_did = _WHAT_DID.match(question)
    if what_did:
        found = statements(what_did.group("who"))
        if what_did.group("to"):
            to = what_did.group("to").lower()
            found = [s for s in found if s.addressee and to in s.addressee.lower()]
        verb = what_did.group("verb").lower()
        if verb not in ("say", "said", "tell", "told"):  # "What did Trump admit…": what he admitted
            found = [s for s in found if s.verb.lower().startswith(verb[:4])]
        if what_did.group("about"):  # the statements that cover most of what it is about, best first
            about = set(content_stems(what_did.group("about")))
            scored = [(len(about & sentence(s)) / max(1, len(about)), s) for s in found]
            best = max((score for score, _ in scored), default=0.0)
            kept = [s for score, s in scored if score >= 0.5 and score == best]
            found = [t for s in kept for t in [s, *_own_words_after(s, found, read)] if t is s or t not in kept]
    else:
        who_said = _WHO_SAID.match(question)
        if not who_said:
            return None
        wanted = set(content_stems(who_said.group("what")))
        scored = [(len(wanted & sentence(s)) / max(1, len(wanted)), s) for s in statements(None)]
        best = max((score for score, _ in scored), default=0.0)
        found = [s for score, s in scored if score >= max(0.6, best)] if best >= 0.6 else []
    # The speaker's own words first, then what others report they said (newest article first in each).
    found.sort(key=lambda s: s.via is not None)
    return _compose(found, read, max_words) if found else None


def _own_words_after(s: Statement, statements: list[Statement], read: Callable[[str], str | None]) -> list[Statement]:
    """The speaker's own words that follow a reported statement with nothing between: "Trump …
    expressed hope to add another one to the list." then "“We are looking at one more…,” Trump
    said." The quotation may not share the question's words; it says first-hand what was reported."""
    text = read(s.source) if s.kind == "reported" else None
    if text is None:
        return []
    return [
        t
        for t in statements
        if t.kind == "direct"
        and t.via is None
        and t.source == s.source
        and t.speaker == s.speaker
        and s.context_end <= t.context_start
        and not text[s.context_end : t.context_start].strip()
    ][:1]


def _sentence_before(text: str, start: int) -> int:
    """Where the sentence before the one at ``start`` begins, by the project's sentence splitter
    (the one the index used); ``start`` at a paragraph's start."""
    line_start = text.rfind("\n", 0, start) + 1
    spans = sentence_spans(text[line_start:start])
    return line_start + spans[-1][0] if spans else start


def _compose(
    found: list[Statement], read: Callable[[str], str | None], max_words: int
) -> tuple[str, list[Citation]] | None:
    parts: list[str] = []
    citations: list[Citation] = []
    seen: set[str] = set()
    left_out = 0
    for s in found:  # newest article first, reading order within one
        key = " ".join(s.text.lower().split())
        if key in seen:
            continue  # the same statement carried by two articles
        seen.add(key)
        text = read(s.source)
        if text is None:
            continue
        start, end = s.context_start, s.context_end
        overlapping = [c for c in citations if c.source == s.source and c.start < end and start < c.end]
        if any(c.end > s.start for c in overlapping):
            continue  # its sentence is quoted already (a quotation split by its attribution)
        for c in overlapping:  # the sentence that says who "he" is may be quoted just before
            start = max(start, c.end)
        while start < s.start and text[start].isspace():
            start += 1
        shown = " ".join(text[start:end].split())
        piece = with_marker_and_date(shown, len(citations) + 1, date_note(s.date))
        if s.via:  # "Putin, as relayed by Trump": the sentence is Trump's account
            piece = f"As relayed by {s.via}: {piece}"
        if parts and len(" ".join([*parts, piece]).split()) > max_words:
            left_out += 1
            continue
        parts.append(piece)
        citations.append(cite(text, s.source, start, end, id=len(citations) + 1, score=1.0, title=None, date=s.date))
    if left_out:  # the answer stays short; the rest is one click away
        parts.append(f"And {left_out} more (the Quotes tab and `rag quotes` list them all).")
    return (" ".join(parts), citations) if citations else None
