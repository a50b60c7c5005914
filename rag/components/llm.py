"""The LLM backend: any OpenAI-compatible chat server through LlamaIndex's ``OpenAILike``.

Errors are classified once here, retried once with backoff when retrying can help,
and reported with the key scrubbed from the message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from llama_index.core.llms import LLM, ChatMessage

from rag.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
OPENAI_URL = "https://api.openai.com/v1"


class LlmError(RuntimeError):
    """The LLM could not answer; ``kind`` is 'auth', 'timeout', 'unavailable', 'rate_limit' or 'bad_response'."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind

    @property
    def retryable(self) -> bool:
        """Whether a second try may succeed."""
        return self.kind in ("timeout", "unavailable", "rate_limit")


def build_llm(settings: Settings) -> LLM:
    """The chat model named by the settings (imported only when an LLM is configured)."""
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_base_url or OPENAI_URL,
        api_key=settings.llm_key() or "not-needed",  # local servers accept anything
        is_chat_model=True,
        context_window=8192,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout_s,
        max_retries=0,  # one retry, ours, with backoff
    )


def classify(exc: BaseException, secret: str | None) -> LlmError:
    """An :class:`LlmError` for any exception the client raised, without the key in it."""
    import httpx
    import openai

    message = str(exc) or type(exc).__name__
    if secret and len(secret) >= 4:
        message = message.replace(secret, "***")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return LlmError("auth", "the LLM server rejected the API key: check OPENAI_API_KEY (or RAG_LLM_API_KEY)")
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return LlmError("timeout", f"the LLM did not answer in time: {message}")
    if isinstance(exc, openai.RateLimitError):
        return LlmError("rate_limit", f"the LLM server is rate limiting: {message}")
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError | ConnectionError):
        return LlmError("unavailable", f"cannot reach the LLM server: {message}")
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return LlmError("unavailable", f"the LLM server failed ({exc.status_code}): {message}")
    return LlmError("bad_response", f"the LLM call failed: {type(exc).__name__}: {message}")


class LlmClient:
    """Chat calls with one retry (after ``backoff_s``) for errors worth retrying."""

    def __init__(self, llm: LLM, settings: Settings):
        self.llm = llm
        self.model_name = settings.llm_model
        self._secret = settings.llm_key()
        self._backoff = settings.llm_retry_backoff_s

    def _with_retry(self, call: Callable[[], T]) -> T:
        for attempt in (1, 2):
            try:
                return call()
            except Exception as exc:
                error = classify(exc, self._secret)
                if attempt == 2 or not error.retryable:
                    raise error from None
                log.warning("LLM call failed (%s); retrying once", error.kind)
                time.sleep(self._backoff)
        raise AssertionError("unreachable")

    def complete(self, messages: list[ChatMessage]) -> str:
        """The whole reply to ``messages``."""
        return self._with_retry(lambda: self.llm.chat(messages).message.content or "")

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """The reply as text deltas. Opening the stream is retried; a stream that breaks midway is not."""
        deltas: Iterator[Any] = self._with_retry(lambda: _started(self.llm.stream_chat(messages)))
        try:
            for chunk in deltas:
                if chunk.delta:
                    yield chunk.delta
        except Exception as exc:
            raise classify(exc, self._secret) from None


def _started(stream: Iterator[Any]) -> Iterator[Any]:
    """Pull the first chunk now, so connection errors surface inside the retry."""
    first = next(stream, None)

    def chained() -> Iterator[Any]:
        if first is not None:
            yield first
        yield from stream

    return chained()
