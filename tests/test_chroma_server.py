"""Client/server mode: the index lives in a real `chroma run` server on 127.0.0.1.

The same ingest and ask paths as the embedded mode, two app servers sharing one Chroma
(each keeps its own BM25, rebuilt when the ids in Chroma change), and a Chroma restart
under a running `rag serve`: clean 503s while it is down, answers again once it is back.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from helpers import SEEDS, assert_contract
from llama_index.core.schema import QueryBundle
from servers import RunningServer, start_chroma, start_rag_server

from rag import Assistant, Settings
from rag.components.store import IndexUnavailableError, all_ids, open_collection
from rag.indexing.ingest import ingest

QUESTIONS = [
    "What did Witkoff say?",
    "How many people were injured in the drone attack on Kyiv?",
    "What are the articles about?",  # the overview reads first chunks with a metadata filter
]


def server_settings(chroma_url: str, index_dir: Path, corpus: Path = SEEDS, **extra: object) -> Settings:
    values = {"chroma_url": chroma_url, "index_dir": index_dir, "corpus_dir": corpus, **extra}
    return Settings(**values)  # type: ignore[arg-type]


def test_ingest_and_ask_match_the_embedded_index(chroma: RunningServer, seed_index: Settings, tmp_path: Path) -> None:
    settings = server_settings(chroma.url, tmp_path / "app", collection="same")
    report = ingest(settings)
    assert len(report.added) == 5 and not report.problems
    assert not (tmp_path / "app" / "chroma").exists()  # the vectors are in the server, not here
    on_server = sorted(all_ids(open_collection(settings, create=False)))
    assert on_server == sorted(all_ids(open_collection(seed_index, create=False)))
    again = ingest(settings)  # idempotent against the server too
    assert not again.added and len(again.skipped) == 5 and again.chunks_embedded == 0

    remote, embedded = Assistant(settings), Assistant(seed_index)
    for question in QUESTIONS:
        answer = remote.ask(question)
        assert_contract(answer, SEEDS)
        assert not answer.abstained and answer.answer == embedded.ask(question).answer


def test_two_app_servers_share_one_chroma(chroma: RunningServer, corpus_copy: Path, tmp_path: Path) -> None:
    first = server_settings(chroma.url, tmp_path / "app-a", corpus_copy, collection="shared")
    second = server_settings(chroma.url, tmp_path / "app-b", corpus_copy, collection="shared")
    ingest(first)
    reader = Assistant(second)  # never ingested: its BM25 is built from what the server holds
    assert len(reader.sources()) == 5

    (corpus_copy / "zz_new.txt").write_text(
        "Quetzalcoatl Holdings bought the Pokrovsk lithium field on Monday, its chief said.\n", "utf-8"
    )
    ingest(first)  # app A adds an article
    asked = QueryBundle(query_str="Quetzalcoatl Holdings lithium")
    # App B's dense side reads the server, its lexical index is the one it built
    assert "zz_new.txt" not in {h.node.metadata["source"] for h in reader.retriever._bm25.retrieve(asked)}
    reloaded = Assistant(second)  # what a reload does: the ids changed, so BM25 is rebuilt from Chroma
    assert reloaded.retriever._bm25.retrieve(asked)[0].node.metadata["source"] == "zz_new.txt"
    hits, _ = reloaded.search("Quetzalcoatl Holdings lithium")
    assert hits[0].source == "zz_new.txt"
    assert len(reloaded.sources()) == 6


def test_chroma_restart_under_a_running_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    chroma = start_chroma(data, tmp_path / "chroma.log")
    port = int(chroma.url.rsplit(":", 1)[1])
    index_dir = tmp_path / "app"
    ingest(server_settings(chroma.url, index_dir))
    app = start_rag_server(index_dir, SEEDS, tmp_path / "rag.log", {"RAG_CHROMA_URL": chroma.url})
    try:
        assert httpx.post(f"{app.url}/api/ask", json={"question": QUESTIONS[0]}, timeout=30).status_code == 200
        chroma.stop()
        for path in ("/api/ask", "/api/search"):
            down = httpx.post(f"{app.url}{path}", json={"question": QUESTIONS[1], "query": QUESTIONS[1]}, timeout=30)
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "index_unavailable"
            assert chroma.url in down.json()["error"]["message"]
        ready = httpx.get(f"{app.url}/readyz", timeout=30)
        assert ready.status_code == 503 and "cannot be read" in ready.json()["reason"]
        assert httpx.get(f"{app.url}/healthz", timeout=5).status_code == 200  # alive, just not ready

        chroma = start_chroma(data, tmp_path / "chroma-2.log", port=port)
        deadline = time.monotonic() + 30
        while httpx.get(f"{app.url}/readyz", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "not ready again after Chroma came back"
            time.sleep(0.5)
        back = httpx.post(f"{app.url}/api/ask", json={"question": QUESTIONS[1]}, timeout=30)
        assert back.status_code == 200 and "14" in back.json()["answer"]
        assert "Traceback" not in app.log()
    finally:
        app.stop()
        chroma.stop()


def test_unreachable_chroma_is_a_clear_error(tmp_path: Path) -> None:
    from servers import free_port

    settings = server_settings(f"http://127.0.0.1:{free_port()}", tmp_path / "app")
    with pytest.raises(IndexUnavailableError, match=r"Chroma server at http://127\.0\.0\.1"):
        Assistant(settings)


def test_cli_against_a_missing_chroma_server_says_so(tmp_path: Path) -> None:
    from helpers import run_cli
    from servers import free_port

    env = {"RAG_CHROMA_URL": f"http://127.0.0.1:{free_port()}", "RAG_INDEX_DIR": str(tmp_path / "app")}
    for args in (("ingest", str(SEEDS)), ("ask", "What did Witkoff say?")):
        result = run_cli(*args, env=env)
        assert result.returncode == 1, result.stderr
        assert "error: the Chroma server at http://127.0.0.1" in result.stderr
        assert "Traceback" not in result.stderr
