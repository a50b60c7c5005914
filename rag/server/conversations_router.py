"""``/api/conversations`` and ``/api/feedback``: saved conversations, their export, ratings of answers.

Every route works on the conversations of the request's owner (its API key, or "local"
without keys): another key gets 404 for them. A store that cannot be used answers 503
with the reason (``conversations_unavailable``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from rag.conversations import ID_PATTERN, Conversation, ConversationStore, ConversationSummary, as_json, as_markdown
from rag.server.schemas import ConversationList, FeedbackRequest, NewConversation, Rename

ConversationId = Annotated[str, Path(pattern=ID_PATTERN, description="A conversation's id (32 hex digits).")]


def store_of(request: Request) -> ConversationStore:
    """The app's conversation store (set by ``create_app``)."""
    return request.app.state.conversations


def owner(request: Request) -> str:
    """Whose conversations this request sees (set by the key check)."""
    return str(getattr(request.state, "owner", "local"))


def build_conversations_router(errors: dict[int | str, dict[str, object]]) -> APIRouter:
    """The routes (auth is added by the app)."""
    router = APIRouter(prefix="/api", responses=errors, tags=["conversations"])

    @router.get("/conversations", response_model=ConversationList, summary="Your saved conversations, newest first")
    async def list_conversations(request: Request) -> ConversationList:
        found = await run_in_threadpool(store_of(request).summaries, owner(request))
        return ConversationList(conversations=found)

    @router.post("/conversations", response_model=ConversationSummary, status_code=201, summary="Start one")
    async def create(body: NewConversation, request: Request) -> ConversationSummary:
        return await run_in_threadpool(store_of(request).create, owner(request), body.title)

    @router.get("/conversations/{cid}", response_model=Conversation, summary="One conversation with every turn")
    async def get(cid: ConversationId, request: Request) -> Conversation:
        return await run_in_threadpool(store_of(request).get, owner(request), cid)

    @router.patch("/conversations/{cid}", response_model=ConversationSummary, summary="Rename it")
    async def rename(cid: ConversationId, body: Rename, request: Request) -> ConversationSummary:
        store = store_of(request)
        await run_in_threadpool(store.rename, owner(request), cid, body.title.strip())
        found = await run_in_threadpool(store.get, owner(request), cid)
        return ConversationSummary.model_validate(found.model_dump(exclude={"items"}))

    @router.delete("/conversations/{cid}", status_code=204, summary="Delete it, with its turns and feedback")
    async def delete(cid: ConversationId, request: Request) -> Response:
        await run_in_threadpool(store_of(request).delete, owner(request), cid)
        return Response(status_code=204)

    @router.get(
        "/conversations/{cid}/export",
        responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}, "application/json": {}}}},
        summary="The conversation as Markdown (numbered sources with quotes) or JSON (every answer contract)",
    )
    async def export(
        cid: ConversationId, request: Request, format: Annotated[Literal["md", "json"], Query()] = "md"
    ) -> Response:
        found = await run_in_threadpool(store_of(request).get, owner(request), cid)
        if format == "json":
            return Response(as_json(found), media_type="application/json")
        filename = f"conversation-{cid[:8]}.md"
        return Response(
            as_markdown(found),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @router.post("/feedback", status_code=204, summary="Rate one answer of a saved conversation (up or down)")
    async def feedback(body: FeedbackRequest, request: Request) -> Response:
        await run_in_threadpool(
            store_of(request).rate, owner(request), body.conversation_id, body.turn, body.rating, body.comment
        )
        return Response(status_code=204)

    return router
