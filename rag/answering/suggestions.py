"""Suggested follow-ups: questions about the people quoted near the passages an answer cites.

Only questions the system answers are offered: each candidate ("What did X say?") is put to
the same quotes index that answers such questions, and dropped if it would come back empty.
People the conversation already asked about (or the answer's own question names) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.contract import Answer, Message
from rag.indexing.statements import Statement

NEAR_CHARS = 1500  # a statement this close to a cited passage is "near" it
MAX_SUGGESTIONS = 3


def suggest_follow_ups(
    answer: Answer,
    history: Sequence[Message],
    statements_in: Callable[[set[str]], list[Statement]],
    answerable: Callable[[str], bool],
) -> list[str]:
    """Up to :data:`MAX_SUGGESTIONS` answerable questions, nearest speaker first."""
    if answer.abstained or not answer.citations:
        return []
    asked = " ".join([answer.question, *(m.content for m in history if m.role == "user")]).lower()
    distance: dict[str, int] = {}
    for s in statements_in({c.source for c in answer.citations}):
        if not s.speaker[:1].isupper() or " " not in s.speaker:  # a named person, not "he" or "an official"
            continue
        gap = min(
            max(c.start - s.context_end, s.context_start - c.end, 0) for c in answer.citations if c.source == s.source
        )
        if gap <= NEAR_CHARS and s.speaker.split()[-1].lower() not in asked:
            distance[s.speaker] = min(gap, distance.get(s.speaker, gap))
    found: list[str] = []
    for speaker in sorted(distance, key=lambda who: (distance[who], who)):
        question = f"What did {speaker} say?"
        if answerable(question):
            found.append(question)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found
