"""``/v1``: the assistant as an OpenAI-compatible "model", for any OpenAI client or chat front end."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from rag.contract import Answer, AnswerDelta, Message, StreamEvent
from rag.server.api_router import ERRORS, current_assistant
from rag.server.errors import ApiError, error_event
from rag.server.schemas import (
    ChatChoice,
    ChatCompletion,
    ChatCompletionRequest,
    ChatMessageOut,
    ModelCard,
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


def _chunk(completion_id: str, created: int, delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def openai_stream(events: Iterator[StreamEvent]) -> Iterator[str]:
    """Chat-completion chunks as SSE ``data:`` lines, ending with ``[DONE]``.

    The answer text streams as it is written; the sources list follows once the
    citations are checked, and the last chunk also carries the whole contract in ``answer``.
    """
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield f"data: {json.dumps(_chunk(completion_id, created, {'role': 'assistant', 'content': ''}))}\n\n"
    try:
        for event in events:
            if isinstance(event, AnswerDelta):
                data = _chunk(completion_id, created, {"content": event.text})
            else:
                answer = event.answer
                tail = message_text(answer)[len(answer.answer) :]
                data = {**_chunk(completion_id, created, {"content": tail}, "stop"), "answer": answer.model_dump()}
            yield f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
    except Exception as exc:
        yield f"data: {json.dumps(error_event(exc))}\n\n"
    yield "data: [DONE]\n\n"


def build_openai_router() -> APIRouter:
    """The ``/v1`` routes (auth is added by the app)."""
    router = APIRouter(prefix="/v1", responses=ERRORS)

    @router.get("/models", response_model=ModelList, summary="The one model this server offers")
    async def models() -> ModelList:
        return ModelList(data=[ModelCard(id=MODEL_ID)])

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}}},
        summary="OpenAI-compatible chat completion (streaming with `stream: true`)",
    )
    async def chat_completions(body: ChatCompletionRequest, request: Request) -> ChatCompletion | StreamingResponse:
        question, history = split_conversation(body)
        assistant = await current_assistant(request)
        if body.stream:
            events = assistant.stream(question, history, None, body.article_filter())
            return StreamingResponse(openai_stream(events), media_type="text/event-stream")
        answer = await run_in_threadpool(assistant.ask, question, history, None, body.article_filter())
        return ChatCompletion(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=MODEL_ID,
            choices=[ChatChoice(message=ChatMessageOut(content=message_text(answer)))],
            answer=answer,
        )

    return router
