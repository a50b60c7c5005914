"""Ingest and query at growing corpus sizes, side by side with the plain LlamaIndex pipeline.

For each size (``seeds`` or a number of synthetic articles, see bench/synth.py):
ingest as a separate `rag ingest` process (chunks/s, peak RSS, index size on disk) against
the embedder's raw rate on the same chunks (pipeline overhead = 1 − ingest rate / raw rate;
also from the run's own step timings, `rag ingest --json`);
`Assistant.ask` (extractive) and retrieval alone, p50/p95/p99; whole-process `rag ask` and
`rag serve` until /readyz; the server's RSS; optionally the baseline (LlamaIndex
VectorStoreIndex, default splitter, same embedder) and the index in a `chroma run` server.

    python bench/scale.py seeds 1000 --baseline --chroma-server
    python bench/scale.py 10000 --index DIR   # queries only, on an index built beforehand

Writes bench/results/scale-<size>.json (compared with the previous run) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import (
    QUESTIONS,
    ROOT,
    free_port,
    offline_env,
    percentile,
    rss_mb,
    save_results,
    start_process,
    start_server,
    table,
)
from synth import write_corpus

CACHE = ROOT / "bench" / "cache"  # not a dot-folder: LlamaIndex's reader skips hidden paths
REPEATS = 5


def corpus_for(size: str) -> Path:
    """The seed folder, or a synthetic corpus of ``size`` articles (generated once, then cached)."""
    if size == "seeds":
        return ROOT / "seeds"
    folder = CACHE / f"synthetic-{int(size)}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_corpus(folder, int(size))
        (folder / ".complete").touch()
    return folder


def timed_process(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a process; its wall time (s), peak RSS (MB) and standard output."""
    # files, not pipes: a chatty child cannot block on them
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{args} failed: {err.read().decode(errors='replace')[-2000:]}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read().decode(errors="replace")


def latencies(call: Any, questions: list[str]) -> list[float]:
    """Milliseconds per call, after one warm-up round."""
    for q in questions:
        call(q)
    times = []
    for _ in range(REPEATS):
        for q in questions:
            started = time.perf_counter()
            call(q)
            times.append((time.perf_counter() - started) * 1000)
    return times


def quantiles(prefix: str, times: list[float]) -> dict[str, float]:
    return {f"{prefix}_p{int(q * 100)}_ms": round(percentile(times, q), 2) for q in (0.5, 0.95, 0.99)}


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def measure(size: str, baseline: bool, chroma_server: bool, existing: Path | None = None) -> dict[str, Any]:
    from rag import Assistant, Settings
    from rag.components.embedding import ensure_onnx_model

    corpus = corpus_for(size)
    articles = sum(1 for p in corpus.iterdir() if p.suffix in {".txt", ".md", ".html"})
    result: dict[str, Any] = {"size": size, "articles": articles}
    with tempfile.TemporaryDirectory() as tmp:
        index = existing or Path(tmp) / "index"
        settings = Settings(corpus_dir=corpus, index_dir=index)
        ensure_onnx_model(settings)  # the one-time export per machine is not ingest time
        env = offline_env(RAG_INDEX_DIR=str(index), RAG_CORPUS_DIR=str(corpus))
        if existing is None:
            result |= measure_ingest(settings, env)
        else:
            result["index"] = f"existing {existing} (ingest not measured)"
        started = time.perf_counter()
        assistant = Assistant(settings)
        result["assistant_load_s"] = round(time.perf_counter() - started, 3)
        result["chunks"] = assistant.check_index()
        result |= quantiles("ask", latencies(assistant.ask, QUESTIONS))
        result |= quantiles("retrieve", latencies(lambda q: assistant.retriever.retrieve(q, 5), QUESTIONS))
        cold = [timed_process([sys.executable, "-m", "rag", "ask", QUESTIONS[0]], env)[0] for _ in range(5)]
        result["ask_cold_process_s"] = round(sorted(cold)[2], 2)
        proc, url, ready = start_server(env)
        try:
            for q in QUESTIONS * 3:
                httpx.post(f"{url}/api/ask", json={"question": q}, timeout=60).raise_for_status()
            result["server_ready_s"] = round(ready, 2)
            result["server_rss_mb"] = round(rss_mb(proc.pid), 1)
        finally:
            proc.terminate()
            proc.wait()
        if baseline:
            from rag.components.embedding import build_embedding

            threads = os.cpu_count() or 1  # the same engine as our ingest
            result |= measure_baseline(corpus, build_embedding(settings.model_copy(update={"threads": threads})))
        if chroma_server:
            result |= measure_chroma_server(assistant, Path(tmp))
    return result


def measure_ingest(settings: Any, env: dict[str, str]) -> dict[str, Any]:
    """`rag ingest` as a process, and the embedder's raw rate on the chunks it wrote."""
    from rag.components.embedding import build_embedding
    from rag.components.store import open_collection

    seconds, peak, output = timed_process([sys.executable, "-m", "rag", "ingest", "--json"], env)
    report = json.loads(output)
    phases, chunks = report["phases"], report["chunks_total"]
    got = open_collection(settings, create=False).get(limit=256, include=["documents", "metadatas"])
    # exactly what ingest embeds: the title, a blank line, the chunk
    sample = [f"{m.get('title', '')}\n\n{d}" for d, m in zip(got["documents"], got["metadatas"])]
    embedding = build_embedding(settings.model_copy(update={"threads": os.cpu_count() or 1}))  # as ingest does
    embedding.get_text_embedding_batch(sample[:16])
    started = time.perf_counter()
    embedding.get_text_embedding_batch(sample)
    raw_rate = len(sample) / (time.perf_counter() - started)
    ingest_rate = chunks / seconds
    return {
        "ingest_s": round(seconds, 2),
        "ingest_chunks_per_s": round(ingest_rate, 2),
        "embedder_raw_chunks_per_s": round(raw_rate, 2),
        "ingest_overhead": round(1 - ingest_rate / raw_rate, 3),
        # the same, from inside the run: time not spent embedding (start-up included)
        "ingest_overhead_in_run": round(1 - phases.get("embed", 0.0) / seconds, 3),
        "ingest_phases_s": {name: round(secs, 1) for name, secs in phases.items()},
        "ingest_peak_rss_mb": round(peak, 1),
        "index_mb": round(folder_mb(settings.index_dir), 2),
    }


def measure_baseline(corpus: Path, embedding: Any) -> dict[str, Any]:
    """The plain LlamaIndex pipeline (the eval's baseline): build rate and query latency."""
    sys.path.insert(0, str(ROOT))
    from evals.targets import BaselineTarget, Case

    started = time.perf_counter()
    target = BaselineTarget(corpus, embedding)
    seconds = time.perf_counter() - started
    nodes = len(target.retriever._index.docstore.docs)  # type: ignore[attr-defined]
    times = latencies(lambda q: target.run(Case(id="b", category="bench", question=q)), QUESTIONS)
    return {
        "baseline_chunks": nodes,
        "baseline_ingest_s": round(seconds, 2),
        "baseline_ingest_chunks_per_s": round(nodes / seconds, 2),
    } | quantiles("baseline_ask", times)


def measure_chroma_server(assistant: Any, tmp: Path) -> dict[str, Any]:
    """The same index copied into a `chroma run` server (vectors copied, not re-embedded); ask latency."""
    from rag import Assistant

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chroma = str(Path(sys.executable).with_name("chroma"))
    args = [chroma, "run", "--path", str(tmp / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)]
    proc, _ = start_process(args, offline_env(), f"{url}/api/v2/heartbeat")
    try:
        settings = assistant.settings.model_copy(update={"chroma_url": url, "index_dir": tmp / "app"})
        from rag.components.store import open_collection

        remote = open_collection(settings, create=True)
        offset = 0
        while True:
            batch = assistant.collection.get(
                limit=2000, offset=offset, include=["embeddings", "documents", "metadatas"]
            )
            if not batch["ids"]:
                break
            remote.add(
                ids=batch["ids"],
                embeddings=batch["embeddings"],
                documents=batch["documents"],
                metadatas=batch["metadatas"],
            )
            offset += len(batch["ids"])
        (tmp / "app").mkdir(exist_ok=True)
        shutil.copy(assistant.settings.index_dir / "corpus.json", tmp / "app" / "corpus.json")
        served = Assistant(settings)
        return quantiles("chroma_server_ask", latencies(served.ask, QUESTIONS))
    finally:
        proc.terminate()
        proc.wait()


COLUMNS = [
    "size",
    "articles",
    "chunks",
    "ingest_s",
    "ingest_chunks_per_s",
    "embedder_raw_chunks_per_s",
    "ingest_overhead",
    "ingest_overhead_in_run",
    "ingest_peak_rss_mb",
    "index_mb",
    "ask_p50_ms",
    "ask_p95_ms",
    "ask_p99_ms",
    "retrieve_p50_ms",
    "ask_cold_process_s",
    "server_ready_s",
    "server_rss_mb",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", default=["seeds", "1000"], help="'seeds' or a number of articles")
    parser.add_argument("--baseline", action="store_true", help="also build and query the plain LlamaIndex pipeline")
    parser.add_argument("--chroma-server", action="store_true", help="also query the index in a `chroma run` server")
    parser.add_argument("--index", type=Path, help="measure queries on this existing index of the one size (no ingest)")
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        print(f"measuring {size} …", flush=True)
        row = measure(size, args.baseline, args.chroma_server, args.index)
        save_results(f"scale-{size}" + ("-existing-index" if args.index else ""), row)
        rows.append(row)
    print(table(rows, COLUMNS))
    extra = [c for c in rows[0] if c.startswith(("baseline_", "chroma_server_"))]
    if extra:
        print(table(rows, ["size", *extra]))


if __name__ == "__main__":
    main()
