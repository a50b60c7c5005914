"""What the answer reader costs a warm question: ``python bench/reader.py``.

Two Assistants over one seed index in the same process: one as shipped (the decide stage runs
the reader over its candidate sentences), one with the reader left out (the reference, the
decide stage as it was before the reader). Both answer the golden suite's questions, warm,
alternating, so drift on the machine hits both alike; printed: p50/p95 of each and the ratio.
Run `make ingest` (or pass --index) first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, alternate, percentile


def main() -> None:
    from evals.runner import load_suite
    from rag import Assistant, Settings
    from rag.components import build_components

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None, help="index dir (default: RAG_INDEX_DIR or .index)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(answerer="extractive", **({"index_dir": args.index} if args.index else {}))
    shipped = Assistant(settings)
    assert shipped.decider._reader() is not None, "the reader model is not installed: make train-reader"
    parts = build_components(settings, embedding=shipped.embedding)
    parts.__dict__["reader"] = None  # the reference: no reader in the decide stage
    reference = Assistant(settings, parts)
    questions = [c.question for c in load_suite(ROOT / "evals" / "golden.jsonl") if not c.history]
    times = alternate({"with reader": shipped, "without": reference}, questions, args.rounds)
    ratio = percentile(times["with reader"], 0.5) / percentile(times["without"], 0.5)
    print(f"warm ask p50 ratio, with reader / without: {ratio:.2f}")


if __name__ == "__main__":
    main()
