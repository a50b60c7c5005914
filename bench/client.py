"""`rag ask` against a running `rag serve` (the client path) vs. in-process, as ratios in one run.

Starts `rag serve` on the seed index (a free port), then times, in the same run:
the reference (`python -c pass` + `import httpx`), `rag ask` through the server, `rag ask --local`
(loads the index and the model), and the server's time until /readyz answers 200 and until
the chat page, built after that, is mounted (median of ``--starts`` starts).

    python bench/client.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What did Witkoff tell Ushakov?"


def wall(args: list[str], env: dict[str, str], runs: int) -> float:
    """Median wall seconds of ``args`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def start_server(port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float, float]:
    """`rag serve` on ``port``: the process, seconds until /readyz is 200 and until /ui/ is mounted."""
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "rag", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    ready = time.perf_counter() - start
    while httpx.get(f"{url}/ui/", timeout=5).status_code == 503:  # the page is built after /readyz
        time.sleep(0.02)
    return server, ready, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--starts", type=int, default=5, help="server starts timed (median)")
    args = parser.parse_args()
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RAG_SERVER_URL": f"http://127.0.0.1:{port}"}
    readies, pages = [], []
    for _ in range(args.starts):
        server, ready, page = start_server(port, env)
        readies.append(ready)
        pages.append(page)
        server.terminate()
        server.wait()
    server, _, _ = start_server(port, env)
    try:
        reference = wall([sys.executable, "-c", "import httpx"], env, args.runs)
        client = wall([sys.executable, "-m", "rag", "ask", QUESTION], env, args.runs)
        local = wall([sys.executable, "-m", "rag", "ask", "--local", QUESTION], env, max(2, args.runs // 5))
    finally:
        server.terminate()
        server.wait()
    ready, page = statistics.median(readies), statistics.median(pages)
    print(f"reference: python + import httpx {reference:6.3f} s")
    print(
        f"server ready (/readyz 200)      {ready:6.2f} s   = {ready / reference:.0f}x reference, median of "
        f"{args.starts} starts ({min(readies):.2f}-{max(readies):.2f}), target <= 4 s"
    )
    print(f"chat page mounted (/ui/ 200)    {page:6.2f} s")
    ratio = client / reference
    print(f"rag ask through the server      {client:6.3f} s   = {ratio:.2f}x reference (target <= 3x, <= 0.6 s)")
    print(f"rag ask --local (in-process)    {local:6.3f} s   = {local / client:.1f}x the client path")


if __name__ == "__main__":
    main()
