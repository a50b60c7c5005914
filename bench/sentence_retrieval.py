"""What the nearest sentences' chunks cost a warm answer: ``python bench/sentence_retrieval.py``.

Two Assistants over one seed index in the same process: one as shipped (an answer also reads the
chunks of the question's ``sentence_k`` nearest sentences, one more Chroma query and a ``get`` per
chunk added), one with ``sentence_k=0`` (the reference, retrieval as it was before). Both answer
the golden suite's questions, warm, in turn; printed: p50/p95 of each and the ratio.
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

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None, help="index dir (default: RAG_INDEX_DIR or .index)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(answerer="extractive", **({"index_dir": args.index} if args.index else {}))
    shipped = Assistant(settings)
    reference = Assistant(settings.model_copy(update={"sentence_k": 0}))
    questions = [c.question for c in load_suite(ROOT / "evals" / "golden.jsonl") if not c.history]
    times = alternate({f"sentence_k={settings.sentence_k}": shipped, "sentence_k=0": reference}, questions, args.rounds)
    shipped_p50, reference_p50 = (percentile(values, 0.5) for values in times.values())
    print(f"warm ask p50 ratio, shipped / sentence_k=0: {shipped_p50 / reference_p50:.2f}")


if __name__ == "__main__":
    main()
