"""What searching a follow-up a second time costs a warm answer: ``python bench/follow_ups.py``.

Two Assistants over one seed index in the same process: one as shipped (``context_retrieval``
'fallback': a question asked with a history that is refused alone is searched and decided again
with the previous user question appended), one with 'off' (the reference: the question alone, as
before). Both answer the golden suite's questions that have a history, warm, in turn; printed:
p50/p95 of each and the ratio. Run `make ingest` (or pass --index) first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import shipped_against_reference


def question_alone(settings: Any, shipped: Any) -> Any:
    """The reference: a follow-up searched without the previous question."""
    from rag import Assistant
    from rag.settings import ContextRetrieval

    return Assistant(settings.model_copy(update={"context_retrieval": ContextRetrieval.off}))


if __name__ == "__main__":
    shipped_against_reference(__doc__.splitlines()[0], ("fallback", "off"), question_alone, follow_ups=True)
