"""The retrieve and decide stages of a question asked in a conversation.

A follow-up often names nothing it asks about ("How did Ukraine hit back?", "What fund is that
part of?"), so the question alone retrieves little; the previous question says what it is about.
Appended always (``concat``), it misleads a question that changes the subject; ``fallback`` (the
default) searches the question alone first and, only when that is refused, again with the
previous question appended, taking the second reading when it answers with at least
``settings.context_min_confidence``: the second reading answers a question about the earlier
subject, which is not always the one asked ("What were those conditions?" answered by the
sentence that says there were conditions). Fitted on dev's conversations; measured on the golden
suite: evals/README.md (sixth and seventh sessions).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answering.decision import Decider, Plan
from rag.answering.hits import Hit
from rag.answering.question import ReadQuestion
from rag.answering.retrieval import HybridRetriever
from rag.contract import Message
from rag.settings import ContextRetrieval, Settings


class ConversationSearch:
    """Retrieves for a read question and decides on the hits, with the conversation's previous
    question as ``settings.context_retrieval`` says."""

    def __init__(self, settings: Settings, retriever: HybridRetriever, decider: Decider):
        self.settings = settings
        self.retriever = retriever
        self.decider = decider

    def hits(self, read: ReadQuestion, top_k: int, allowed: set[str] | None = None, context: str = "") -> list[Hit]:
        """The read question searched as corrected (roles named), embedded as asked, and the chunks
        of its ``settings.sentence_k`` nearest sentences; ``context`` (the previous question) is
        searched and embedded with it when given."""
        searched, as_asked = read.searched, read.info.corrected
        if context:
            searched, as_asked = f"{searched} {context}", f"{as_asked} {context}"
        return self.retriever.retrieve(searched, top_k, allowed, as_asked, self.settings.sentence_k)

    def hits_and_plan(
        self, read: ReadQuestion, history: Sequence[Message], top_k: int, allowed: set[str] | None
    ) -> tuple[list[Hit], Plan]:
        """The hits an answer rests on and the decision on them."""
        mode = self.settings.context_retrieval
        context = next((m.content for m in reversed(history) if m.role == "user"), "")
        hits = self.hits(read, top_k, allowed, context if mode == ContextRetrieval.concat else "")
        plan = self.decider.decide(read, hits)
        if mode != ContextRetrieval.fallback or not context or plan.decision.answerable:
            return hits, plan
        in_context = self.hits(read, top_k, allowed, context)
        other = self.decider.decide(read, in_context)
        if other.decision.answerable and other.decision.confidence >= self.settings.context_min_confidence:
            return in_context, other
        return hits, plan
