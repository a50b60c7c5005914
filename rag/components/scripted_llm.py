"""A scripted LLM for unit tests of prompt assembly and answer checking.

It records every prompt it receives and replies with the next scripted item: a string,
a function of the prompt, or an exception to raise. Never the only test of a path:
tests/test_llm_server.py runs the same paths against a real model behind a real server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import PrivateAttr

Reply = str | Callable[[str], str] | BaseException


class ScriptedLLM(CustomLLM):
    """Replies from a script; ``prompts`` holds what it was asked, in order."""

    _script: list[Reply] = PrivateAttr(default_factory=list)
    _default: Reply | None = PrivateAttr(default=None)
    _prompts: list[str] = PrivateAttr(default_factory=list)

    def enqueue(self, *replies: Reply) -> ScriptedLLM:
        """Queue replies, used one per call."""
        self._script.extend(replies)
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
        return LLMMetadata(model_name="scripted", is_chat_model=False)

    def _next(self, prompt: str) -> str:
        self._prompts.append(prompt)
        reply = self._script.pop(0) if self._script else self._default
        if reply is None:
            raise AssertionError(f"the script is empty; prompt was:\n{prompt}")
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


def passage_number(prompt: str, phrase: str) -> int:
    """The id of the passage in ``prompt`` whose text contains ``phrase``."""
    import re

    for match in re.finditer(r'<passage id="(\d+)"[^>]*>\n(.*?)\n</passage>', prompt, re.S):
        if phrase in match.group(2):
            return int(match.group(1))
    raise AssertionError(f"no passage contains {phrase!r}")
