"""The answer contract shared by the CLI, the HTTP API, the UI and the evals."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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


class Message(BaseModel):
    """One turn of chat history."""

    role: Literal["user", "assistant"]
    content: str


class Answer(BaseModel):
    """A reply: text with [n] markers, and the citations they refer to."""

    question: str
    answer: str
    abstained: bool = Field(description="True when the articles do not answer the question.")
    mode: str = Field(description="Which answerer wrote it: 'extractive' or 'llm'.")
    citations: list[Citation] = Field(default_factory=list)
    search_query: str | None = Field(None, description="The query actually searched (spelling corrected).")
    timings_ms: dict[str, float] = Field(default_factory=dict)
