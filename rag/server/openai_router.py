"""``/v1``: the assistant as an OpenAI-compatible "model", for any OpenAI client or chat front end."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse

from rag.contract import Answer, AnswerDelta, Message, StreamEvent
from rag.server.api_router import ERRORS, Event, current_assistant, event_stream, sse
from rag.server.errors import ApiError, error_event
from rag.server.openai_schemas import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionRequest,
    Choice,
    ChoiceDelta,
    ChunkChoice,
    Model,
    ModelList,
)

MODEL_ID = "newsdesk-qa"


def split_conversation(body: ChatCompletionRequest) -> tuple[str, list[Message]]:
    """The last user message is the question; earlier user/assistant turns are the history."""
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise ApiError(422, "invalid_request", "the last message must be a user message")
    history = [Message(role=m.role, content=m.text()) for m in turns[:-1]]
    return turns[-1].text(), history


def message_text(answer: Answer) -> str:
    """The reply as a chat message: the answer with its ``[n]`` markers and a sources list."""
    if not answer.citations:
        return answer.answer
    return f"{answer.answer}\n\nSources:\n{answer.sources_text()}"


def _chunk(completion_id: str, created: int, delta: ChoiceDelta, finish: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=completion_id, created=created, model=MODEL_ID, choices=[ChunkChoice(delta=delta, finish_reason=finish)]
    )


def _data(chunk: ChatCompletionChunk) -> Event:
    return {"data": chunk.model_dump_json(exclude_none=True)}


def openai_stream(events: Iterator[StreamEvent]) -> Iterator[Event]:
    """Chat-completion chunks as SSE ``data:`` lines, ending with ``[DONE]``.

    The answer text streams as it is written; the sources list follows once the
    citations are checked, and the last chunk also carries the whole contract in ``answer``.
    """
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield _data(_chunk(completion_id, created, ChoiceDelta(role="assistant", content="")))
    try:
        for event in events:
            if isinstance(event, AnswerDelta):
                yield _data(_chunk(completion_id, created, ChoiceDelta(content=event.text)))
            else:
                answer = event.answer
                tail = message_text(answer)[len(answer.answer) :]
                last = _chunk(completion_id, created, ChoiceDelta(content=tail), "stop")
                last.answer = answer
                yield _data(last)
    except Exception as exc:
        yield sse(None, error_event(exc))
    yield {"data": "[DONE]"}


def build_openai_router() -> APIRouter:
    """The ``/v1`` routes (auth is added by the app)."""
    router = APIRouter(prefix="/v1", responses=ERRORS)

    @router.get("/models", response_model=ModelList, summary="The one model this server offers")
    async def models() -> ModelList:
        return ModelList(data=[Model(id=MODEL_ID, owned_by="newsdesk-qa")])

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}}},
        summary="OpenAI-compatible chat completion (streaming with `stream: true`)",
    )
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> ChatCompletion | EventSourceResponse:
        question, history = split_conversation(body)
        assistant = await current_assistant(request)
        if body.stream:
            events = assistant.stream(question, history, None, body.article_filter())
            return event_stream(openai_stream(events))
        answer = await run_in_threadpool(assistant.ask, question, history, None, body.article_filter())
        return ChatCompletion(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=MODEL_ID,
            choices=[Choice(message=ChatCompletionMessage(content=message_text(answer)))],
            answer=answer,
        )

    return router
