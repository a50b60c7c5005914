"""Answers written by an LLM, then checked: the LLM half of the Assistant."""

from __future__ import annotations

import logging
import re
from collections.abc import Generator as Gen
from dataclasses import dataclass
from typing import Any

from llama_index.core.llms import LLM

from rag.answering.checking import AnswerChecker, CheckedAnswer
from rag.answering.citations import OriginalTexts
from rag.answering.condensing import condense_by_rule, needs_condensing
from rag.answering.hits import Hit
from rag.answering.judge import HeuristicJudge
from rag.answering.prompts import build_messages, condense_messages
from rag.components.llm import LlmClient, LlmError
from rag.contract import AnswerDelta, Message
from rag.settings import Settings
from rag.timing import Clock

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What generation produced: a checked answer, or why the extractive answer must replace it."""

    checked: CheckedAnswer | None = None
    fallback: str | None = None  # "unsupported" | "llm_error"
    error: str | None = None


class Generator:
    """Prompts the LLM with numbered passages and checks what it writes."""

    def __init__(self, llm: LLM, settings: Settings, embedding: Any, texts: OriginalTexts):
        self.client = LlmClient(llm, settings)
        self.model_name = settings.llm_model
        self.judge = HeuristicJudge(embedding, settings.support_similarity)
        self.checker = AnswerChecker(self.judge, texts)
        self._settings = settings

    def condense(self, question: str, history: list[Message]) -> str | None:
        """A standalone version of a follow-up, by the LLM (by rule if it fails); ``None`` if not needed."""
        if not needs_condensing(question, history):
            return None
        try:
            reply = self.client.complete(condense_messages(question, history))
        except LlmError as exc:
            log.warning("condensing by rule: %s", exc)
            return condense_by_rule(question, history)
        lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
        rewritten = (
            re.sub(r"^(standalone question|question)\s*:\s*", "", lines[0], flags=re.I).strip(" \"'") if lines else ""
        )
        # A small model may ramble, answer, or echo the instruction ("Rewrite the question…"):
        # keep only a plausible question whose names all come from the conversation.
        if not rewritten or len(rewritten) > 2 * len(question) + 80 or not _grounded(rewritten, question, history):
            return condense_by_rule(question, history)
        return rewritten if rewritten != question else None

    def generate(
        self, question: str, hits: list[Hit], streaming: bool, clock: Clock
    ) -> Gen[AnswerDelta, None, Outcome]:
        """Yield the model's text deltas (when streaming); return the checked outcome."""
        messages = build_messages(question, hits, self._settings.max_answer_sentences)
        raw = ""
        try:
            if streaming:
                for delta in self.client.stream(messages):
                    if not raw:
                        clock.timings["first_token"] = clock.since_start()
                    raw += delta
                    yield AnswerDelta(text=delta)
            else:
                raw = self.client.complete(messages)
        except LlmError as exc:
            log.warning("LLM failed, answering extractively: %s", exc)
            return Outcome(fallback="llm_error", error=str(exc))
        clock.mark("generate")
        checked = self.checker.check(raw, hits, question)
        clock.mark("check")
        if checked.refused:
            return Outcome(checked, "unsupported", "the LLM did not answer from the passages")
        if checked.supported_ratio < self._settings.min_supported_ratio:
            supported = sum(c.supported for c in checked.claims)
            return Outcome(checked, "unsupported", f"{supported} of {len(checked.claims)} sentences were supported")
        return Outcome(checked)


_OPENERS = frozenset(
    "what who whom whose why how when where which did does do is are was were can could will would has have had "
    "should the a an in on at according after before".split()
)


def _grounded(rewritten: str, question: str, history: list[Message]) -> bool:
    """Whether every capitalised word of ``rewritten`` appears in the conversation (a question word may open it)."""
    said = " ".join([question, *(m.content for m in history)]).lower()
    for i, word in enumerate(re.findall(r"[A-Z][\w’'-]*", rewritten)):
        bare = re.sub(r"[’']s$", "", word).lower()
        if bare not in said and not (i == 0 and rewritten.startswith(word) and bare in _OPENERS):
            return False
    return True
