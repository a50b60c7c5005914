"""Ingest rate: single process vs. Ray with 1 and 2 workers, against the raw embedder (ratios, one run).

Writes a synthetic corpus (bench/synth.py), starts a `chroma run` server on 127.0.0.1, and for each
mode ingests the corpus into a fresh collection, timing the whole `rag ingest` process:

    python bench/ray_ingest.py [--articles 60] [--sentences 20] [--single] [--threads N]

Prints chunks/s per mode, each as a ratio to the single process, and the pipeline overhead of the
single process over the raw embedder: on the chunk texts alone (1 - ingest rate / embedder rate),
and on everything ingest embeds, the chunks and their sentences (ingest seconds / embedder seconds
- 1; the whole `rag ingest` process, start-up included). ``--single`` skips the Ray modes;
``--threads 1`` gives both one embedder thread, leaving the pipeline a core of its own.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synth import write_corpus  # noqa: E402


def _ingest(env: dict[str, str], args: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    chunks = int(re.search(r"(\d+) chunks embedded", done.stdout)[1])  # type: ignore[index]
    return seconds, chunks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--single", action="store_true", help="only the single process and the raw embedder")
    parser.add_argument(
        "--threads", type=int, default=None, help="embedder threads for the single process and the raw embedder"
    )
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    corpus = tmp / "corpus"
    write_corpus(corpus, opts.articles, sentences=opts.sentences)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = subprocess.Popen(
        [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(tmp / "chroma"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4)
    base = {**os.environ, "RAG_CHROMA_URL": f"http://127.0.0.1:{port}", "RAG_CORPUS_DIR": str(corpus)}
    if opts.threads:  # fewer threads than cores: is the pipeline's own work hidden on a spare core?
        base["RAG_INGEST_THREADS"] = str(opts.threads)
    rates: dict[str, float] = {}
    durations: dict[str, float] = {}
    try:
        for name, extra, args in (
            ("single process", {}, []),
            ("ray, 1 worker", {"RAG_RAY_NUM_CPUS": "1"}, ["--workers", "ray"]),
            ("ray, 2 workers", {"RAG_RAY_NUM_CPUS": "2", "RAG_INGEST_THREADS": "1"}, ["--workers", "ray"]),
        ):
            if opts.single and extra:
                continue
            env = {
                **base,
                **extra,
                "RAG_INDEX_DIR": str(tmp / name.replace(" ", "_")),
                "RAG_COLLECTION": f"bench{len(rates)}",
            }
            seconds, chunks = _ingest(env, args)
            rates[name] = chunks / seconds
            durations[name] = seconds
            print(f"{name:16} {chunks} chunks in {seconds:6.1f} s = {rates[name]:5.1f} chunks/s")
        raw, raw_all_seconds = _raw_rate(tmp / "single_process", base)
    finally:
        chroma.terminate()
    single = rates["single process"]
    for name, rate in rates.items():
        print(f"{name:16} x{rate / single:.2f} the single process")
    print(f"raw embedder     {raw:5.1f} texts/s on the same chunks; single-process overhead {1 - single / raw:.0%}")
    whole = durations["single process"]
    print(
        f"raw embedder     {raw_all_seconds:5.1f} s on the chunks and their sentences; "
        f"`rag ingest` {whole:5.1f} s = overhead {whole / raw_all_seconds - 1:.0%} (target <= 10%)"
    )


def _raw_rate(index: Path, env: dict[str, str]) -> tuple[float, float]:
    """The embedder alone (same threads as ingest) on the chunk texts the single-process ingest
    wrote: texts/s; and seconds for those texts plus their sentences, all that ingest embeds."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("RAG_")})
    from llama_index.core.schema import TextNode

    from rag.components import build_components
    from rag.components.store import open_collection
    from rag.indexing.sentence_index import sentence_rows
    from rag.settings import Settings

    settings = Settings(index_dir=index, collection="bench0")
    got = open_collection(settings, create=False).get(include=["documents", "metadatas"])
    texts = [f"{m.get('title', '')}\n\n{d}" for d, m in zip(got["documents"], got["metadatas"])]
    nodes = [TextNode(id_=i, text=d, metadata=m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
    _, sentence_texts, _ = sentence_rows(nodes)
    threads = settings.ingest_threads or os.cpu_count() or 1  # as ingest sizes its embedder
    embedding = build_components(settings.model_copy(update={"threads": threads})).embedding
    start = time.perf_counter()
    embedding.get_text_embedding_batch(texts)
    chunks_seconds = time.perf_counter() - start
    start = time.perf_counter()
    embedding.get_text_embedding_batch(texts + sentence_texts)
    return len(texts) / chunks_seconds, time.perf_counter() - start


if __name__ == "__main__":
    main()
