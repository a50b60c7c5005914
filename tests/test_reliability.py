"""Faults under a running `rag serve`: the index deleted or truncated under it, and
ingests while readers ask. Nothing lost, clean errors, recovery without a restart."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
from helpers import SEEDS, make_settings, run_cli
from servers import RunningServer, start_rag_server

from rag.ingest import ingest
from rag.store import all_ids, open_collection

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
        for n in range(3):
            text = (SEEDS / "001_2143c3894b5ebdc7.txt").read_text("utf-8") + f"\nUpdate number {n}.\n"
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
