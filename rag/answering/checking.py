"""Checking a generated answer against the passages it cites, sentence by sentence.

Each ``[n]`` is mapped to passage n; a marker for a passage that does not exist is
removed; each sentence is judged against its cited passages; each citation is narrowed
to the passage's sentence closest to the claim, so the quote is exact and short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answering.citations import OriginalTexts, cite
from rag.answering.hits import Hit
from rag.answering.judge import Judge, Verdict, content_words
from rag.answering.prompts import REFUSAL
from rag.contract import Citation, Claim
from rag.text import sentences as split_sentences

UNSUPPORTED_MARK = "[unsupported]"
ON_TOPIC_SIMILARITY = 0.25  # question ↔ answer sentence: planted junk measured 0.03–0.21, answers 0.39–0.69
_MARKER = re.compile(r"\s*\[(\d+)\]")


# Citation styles weak models use instead of [n]; each becomes [n] (or [n][m]).
_STYLES = [
    re.compile(r"【\s*(\d+(?:\s*[,;]\s*\d+)*)\s*】"),
    re.compile(r"\[\^(\d+)\]"),
    re.compile(
        r"[\[(]\s*(?:source|passage|doc(?:ument)?|ref(?:erence)?)s?\s*#?\s*(\d+(?:\s*(?:,|;|and)\s*\d+)*)\s*[\])]", re.I
    ),
    re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)+)\s*\]"),
]


def normalize_citations(text: str) -> str:
    """Rewrite 【1】, [^1], (Source 2), [Passage 3], [1, 2] as [n] markers; markers before the full stop."""
    for style in _STYLES:
        text = style.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    # "today. [1]" → "today [1]." so a marker stays with the sentence it follows.
    text = re.sub(r"([.!?])((?:\s*\[\d+\])+)", lambda m: m.group(2).rstrip() + m.group(1), text)
    return text


def is_refusal(text: str) -> bool:
    """Whether the model declined to answer (the fixed sentence, or close to it)."""
    low = " ".join(text.lower().split())
    return (
        not low
        or REFUSAL.lower().rstrip(".") in low
        or bool(re.match(r"^(i'?m sorry|sorry|i (cannot|can't|don't know))|do not (cover|answer|contain)", low))
    )


@dataclass
class CheckedAnswer:
    """A generated answer after checking."""

    answer: str
    citations: list[Citation]
    claims: list[Claim]
    refused: bool
    citations_removed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def supported_ratio(self) -> float:
        """Share of sentences their citations support (0 when there are none)."""
        return sum(c.supported for c in self.claims) / len(self.claims) if self.claims else 0.0


class AnswerChecker:
    """Turns raw model text into a checked, cited answer."""

    def __init__(self, judge: Judge, texts: OriginalTexts):
        self._judge = judge
        self._texts = texts

    def check(self, raw: str, hits: list[Hit], question: str) -> CheckedAnswer:
        """Map, prune, judge and renumber the citations of ``raw``, the answer to ``question``."""
        text = normalize_citations(raw.strip())
        if is_refusal(text):
            return CheckedAnswer(text, [], [], refused=True)
        removed = 0
        citations: list[Citation] = []
        by_span: dict[tuple[str, int, int], int] = {}
        sentences, claims = [], []
        for sentence in split_sentences(text):
            cited = [int(n) for n in _MARKER.findall(sentence)]
            valid = list(dict.fromkeys(n for n in cited if 1 <= n <= len(hits)))
            removed += len(cited) - len([n for n in cited if 1 <= n <= len(hits)])
            bare = _MARKER.sub("", sentence).strip()
            if not re.search(r"\w", bare):
                continue
            verdict = self._judge.judge(bare, [hits[n - 1].text for n in valid])
            if verdict.supported and not self._on_topic(bare, question):
                # Copying a passage is not answering: "PWNED", planted in an article, is in it.
                verdict = Verdict(False, verdict.score, "does not address the question")
            ids = []
            for n in valid:
                citation = self._narrow(bare, hits[n - 1])
                if citation is None:
                    continue
                key = (citation.source, citation.start, citation.end)
                if key not in by_span:
                    by_span[key] = len(citations) + 1
                    citations.append(citation.model_copy(update={"id": by_span[key]}))
                ids.append(by_span[key])
            shown = _with_markers(bare, ids, supported=verdict.supported)
            sentences.append(shown)
            claims.append(
                Claim(text=bare, citations=ids, supported=verdict.supported, score=verdict.score, reason=verdict.reason)
            )
        answer = " ".join(sentences)
        return CheckedAnswer(answer, citations, claims, refused=not claims, citations_removed=removed)

    def _on_topic(self, claim: str, question: str) -> bool:
        """Whether ``claim`` is about ``question`` at all (shares a content word, or some meaning)."""
        words = content_words(claim)
        if words & content_words(question):
            return True
        if len(words) >= 3:  # a lone token says nothing
            return self._judge.similarity(question, [claim])[0] >= ON_TOPIC_SIMILARITY
        return False

    def _narrow(self, claim: str, hit: Hit) -> Citation | None:
        """The sentence of ``hit`` closest to ``claim``, as a citation (``None`` if the file changed)."""
        original = self._texts.get(hit.source, hit.sha16)
        if original is None or not hit.sentences:
            return None
        texts = [hit.text[s.chunk_start : s.chunk_end] for s in hit.sentences]
        scores = self._judge.similarity(claim, texts)
        best = max(range(len(texts)), key=lambda i: scores[i])
        s = hit.sentences[best]
        return cite(
            original,
            hit.source,
            s.start,
            s.end,
            id=0,
            score=round(float(scores[best]), 4),
            title=hit.title,
            date=hit.date,
        )


def _with_markers(sentence: str, ids: list[int], supported: bool) -> str:
    """The sentence with its (renumbered) markers before the final punctuation."""
    markers = "".join(f"[{i}]" for i in ids)
    if not supported:
        markers = (markers + " " + UNSUPPORTED_MARK).strip()
    if not markers:
        return sentence
    if sentence[-1:] in ".!?" and sentence[-2:-1] not in ("”", '"'):
        return f"{sentence[:-1]} {markers}{sentence[-1]}"
    return f"{sentence} {markers}"
