"""A scripted LLM: a deterministic stand-in for demos and for tests of prompt assembly and checking.

Chosen with ``RAG_LLM_BACKEND=scripted`` (replies from ``RAG_LLM_SCRIPT``), or passed in by a
test through :func:`rag.components.build_components`. It records every prompt it receives and
replies with the next scripted item: a string, a function of the prompt, or an exception to
raise; with nothing scripted it quotes the first sentence of the first passage with ``[1]``
(so the whole LLM path runs offline). Never the only test of a path: tests/test_llm_server.py
runs the same paths against a real model behind a real server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import PrivateAttr

Reply = str | Callable[[str], str] | BaseException


class ScriptedLLM(CustomLLM):
    """Replies from a script; ``prompts`` holds what it was asked, in order."""

    model_name: str = "scripted"
    _script: list[Reply] = PrivateAttr(default_factory=list)
    _default: Reply | None = PrivateAttr(default=None)
    _prompts: list[str] = PrivateAttr(default_factory=list)

    def enqueue(self, *replies: Reply) -> ScriptedLLM:
        """Queue replies, used one per call."""
        self._script.extend(replies)
        return self

    def reset(self) -> ScriptedLLM:
        """Forget the script, the default reply and the prompts (a fresh script for the next test)."""
        self._script.clear()
        self._default = None
        self._prompts.clear()
        return self

    def always(self, reply: Reply) -> ScriptedLLM:
        """The reply once the queue is empty."""
        self._default = reply
        return self

    @property
    def prompts(self) -> list[str]:
        return self._prompts

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name=self.model_name, is_chat_model=False)

    def _next(self, prompt: str) -> str:
        self._prompts.append(prompt)
        reply = self._script.pop(0) if self._script else self._default
        if reply is None:
            reply = quote_first_passage
        if isinstance(reply, BaseException):
            raise reply
        return reply(prompt) if callable(reply) else reply

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._next(prompt))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = self._next(prompt)

        def gen() -> CompletionResponseGen:
            sent = ""
            for word in text.split(" "):
                piece = word if not sent else " " + word
                sent += piece
                yield CompletionResponse(text=sent, delta=piece)

        return gen()


_PASSAGE = re.compile(r'<passage id="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)


def quote_first_passage(prompt: str) -> str:
    """The first sentence of passage 1, cited; nothing when the prompt has no passages (a rewrite request)."""
    from rag.text import sentences

    match = _PASSAGE.search(prompt)
    if match is None:
        return ""
    first = sentences(match.group(2))[0].rstrip(".")
    return f"{first} [{match.group(1)}]."


def passage_number(prompt: str, phrase: str) -> int:
    """The id of the passage in ``prompt`` whose text contains ``phrase``."""
    for match in _PASSAGE.finditer(prompt):
        if phrase in match.group(2):
            return int(match.group(1))
    raise AssertionError(f"no passage contains {phrase!r}")
