"""Thumbs-down feedback as draft eval cases: a wrong answer becomes a regression case in minutes.

Each draft is a golden-format case (question, the history before it, the sources the bad
answer cited) with ``key_facts`` empty for a person to fill, and the answer that was rated
down kept as ``rejected_answer`` (with the rater's comment). ``rag eval`` reports cases
without key facts as "to label" and scores the rest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.conversations import Feedback


def draft_case(feedback: Feedback) -> dict[str, Any]:
    """The eval case a rating becomes (golden format, ``split: dev``: a case one tunes against)."""
    cited = list(dict.fromkeys(c.source for c in feedback.answer.citations))
    return {
        "id": f"fb-{feedback.conversation_id[:8]}-{feedback.turn}",
        "split": "dev",
        "category": "from_feedback",
        "question": feedback.question,
        "history": [m.model_dump() for m in feedback.history],
        "expected_sources": cited,
        "key_facts": [],
        "must_refuse": False,
        "reference": "",
        "rejected_answer": feedback.answer.answer,
        "comment": feedback.comment,
        "rated": feedback.created,
    }


def write_drafts(found: list[Feedback], out: Path) -> int:
    """Write the thumbs-down ratings of ``found`` to ``out`` (JSONL); how many were written."""
    drafts = [draft_case(f) for f in found if f.rating == "down"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in drafts), "utf-8")
    return len(drafts)
