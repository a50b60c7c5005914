"""Typed request and response bodies of the HTTP API (they make /openapi.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rag.contract import NOT_BLANK, Answer, ArticleFilter, Message
from rag.conversations import ID_PATTERN, MAX_COMMENT_CHARS, MAX_TITLE_CHARS, ConversationSummary


class ErrorDetail(BaseModel):
    """What went wrong, for people and programs."""

    code: str = Field(description="Stable machine-readable code, e.g. 'invalid_request', 'index_not_ready'.")
    message: str = Field(description="A readable explanation.")


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {"code", "message"}}``."""

    error: ErrorDetail


class Filtered(ArticleFilter):
    """Optional fields that limit the articles used: ``since``, ``until`` (YYYY-MM-DD), ``sources``
    (a reversed range is a 422, by the contract's own validator)."""

    def article_filter(self) -> ArticleFilter | None:
        """The filter alone (without the request's other fields), or ``None`` when it narrows nothing."""
        found = ArticleFilter(since=self.since, until=self.until, sources=self.sources)
        return found if found.is_set() else None


class AskRequest(Filtered):
    """A question, with the chat so far for follow-ups."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(pattern=NOT_BLANK, description="The question, in plain words.")
    history: list[Message] = Field(default_factory=list, max_length=50, description="Earlier turns, oldest first.")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages handed to the answerer (default from settings).")
    conversation_id: str | None = Field(
        None,
        pattern=ID_PATTERN,
        description="A saved conversation: its turns are the history, and this turn is saved to it.",
    )


class AskResponse(Answer):
    """The answer contract; with a ``conversation_id``, also where the turn was saved."""

    conversation_id: str | None = Field(None, description="The conversation the turn was saved to.")
    turn: int | None = Field(None, description="The turn's 0-based index in it (what POST /api/feedback rates).")


class NewConversation(BaseModel):
    """``POST /api/conversations``: an optional title (the first question otherwise)."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field("", max_length=MAX_TITLE_CHARS)


class Rename(BaseModel):
    """``PATCH /api/conversations/{id}``."""

    title: str = Field(pattern=NOT_BLANK, max_length=MAX_TITLE_CHARS)


class ConversationList(BaseModel):
    conversations: list[ConversationSummary]


class FeedbackRequest(BaseModel):
    """A thumbs up or down on one answer of a saved conversation, with an optional comment."""

    conversation_id: str = Field(pattern=ID_PATTERN)
    turn: int = Field(ge=0, description="0-based index of the rated turn.")
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=MAX_COMMENT_CHARS)


class SearchRequest(Filtered):
    """A query for the retriever alone."""

    model_config = ConfigDict(extra="ignore")

    query: str = Field(pattern=NOT_BLANK, description="What to search for.")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages to return (default from settings).")


class SearchHit(BaseModel):
    """One retrieved passage (a chunk), best first."""

    source: str
    title: str
    date: str | None = None
    start: int = Field(description="Start offset of the chunk in the original file.")
    end: int
    text: str = Field(description="The chunk's cleaned text.")
    score: float = Field(description="Fused rank score.")
    dense: float = Field(description="Cosine of the chunk to the query.")


class SearchResult(BaseModel):
    """Ranked passages and the query actually searched (spelling corrected)."""

    query: str
    searched: str
    hits: list[SearchHit]


class SourceSummary(BaseModel):
    """One article of the corpus."""

    source: str = Field(description="File name relative to the corpus folder (what citations name).")
    title: str
    date: str | None = None
    chunks: int = Field(description="Chunks indexed for it.")
    also_published: list[str] = Field(
        default_factory=list, description="Who else published this article (syndicated copies, not indexed)."
    )


class SourceList(BaseModel):
    """The indexed corpus."""

    sources: list[SourceSummary]


class Quote(BaseModel):
    """A quotation or reported statement, with its speaker (``text == article[start:end]``)."""

    speaker: str = Field(description="The name the articles use for the speaker, or the role as written.")
    speaker_words: str = Field(description="The words the article used for the speaker ('he', 'the envoy').")
    addressee: str | None = Field(None, description="Who it was said to, when the article says.")
    verb: str = Field(description="The verb of saying ('said', 'warned', 'according to').")
    kind: str = Field(description="'direct' (a quotation) or 'reported' (reported speech).")
    via: str | None = Field(None, description="Who relayed it ('Trump told the forum that Putin said…').")
    text: str = Field(description="The statement, verbatim.")
    display: str = Field(
        description="How to show it: a quotation's own words in quotation marks; reported speech as the "
        "sentence says it, never in quotation marks, marked '(reported)'; a relayed one says by whom."
    )
    source: str
    title: str | None = None
    date: str | None = Field(None, description="The article's date (YYYY-MM-DD), when it has one.")
    start: int = Field(description="Offsets of the statement in the original file.")
    end: int
    context_start: int = Field(description="Offsets of the sentence that carries it, attribution included.")
    context_end: int


class QuoteList(BaseModel):
    """Statements, newest article first."""

    quotes: list[Quote]
    count: int


class SourceText(SourceSummary):
    """One article and its original text (citation offsets index into ``text``)."""

    text: str


class IngestResult(BaseModel):
    """What an upload changed in the index."""

    saved: list[str] = Field(description="Files written into the corpus folder.")
    unchanged: list[str] = Field(description="Uploads identical to a file already there.")
    added: list[str]
    updated: list[str]
    removed: list[str]
    problems: list[str] = Field(description="Files the indexer skipped, with the reason.")
    chunks_total: int
    seconds: float


class FetchRequest(BaseModel):
    """Article pages and RSS/Atom feeds to fetch into the corpus folder and index."""

    urls: list[str] = Field(default_factory=list, max_length=100, description="Article pages (or feeds) to fetch.")
    feeds: list[str] = Field(default_factory=list, max_length=100, description="RSS/Atom feeds: their new items.")

    @model_validator(mode="after")
    def _something(self) -> FetchRequest:
        if not (self.urls or self.feeds):
            raise ValueError("give at least one URL or feed")
        return self


class FetchResult(IngestResult):
    """What a fetch stored and what it changed in the index."""

    not_fetched: list[str] = Field(description="URLs that could not be fetched or read, with the reason.")
    copies: list[str] = Field(default_factory=list, description="Syndicated copies, counted once (copy of <file>).")


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Whether questions can be answered now, and why not."""

    ready: bool
    reason: str | None = Field(None, description="Why the server is not ready.")
    mode: str | None = Field(None, description="Which answerer replies: 'extractive' or 'llm'.")
    model: str | None = Field(None, description="The LLM's name in 'llm' mode.")
    articles: int = 0
    chunks: int = 0
