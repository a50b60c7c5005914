"""What the nearest sentences' chunks cost a warm answer: ``python bench/sentence_retrieval.py``.

Two Assistants over one seed index in the same process: one as shipped (an answer also reads the
chunks of the question's ``sentence_k`` nearest sentences, one more Chroma query and a ``get`` per
chunk added), one with ``sentence_k=0`` (the reference, retrieval as it was before). Both answer
the golden suite's questions, warm, in turn; printed: p50/p95 of each and the ratio.
Run `make ingest` (or pass --index) first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import shipped_against_reference


def without_nearest_sentences(settings: Any, shipped: Any) -> Any:
    """The reference: retrieval without the nearest sentences' chunks."""
    from rag import Assistant

    return Assistant(settings.model_copy(update={"sentence_k": 0}))


if __name__ == "__main__":
    shipped_against_reference(__doc__.splitlines()[0], ("shipped", "sentence_k=0"), without_nearest_sentences)
