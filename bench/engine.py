"""Engine timings on the seed corpus: ingest from scratch, warm ask, cold `rag ask`.

Prints a table and writes bench/results/engine.json. A benchmark, not a test: it
asserts nothing. Run with `make bench`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What did Witkoff say?",
    "How many people were injured in the drone attack on Kyiv?",
    "Where did Trump and Putin meet in August?",
    "Why did Trump cancel the missile package?",
    "What did the G7 say?",
    "What did Macron say about Ukraine?",
    "Which village did Russia capture?",
    "What do American intelligence assessments report?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    from rag import Assistant, Settings
    from rag.embedding import ensure_onnx_model
    from rag.ingest import ingest

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "seeds", index_dir=Path(tmp) / "index")
        ensure_onnx_model(settings)  # a one-time export per machine is not part of ingest time
        started = time.perf_counter()
        report = ingest(settings)
        results["ingest_seeds_s"] = time.perf_counter() - started
        results["ingest_chunks"] = report.chunks_total

        started = time.perf_counter()
        assistant = Assistant(settings)
        results["assistant_load_s"] = time.perf_counter() - started
        for q in QUESTIONS:  # warm-up
            assistant.ask(q)
        times = []
        for _ in range(10):
            for q in QUESTIONS:
                t = time.perf_counter()
                assistant.ask(q)
                times.append((time.perf_counter() - t) * 1000)
        results["ask_warm_p50_ms"] = statistics.median(times)
        results["ask_warm_p95_ms"] = percentile(times, 0.95)

        env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir)}
        cold = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "rag", "ask", QUESTIONS[0]], env=env, check=True, capture_output=True, cwd=ROOT
            )
            cold.append(time.perf_counter() - t)
        results["ask_cold_process_s"] = statistics.median(cold)

    out = ROOT / "bench" / "results" / "engine.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": platform.machine(), "cpus": os.cpu_count(), **results}, indent=2))
    targets = {"ingest_seeds_s": 5.0, "ask_warm_p50_ms": 30.0, "ask_cold_process_s": 3.0}
    print(f"{'metric':24} {'value':>10} {'target':>8}")
    for key, value in results.items():
        target = targets.get(key)
        print(f"{key:24} {value:10.2f} {'≤ ' + str(target) if target else '':>8}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
