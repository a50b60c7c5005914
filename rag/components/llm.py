"""The LLM backend: any OpenAI-compatible chat server through LlamaIndex's ``OpenAILike``, or the
scripted stand-in (``RAG_LLM_BACKEND=scripted``).

Retries are the openai client's own (``RAG_LLM_MAX_RETRIES``, with its backoff, for connection
errors, timeouts, 429 and 5xx); what still fails is classified once here and reported with the
key scrubbed from the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from llama_index.core.llms import LLM, ChatMessage

from rag.settings import LlmBackend, Settings

log = logging.getLogger(__name__)
OPENAI_URL = "https://api.openai.com/v1"


class LlmError(RuntimeError):
    """The LLM could not answer; ``kind`` is 'auth', 'timeout', 'unavailable', 'rate_limit' or 'bad_response'."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def build_llm(settings: Settings) -> LLM:
    """The chat model named by the settings (imported only when an LLM is configured)."""
    if settings.llm_backend == LlmBackend.scripted:
        from rag.components.scripted_llm import ScriptedLLM

        return ScriptedLLM(model_name=settings.llm_model).enqueue(*settings.llm_script)
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
        max_retries=settings.llm_max_retries,
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
    """Chat calls whose failures come out as one :class:`LlmError` (the retries happen in the client)."""

    def __init__(self, llm: LLM, settings: Settings):
        self.llm = llm
        self.model_name = settings.llm_model
        self._secret = settings.llm_key()

    def complete(self, messages: list[ChatMessage]) -> str:
        """The whole reply to ``messages``."""
        try:
            return self.llm.chat(messages).message.content or ""
        except Exception as exc:
            raise classify(exc, self._secret) from None

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """The reply as text deltas (a stream that breaks midway is not retried: its text was shown)."""
        try:
            for chunk in self.llm.stream_chat(messages):
                if chunk.delta:
                    yield chunk.delta
        except Exception as exc:
            raise classify(exc, self._secret) from None
