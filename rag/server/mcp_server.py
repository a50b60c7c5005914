"""The Model Context Protocol server: the assistant's answers, passages, quotes and articles as
tools an agent calls, and each article as a resource (``article://<file>``).

Built with the official ``mcp`` SDK (its ``MCPServer``, what was FastMCP in version 1: the same
decorators, and the SDK's own client to test it with; the separate ``fastmcp`` package would add
a second framework for nothing we need). ``rag mcp`` serves it over stdio for desktop clients;
``rag serve`` mounts it at ``/mcp`` (streamable HTTP, stateless, so any of several app servers
can answer any call), behind the same API key as ``/api``.

Every tool returns the same data as the HTTP API, as structured content, and a readable text
with numbered sources; a bad argument is a tool error with a sentence saying what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field, ValidationError

from rag.assistant import Assistant, UnknownSourceError
from rag.components.store import IndexNotReadyError, IndexUnavailableError
from rag.contract import Answer, ArticleFilter, Message
from rag.server.schemas import Quote, QuoteList, SourceList, SourceSummary

INSTRUCTIONS = (
    "Answers about the news articles of this newsroom's corpus. Every claim of an answer carries [n]: "
    "the n-th citation names the article file and the exact passage (file[start:end]). When the articles "
    "do not answer, the answer says so (abstained, with the reason): report that, do not guess."
)


class Passage(BaseModel):
    """A retrieved passage: ``quote == text[start:end]`` of the article file."""

    file: str
    start: int
    end: int
    quote: str
    title: str | None = None
    date: str | None = None
    score: float = Field(description="Fused rank score (higher is better).")


class Passages(BaseModel):
    """Ranked passages for a query, and the query actually searched (spelling corrected)."""

    query: str
    searched: str
    passages: list[Passage]


def _result(data: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data.model_dump(mode="json")
    )


def answer_text(answer: Answer) -> str:
    """The answer as an agent reads it: the text with [n] markers, then the numbered sources."""
    head = f"(Not answered: {answer.refusal_reason}.) " if answer.abstained else ""
    sources = f"\n\nSources:\n{answer.sources_text()}" if answer.citations else ""
    return f"{head}{answer.answer}{sources}"


def _filter(since: str | None, until: str | None, sources: list[str] | None) -> ArticleFilter:
    try:
        return ArticleFilter(since=since, until=until, sources=sources or [])
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'filter'}: {e['msg']}" for e in exc.errors())
        raise ToolError(f"bad filter: {problems}") from exc


async def _run(call: Callable[[], Any]) -> Any:
    """A blocking call of the assistant off the event loop; its refusal of an argument as a tool error."""
    try:
        return await anyio.to_thread.run_sync(call)
    except ValueError as exc:  # the assistant's own validation (empty or huge question, …)
        raise ToolError(str(exc)) from exc


def build_mcp(engine: Callable[[], Assistant]) -> MCPServer:
    """The MCP server over the assistant ``engine()`` gives at each call (the newest after an ingest)."""
    server = MCPServer("newsdesk-qa", title="Newsdesk QA", instructions=INSTRUCTIONS, version="0.1.0")

    def current() -> Assistant:
        try:
            return engine()
        except (IndexNotReadyError, IndexUnavailableError) as exc:  # say why, as /readyz does
            raise ToolError(f"no index to answer from: {exc}; run `rag ingest`") from exc

    @server.tool(description="Answer a question from the articles, every claim cited; or say why not.")
    async def ask(
        question: str,
        history: list[Message] | None = None,
        since: str | None = None,
        until: str | None = None,
        sources: list[str] | None = None,
    ) -> Annotated[CallToolResult, Answer]:
        """``history``: earlier turns, oldest first; ``since``/``until``: YYYY-MM-DD; ``sources``: article files."""
        filters = _filter(since, until, sources)
        answer: Answer = await _run(lambda: current().ask(question, history or [], filters=filters))
        return _result(answer, answer_text(answer))

    @server.tool(description="Ranked passages of the articles for a query (no answer), with file and offsets.")
    async def search(query: str, k: int = 5) -> Annotated[CallToolResult, Passages]:
        if not 1 <= k <= 50:
            raise ToolError(f"k must be between 1 and 50, not {k}")
        assistant = current()
        hits, searched = await _run(lambda: assistant.search(query, k))
        passages = []
        for h in hits:
            text = assistant.article_text(h.source)
            quote = text[h.start : h.end] if text is not None else h.text
            passages.append(
                Passage(file=h.source, start=h.start, end=h.end, quote=quote, title=h.title, date=h.date, score=h.score)
            )
        lines = [
            f"[{i}] {p.file} ({p.start}-{p.end}) {p.title or ''}\n    {' '.join(p.quote.split())[:400]}"
            for i, p in enumerate(passages, 1)
        ]
        found = Passages(query=query, searched=searched, passages=passages)
        return _result(found, "\n".join(lines) or "No passage found.")

    @server.tool(description="Who said what: quotations and reported statements, newest article first.")
    async def quotes(
        speaker: str | None = None, since: str | None = None, until: str | None = None, source: str | None = None
    ) -> Annotated[CallToolResult, QuoteList]:
        filters = _filter(since, until, [source] if source else None)
        assistant = current()

        def found() -> QuoteList:
            statements = assistant.quotes(
                speaker,
                filters.sources,
                filters.since.isoformat() if filters.since else None,
                filters.until.isoformat() if filters.until else None,
            )
            titles = {s.source: s.title for s in assistant.sources()}
            items = [
                Quote(**s.as_dict(), title=titles.get(s.source), display=assistant.shown(s).line()) for s in statements
            ]
            return QuoteList(quotes=items, count=len(items))

        listed: QuoteList = await _run(found)
        text = "\n".join(f"{q.display} ({q.source}, {q.date or 'undated'})" for q in listed.quotes)
        return _result(listed, text or "No statement found.")

    @server.tool(description="The indexed articles: file, title, date, and who else published each.")
    async def articles() -> Annotated[CallToolResult, SourceList]:
        assistant = current()
        found = await _run(assistant.sources)
        also = assistant.copies.also_published
        items = [
            SourceSummary(source=s.source, title=s.title, date=s.date, chunks=s.chunks, also_published=also(s.source))
            for s in found
        ]
        text = "\n".join(f"article://{s.source} — {s.title} ({s.date or 'undated'})" for s in items)
        return _result(SourceList(sources=items), text)

    @server.resource("article://{+name}", mime_type="text/plain", description="An article's original text")
    async def article(name: str) -> str:
        try:
            _, text = await anyio.to_thread.run_sync(lambda: current().source_text(name))
        except (KeyError, UnknownSourceError) as exc:
            raise ResourceError(f"no indexed article named {name!r}") from exc
        return text

    return server
