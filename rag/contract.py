"""The answer contract shared by the CLI, the HTTP API, the UI and the evals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

# Whitespace by every flavour that judges a question: Python's str.isspace, JSON Schema's
# (ECMA) \s and pydantic's (Rust) \s. A question of only these is empty for all three.
BLANK = (
    " \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# The article's date after a citation marker ("…,” Witkoff said [1] (7 Nov 2025).): metadata, not a claim.
DATE_NOTE = re.compile(r"\s*\((?:\d{1,2} [A-Z][a-z]{2} \d{4}|undated article)\)")


def newest_first(iso: str | None) -> str:
    """Sort key: ISO dates newest first, undated last (digits inverted, so an ascending sort works)."""
    return "".join(str(9 - int(c)) if c.isdigit() else c for c in iso) if iso else "~"


def date_note(iso: str | None) -> str:
    """The note for an article's date: "(7 Nov 2025)", or "(undated article)"."""
    if not iso:
        return "(undated article)"
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return f"({iso})"
    return f"({day.day} {day.strftime('%b')} {day.year})"


NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in BLANK) + "]"  # a JSON Schema pattern: one visible character


class Citation(BaseModel):
    """A numbered source: ``quote == text[start:end]`` of the file ``source`` (UTF-8, code points)."""

    id: int = Field(description="The n of the [n] marker in the answer.")
    source: str = Field(description="File name relative to the corpus folder.")
    start: int = Field(description="Start offset (characters) in the original file.")
    end: int = Field(description="End offset (exclusive) in the original file.")
    quote: str = Field(description="Exactly text[start:end] of the file.")
    score: float = Field(description="Relevance of the passage to the question (higher is better).")
    title: str | None = Field(None, description="Article title.")
    date: str | None = Field(None, description="Article date (YYYY-MM-DD) when known.")
    also_published: list[str] = Field(
        default_factory=list,
        description="Who else published this article (syndicated copies, indexed once as this file).",
    )


class ArticleFilter(BaseModel):
    """Which articles an answer may draw on: a date range and/or a list of files."""

    since: date | None = Field(None, description="Only articles dated on or after this day (YYYY-MM-DD).")
    until: date | None = Field(None, description="Only articles dated on or before this day (YYYY-MM-DD).")
    sources: list[str] = Field(
        default_factory=list, max_length=1000, description="Only these articles (file names, as citations name them)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> ArticleFilter:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be after until")
        return self

    def is_set(self) -> bool:
        """Whether it narrows anything."""
        return bool(self.since or self.until or self.sources)

    def describe(self) -> str:
        """The filter in words, for the answer that says nothing matched it."""
        parts = []
        if self.since or self.until:
            parts.append(f"dated {self.since or '…'} to {self.until or '…'}")
        if self.sources:
            parts.append(f"among {', '.join(self.sources[:3])}{'…' if len(self.sources) > 3 else ''}")
        return " and ".join(parts)


class Message(BaseModel):
    """One turn of chat history."""

    role: Literal["user", "assistant"]
    content: str


class Claim(BaseModel):
    """One sentence of an answer and whether its cited passages support it."""

    text: str = Field(description="The sentence as it appears in the answer.")
    citations: list[int] = Field(default_factory=list, description="The [n] it cites.")
    supported: bool = Field(description="True when its cited passages support it.")
    score: float = Field(0.0, description="Support score in [0, 1] from the checker.")
    reason: str | None = Field(None, description="Why it is not supported, when it is not.")


class Answer(BaseModel):
    """A reply: text with [n] markers, and the citations they refer to."""

    question: str
    answer: str
    abstained: bool = Field(description="True when the articles do not answer the question.")
    confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Probability (0-1, calibrated on the golden dev split) that the articles answer the question "
        "and the quoted sentence addresses it.",
    )
    refusal_reason: Literal["unknown_name", "not_addressed", "low_similarity", "filtered_out"] | None = Field(
        None,
        description="Why it refused: a name the articles never mention, nothing that addresses what is asked, "
        "no passage similar enough, or no article matches the date/source filter.",
    )
    mode: str = Field(description="Which answerer wrote it: 'extractive' or 'llm'.")
    citations: list[Citation] = Field(default_factory=list)
    search_query: str | None = Field(None, description="The query actually searched (spelling corrected).")
    condensed_question: str | None = Field(
        None, description="The standalone question a follow-up was rewritten to, when history changed it."
    )
    claims: list[Claim] = Field(
        default_factory=list,
        description="Per-sentence support check of the LLM's answer (of the rejected one when 'fallback' is set).",
    )
    citations_removed: int = Field(0, description="Citations the LLM made to passages that do not exist.")
    fallback: str | None = Field(
        None, description="Why the extractive answer replaced the LLM's: 'unsupported' or 'llm_error'."
    )
    error: str | None = Field(None, description="The LLM error behind a fallback, without secrets.")
    model: str | None = Field(None, description="The LLM that wrote the answer, in 'llm' mode.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    follow_ups: list[str] = Field(
        default_factory=list,
        description="Up to 3 questions about people quoted near the cited passages, each checked to be answerable.",
    )

    def sources_text(self) -> str:
        """The citations as plain text, one ``[n] file — title (date)`` line and its quote each."""
        lines = []
        for c in self.citations:
            also = f" (also published by {', '.join(c.also_published)})" if c.also_published else ""
            dated = f", {c.date}" if c.date else ""
            lines.append(f"[{c.id}] {c.source} ({c.start}-{c.end}) {c.title or ''}{dated}{also}")
            lines.append(f"    {' '.join(c.quote.split())}")
        return "\n".join(lines)


class AnswerDelta(BaseModel):
    """A piece of answer text while it is being written (streaming)."""

    text: str


class AnswerFinal(BaseModel):
    """The last event of a stream: the whole, checked answer."""

    answer: Answer


StreamEvent = AnswerDelta | AnswerFinal


def streamed(answer: Answer) -> Iterator[StreamEvent]:
    """A whole answer as the stream protocol of every answerer: its text in pieces of a few
    words (whitespace kept, so they join back exactly), then the answer."""
    tokens = re.findall(r"\S+\s*|\s+", answer.answer)
    for i in range(0, len(tokens), 4):
        yield AnswerDelta(text="".join(tokens[i : i + 4]))
    yield AnswerFinal(answer=answer)
