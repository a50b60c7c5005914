"""Faults under a running `rag serve`: the index deleted or truncated under it, and
ingests while readers ask. Nothing lost, clean errors, recovery without a restart."""

from __future__ import annotations

import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from helpers import ROOT, make_settings, run_cli
from servers import RunningServer, start_rag_server

from rag.components.store import all_ids, open_collection
from rag.indexing.ingest import ingest

QUESTION = "How many people were injured in the drone attack on Kyiv?"


@pytest.fixture
def private_server(corpus_copy: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server over its own index of a private corpus copy (the tests break it)."""
    index = tmp_path / "index"
    ingest(make_settings(corpus_copy, index))
    server = start_rag_server(index, corpus_copy, tmp_path / "server.log")
    yield server, index, corpus_copy
    server.stop()


def wait_ready(server: RunningServer, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while httpx.get(f"{server.url}/readyz", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, httpx.get(f"{server.url}/readyz", timeout=30).text
        time.sleep(0.3)


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_index_damaged_while_serving_gives_503_then_recovers(private_server, damage: str) -> None:  # type: ignore[no-untyped-def]
    server, index, corpus = private_server
    assert httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30).status_code == 200
    if damage == "deleted":
        shutil.rmtree(index / "chroma")
    else:
        (index / "chroma" / "chroma.sqlite3").write_bytes(b"")

    response = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "index_not_ready"
    assert damage in response.json()["error"]["message"] and "rag ingest" in response.json()["error"]["message"]
    ready = httpx.get(f"{server.url}/readyz", timeout=30)
    assert ready.status_code == 503 and "rag ingest" in ready.json()["reason"]
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200

    if damage == "truncated":
        shutil.rmtree(index / "chroma")  # what an operator does with a broken index before re-ingesting
    result = run_cli("ingest", str(corpus), env={"RAG_INDEX_DIR": str(index)})
    assert result.returncode == 0, result.stderr
    wait_ready(server)  # no restart
    answer = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=30).json()
    assert "14" in answer["answer"] and answer["citations"]
    assert "Traceback" not in server.log()


def test_ingest_while_readers_ask(private_server) -> None:  # type: ignore[no-untyped-def]
    """Uploads indexed through the server while 4 readers ask without pause: no reader errors,
    and the index ends complete (every article, no duplicate chunk)."""
    server, index, corpus = private_server
    statuses: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            while not stop.is_set():
                statuses.append(client.post("/api/ask", json={"question": QUESTION}).status_code)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        for n, story in enumerate(("chess-final", "rail-strike", "flu-season")):  # three stories (a copy counts once)
            text = (ROOT / "evals" / "news_pages" / f"{story}.main.txt").read_text("utf-8")
            files = {"files": (f"upload_{n}.txt", text.encode(), "text/plain")}
            response = httpx.post(f"{server.url}/api/ingest", files=files, timeout=120)
            assert response.status_code == 200, response.text
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    ids = all_ids(open_collection(make_settings(corpus, index), create=False))
    assert len(ids) == len(set(ids))
    assert {i.split("|")[0] for i in ids} >= {f"upload_{n}.txt" for n in range(3)}
    sources = httpx.get(f"{server.url}/api/sources", timeout=30).json()
    assert len(sources["sources"]) == 8


class _GarbageLLM(BaseHTTPRequestHandler):
    """An 'OpenAI-compatible' server that answers 200 with bytes that are not a completion."""

    def do_GET(self) -> None:
        self._reply(b'{"object": "list", "data": [{"id": "garbage"}]}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._reply(b"\x00\xffthis is not json{{{")

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_llm_returning_garbage_gives_the_extractive_fallback(seed_index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    garbage = ThreadingHTTPServer(("127.0.0.1", 0), _GarbageLLM)
    threading.Thread(target=garbage.serve_forever, daemon=True).start()
    llm_url = f"http://127.0.0.1:{garbage.server_address[1]}/v1"
    env = {"RAG_LLM_BASE_URL": llm_url, "RAG_LLM_MODEL": "garbage", "RAG_LLM_MAX_RETRIES": "0"}
    server = start_rag_server(seed_index.index_dir, seed_index.corpus_dir, tmp_path / "rag.log", env)
    try:
        for _ in range(3):
            response = httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=60)
            assert response.status_code == 200, response.text
            answer = response.json()
            assert answer["fallback"] == "llm_error" and answer["error"]
            assert answer["mode"] == "extractive" and "14" in answer["answer"] and answer["citations"]
        stream = httpx.post(f"{server.url}/api/ask/stream", json={"question": QUESTION}, timeout=60).text
        assert "event: final" in stream and '"fallback": "llm_error"' in stream
        assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200  # still healthy
        assert "Traceback" not in server.log()
    finally:
        server.stop()
        garbage.shutdown()


def test_hundred_concurrent_clients_get_no_errors(server: RunningServer) -> None:
    """A bounded version of `bench/load.py --clients 100`: 15 s, every request 200, RSS bounded."""
    import asyncio

    def rss_mb() -> float:
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024

    async def load(seconds: float) -> list[str]:
        outcomes: list[str] = []
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=100)) as c:

            async def client() -> None:
                while time.monotonic() < deadline:
                    try:
                        outcomes.append(str((await c.post("/api/ask", json={"question": QUESTION})).status_code))
                    except httpx.HTTPError as exc:
                        outcomes.append(type(exc).__name__)

            await asyncio.gather(*(client() for _ in range(100)))
        return outcomes

    before = rss_mb()
    outcomes = asyncio.run(load(15))
    growth = rss_mb() - before
    assert len(outcomes) > 100 and set(outcomes) == {"200"}, {o: outcomes.count(o) for o in set(outcomes)}
    assert growth < 150, f"RSS grew {growth:.0f} MB under load"
