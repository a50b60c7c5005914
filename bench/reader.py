"""What the answer reader costs a warm question: ``python bench/reader.py``.

Two Assistants over one seed index in the same process: one as shipped (the decide stage runs
the reader over its candidate sentences), one with the reader left out (the reference, the
decide stage as it was before the reader). Both answer the golden suite's questions, warm,
alternating, so drift on the machine hits both alike; printed: p50/p95 of each and the ratio.
Run `make ingest` (or pass --index) first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import shipped_against_reference


def without_reader(settings: Any, shipped: Any) -> Any:
    """The reference: the decide stage with no reader."""
    from rag import Assistant
    from rag.components import build_components

    assert shipped.decider._reader() is not None, "the reader model is not installed: make train-reader"
    parts = build_components(settings, embedding=shipped.embedding)
    parts.__dict__["reader"] = None
    return Assistant(settings, parts)


if __name__ == "__main__":
    shipped_against_reference(__doc__.splitlines()[0], ("with reader", "without"), without_reader)
