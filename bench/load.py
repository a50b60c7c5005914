"""Load on the real server: N concurrent clients asking /api/ask for a fixed time (offline mode).

Starts `rag serve` on a free loopback port over a fresh index of seeds/ (or uses --url),
then prints requests/s, p50/p95/p99 latency, errors and the server's RSS before and
after. Writes bench/results/load-<clients>.json. A benchmark, not a test.

    python bench/load.py --clients 20 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from common import QUESTIONS, ROOT, offline_env, percentile, rss_mb, save_results, start_server, table


def start_seed_server(index_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Ingest seeds/ into ``index_dir`` and serve it."""
    env = offline_env(RAG_INDEX_DIR=str(index_dir), RAG_CORPUS_DIR=str(ROOT / "seeds"))
    subprocess.run([sys.executable, "-m", "rag", "ingest"], env=env, check=True, capture_output=True, cwd=ROOT)
    proc, url, _ = start_server(env, log=index_dir.parent / "server.log")
    return proc, url


async def run_load(url: str, clients: int, seconds: float) -> tuple[list[float], Counter[str], int]:
    """Each client asks in a loop until the deadline; latencies of the 200s, and every error by kind."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker(n: int) -> None:
            i = n
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.post("/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                    kind = (
                        None if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:120]}"
                    )
                except httpx.HTTPError as exc:
                    kind = f"{type(exc).__name__}: {exc}"[:160]
                if kind is None:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[kind] += 1
                i += 1

        await asyncio.gather(*(worker(n) for n in range(clients)))
    return latencies, errors, len(latencies) + sum(errors.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--url", help="an already running server (RSS is then not reported)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = (None, args.url) if args.url else start_seed_server(Path(tmp) / "index")
        try:
            httpx.post(f"{url}/api/ask", json={"question": QUESTIONS[0]}, timeout=60)  # warm up
            rss_before = rss_mb(proc.pid) if proc else float("nan")
            started = time.perf_counter()
            latencies, errors, total = asyncio.run(run_load(url, args.clients, args.seconds))
            elapsed = time.perf_counter() - started
            rss_after = rss_mb(proc.pid) if proc else float("nan")
            if proc and errors:
                print((Path(tmp) / "server.log").read_text("utf-8", errors="replace")[-3000:])
        finally:
            if proc:
                proc.terminate()
                proc.wait()

    result = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "errors": sum(errors.values()),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_after": round(rss_after, 1),
    }
    print(table([result], list(result)))
    for kind, count in errors.items():
        print(f"error ×{count}: {kind}")
    save_results(f"load-{args.clients}", result)


if __name__ == "__main__":
    main()
