"""Latency of ``ask`` through MCP against ``POST /api/ask``, on one `rag serve`, in the same run
(``python bench/mcp_latency.py``; needs the seed index in RAG_INDEX_DIR, default .index).

Starts `rag serve` on a free loopback port, warms both paths, then times the same questions
alternately through each (one MCP session kept open, as an agent keeps it; one HTTP client),
and prints the medians and their ratio.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "How many people were injured in the drone attack on Kyiv?",
    "What did Witkoff tell Ushakov?",
    "Who is Steve Witkoff?",
    "What did Macron say about Ukraine?",
    "When did Trump meet Putin in Alaska?",
]
ROUNDS = 5


def main() -> None:
    """Print the two medians (ms) and MCP's ratio to the API."""

    from common import offline_env, start_server
    from mcp import Client

    index = os.environ.get("RAG_INDEX_DIR", str(ROOT / ".index"))
    server, url, _ = start_server(offline_env(RAG_INDEX_DIR=index), timeout=240)
    try:
        api: list[float] = []
        mcp: list[float] = []

        async def run() -> None:
            async with Client(f"{url}/mcp/") as client, httpx.AsyncClient(base_url=url, timeout=60) as http:
                for question in QUESTIONS:  # warm both paths (and the reader) first
                    await client.call_tool("ask", {"question": question})
                    await http.post("/api/ask", json={"question": question})
                for _ in range(ROUNDS):
                    for question in QUESTIONS:
                        started = time.perf_counter()
                        await http.post("/api/ask", json={"question": question})
                        api.append(time.perf_counter() - started)
                        started = time.perf_counter()
                        await client.call_tool("ask", {"question": question})
                        mcp.append(time.perf_counter() - started)

        anyio.run(run)
    finally:
        server.terminate()
        server.wait(timeout=30)
    a, m = statistics.median(api) * 1000, statistics.median(mcp) * 1000
    print(f"ask, {len(api)} calls each, same server, same run: /api/ask p50 {a:.1f} ms, MCP p50 {m:.1f} ms")
    print(f"MCP / API: {m / a:.2f}x")


if __name__ == "__main__":
    main()
