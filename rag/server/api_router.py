"""``/api/*``: ask (plain and streamed), sources, ingest; and the health probes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse

from rag.assistant import Assistant
from rag.components.store import IndexNotReadyError, IndexUnavailableError
from rag.contract import AnswerDelta, StreamEvent
from rag.engine import STARTING, EngineHolder
from rag.indexing.report import IngestReport
from rag.indexing.uploads import UploadError
from rag.server.conversations_router import owner
from rag.server.errors import ApiError, error_event
from rag.server.schemas import (
    AskRequest,
    AskResponse,
    ErrorBody,
    FetchRequest,
    FetchResult,
    Health,
    IngestResult,
    Quote,
    QuoteList,
    Readiness,
    SearchHit,
    SearchRequest,
    SearchResult,
    SourceList,
    SourceSummary,
    SourceText,
)

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422, 503)
}


UPLOAD_STATUS = {"exists": 409, "too_large": 413, "too_many_files": 413, "key_required": 403}


def engine_of(request: Request) -> EngineHolder:
    """The app's engine holder (set by ``create_app``)."""
    return request.app.state.engine


async def current_assistant(request: Request) -> Assistant:
    """The Assistant, loaded off the event loop if it is not loaded yet (503 without an index)."""
    return await run_in_threadpool(engine_of(request).current)


Event = dict[str, str]  # one Server-Sent Event's fields, as sse-starlette takes them


def sse(event: str | None, data: object) -> Event:
    """One Server-Sent Event carrying ``data`` as JSON (no ``event:`` field when ``event`` is None)."""
    return {"data": json.dumps(data, ensure_ascii=False)} | ({"event": event} if event else {})


def event_stream(events: Iterator[Event]) -> EventSourceResponse:
    """The SSE response (sse-starlette runs a sync iterator in the thread pool: the event loop stays free)."""
    return EventSourceResponse(events, sep="\n", headers={"Cache-Control": "no-cache"})


def sse_stream(events: Iterator[StreamEvent]) -> Iterator[Event]:
    """Answer events as SSE: ``delta`` events, then ``final`` (or ``error``, never a broken stream)."""
    try:
        for event in events:
            if isinstance(event, AnswerDelta):
                yield sse("delta", {"text": event.text})
            else:
                yield sse("final", event.answer.model_dump())
    except Exception as exc:  # headers are sent: the error must travel as an event
        yield sse("error", error_event(exc))


def build_api_router() -> APIRouter:
    """The ``/api`` routes (auth is added by the app)."""
    router = APIRouter(prefix="/api", responses=ERRORS)

    @router.post("/ask", response_model=AskResponse, summary="Answer a question with cited passages")
    async def ask(body: AskRequest, request: Request) -> AskResponse:
        """With ``conversation_id`` the saved turns are the history and the turn is saved; the answer
        also suggests up to 3 follow-ups it can answer."""
        assistant = await current_assistant(request)
        store, who, history = request.app.state.conversations, owner(request), list(body.history)
        if body.conversation_id:
            history = (await run_in_threadpool(store.get, who, body.conversation_id)).history()
        answer = await run_in_threadpool(assistant.ask, body.question, history, body.top_k, body.article_filter())
        answer.follow_ups = await run_in_threadpool(assistant.follow_ups, answer, history)
        if not body.conversation_id:
            return AskResponse(**answer.model_dump())
        turn = await run_in_threadpool(store.add_turn, who, body.conversation_id, body.question, answer)
        return AskResponse(**answer.model_dump(), conversation_id=body.conversation_id, turn=turn)

    @router.post(
        "/ask/stream",
        summary="Answer as Server-Sent Events: `delta` events with text, then one `final` event with the answer",
        response_class=EventSourceResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask_stream(body: AskRequest, request: Request) -> EventSourceResponse:
        assistant = await current_assistant(request)
        events = assistant.stream(body.question, body.history, body.top_k, body.article_filter())
        return event_stream(sse_stream(events))

    @router.post("/search", response_model=SearchResult, summary="Ranked passages for a query (no answer)")
    async def search(body: SearchRequest, request: Request) -> SearchResult:
        assistant = await current_assistant(request)
        hits, searched = await run_in_threadpool(assistant.search, body.query, body.top_k, body.article_filter())
        return SearchResult(
            query=body.query,
            searched=searched,
            hits=[
                SearchHit(
                    source=h.source,
                    title=h.title,
                    date=h.date,
                    start=h.start,
                    end=h.end,
                    text=h.text,
                    score=h.score,
                    dense=h.dense,
                )
                for h in hits
            ],
        )

    @router.get("/sources", response_model=SourceList, summary="The indexed articles")
    async def sources(request: Request) -> SourceList:
        assistant = await current_assistant(request)
        found = await run_in_threadpool(assistant.sources)
        also = assistant.copies.also_published
        items = [SourceSummary(**dataclasses.asdict(s), also_published=also(s.source)) for s in found]
        return SourceList(sources=items)

    @router.get("/quotes", response_model=QuoteList, summary="Who said what: statements, newest article first")
    async def quotes(
        request: Request,
        speaker: Annotated[str | None, Query(max_length=200, description="Words of the speaker's name or role")] = None,
        source: Annotated[list[str] | None, Query(description="Only these articles (repeatable)")] = None,
        since: Annotated[date | None, Query(description="Articles dated on or after (YYYY-MM-DD)")] = None,
        until: Annotated[date | None, Query(description="Articles dated on or before (YYYY-MM-DD)")] = None,
    ) -> QuoteList:
        if since and until and since > until:
            raise ApiError(422, "invalid_request", "since must not be after until")
        assistant = await current_assistant(request)
        found = await run_in_threadpool(
            assistant.quotes,
            speaker,
            source or (),
            since.isoformat() if since else None,
            until.isoformat() if until else None,
        )
        titles = {s.source: s.title for s in await run_in_threadpool(assistant.sources)}
        shown = await run_in_threadpool(lambda: [assistant.shown(s).line() for s in found])
        items = [Quote(**s.as_dict(), title=titles.get(s.source), display=d) for s, d in zip(found, shown)]
        return QuoteList(quotes=items, count=len(items))

    @router.get("/sources/{name:path}", response_model=SourceText, summary="One article's original text")
    async def source(name: str, request: Request) -> SourceText:
        assistant = await current_assistant(request)
        try:
            info, text = await run_in_threadpool(assistant.source_text, name)
        except KeyError as exc:
            raise ApiError(404, "unknown_source", str(exc.args[0]) if exc.args else "no such article") from exc
        return SourceText(source=info.source, title=info.title, date=info.date, chunks=info.chunks, text=text)

    @router.post("/ingest", response_model=IngestResult, summary="Upload articles and index them incrementally")
    async def ingest(files: list[UploadFile], request: Request) -> IngestResult:
        engine = engine_of(request)
        limit = engine.settings.max_upload_bytes
        uploads = []
        for upload in files[: engine.settings.max_upload_files + 1]:  # one over: enough to refuse
            data = await upload.read(limit + 1)  # never more than the limit is held in memory
            uploads.append((upload.filename or "", data))
        try:
            saved, unchanged, report = await run_in_threadpool(engine.add_articles, uploads)
        except UploadError as exc:
            raise ApiError(UPLOAD_STATUS.get(exc.code, 422), exc.code, str(exc)) from exc
        return IngestResult(saved=saved, unchanged=unchanged, **_changes(report))

    @router.post("/ingest/url", response_model=FetchResult, summary="Fetch article URLs and feeds, and index them")
    async def ingest_url(body: FetchRequest, request: Request) -> FetchResult:
        engine = engine_of(request)
        try:
            news, report = await run_in_threadpool(engine.add_from_web, body.urls, body.feeds)
        except UploadError as exc:
            raise ApiError(UPLOAD_STATUS.get(exc.code, 422), exc.code, str(exc)) from exc
        fetched = {"saved": news.saved, "unchanged": news.unchanged, "not_fetched": [str(p) for p in news.problems]}
        return FetchResult(**fetched, copies=report.copies, **_changes(report))

    return router


def _changes(report: IngestReport) -> dict[str, Any]:
    """What an ingest changed in the index, as the ingest responses give it."""
    return {
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "problems": [str(p) for p in report.problems],
        "chunks_total": report.chunks_total,
        "seconds": round(report.seconds, 3),
    }


def build_health_router() -> APIRouter:
    """``/healthz`` and ``/readyz`` (no key needed: probes carry no data)."""
    router = APIRouter()

    @router.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Health:
        return Health()

    @router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, summary="Readiness")
    async def readyz(request: Request) -> Readiness:
        engine = engine_of(request)
        try:
            if engine.not_ready_reason == STARTING:  # the start-up load is under way: do not queue another
                raise IndexNotReadyError(STARTING)
            assistant = await current_assistant(request)  # (re)loads, e.g. after `rag ingest` made the index
            await run_in_threadpool(assistant.check_index)
        except (IndexNotReadyError, IndexUnavailableError) as exc:
            reason = str(exc)
            raise ApiError(503, "not_ready", reason, body=Readiness(ready=False, reason=reason).model_dump()) from exc
        found = await run_in_threadpool(assistant.sources)
        return Readiness(
            ready=True,
            mode=assistant.mode,
            model=getattr(assistant, "model_name", None),
            articles=len(found),
            chunks=sum(s.chunks for s in found),
        )

    return router
