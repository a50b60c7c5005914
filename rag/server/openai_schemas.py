"""``/v1`` bodies in OpenAI's wire format: requests read only the fields used; responses carry the
fields OpenAI's chat-completions API defines that this server fills.

These are our own models, not the ``openai`` package's: importing ``openai.types`` builds
hundreds of models and took 0.8 s of the server's 3.5 s start-up. Compatibility is
tested with the real ``openai`` client, and each response is validated against its own models
(tests/test_server.py).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.contract import Answer
from rag.server.schemas import Filtered

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


class ChatMessageIn(BaseModel):
    """A chat message as OpenAI clients send it; content may be text parts."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text, with list-of-parts content flattened."""
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type", "text") == "text")
        return self.content or ""


class ChatCompletionRequest(Filtered):
    """``POST /v1/chat/completions``; sampling parameters are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False


class ChatCompletionMessage(BaseModel):
    """The assistant's reply in a completion."""

    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None


class Choice(BaseModel):
    """The one choice of a completion."""

    index: int = 0
    message: ChatCompletionMessage
    finish_reason: FinishReason = "stop"
    logprobs: None = None


class CompletionUsage(BaseModel):
    """Token counts; the extractive answerer uses no tokens, so they are 0."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    """An OpenAI chat completion plus ``answer``: the full answer contract with its citations."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage = Field(default_factory=CompletionUsage)
    answer: Answer = Field(description="The whole answer contract (citations with file, offsets and quote).")


class ChoiceDelta(BaseModel):
    """What a streamed chunk adds to the reply."""

    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    """The one choice of a streamed chunk."""

    index: int = 0
    delta: ChoiceDelta
    finish_reason: FinishReason | None = None


class ChatCompletionChunk(BaseModel):
    """One ``data:`` line of a streamed completion; the last one also carries ``answer``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    answer: Answer | None = Field(None, description="On the last chunk: the whole answer contract.")


class Model(BaseModel):
    """An entry of ``GET /v1/models``."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str


class ModelList(BaseModel):
    """``GET /v1/models``: the one model this server offers, in a list."""

    object: Literal["list"] = "list"
    data: list[Model]
