"""Many app servers, one memory: conversations and feedback in a real PostgreSQL shared by two
`rag serve` over one `chroma run`; SQLite files of the unversioned schema migrated in place."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import SEEDS, run_cli
from postgres import PgCluster, remove_cluster, start_cluster
from servers import RunningServer, start_rag_server

from rag import Answer, Settings
from rag.conversations import ConversationNotFoundError, ConversationStore, StoreUnavailableError
from rag.indexing.ingest import ingest

Q1 = "What did Witkoff tell Ushakov?"
Q2 = "What did he say about progress?"  # a follow-up: the shared history says who "he" is


@pytest.fixture(scope="module")
def postgres() -> Iterator[PgCluster]:
    cluster = start_cluster()
    yield cluster
    remove_cluster(cluster)


@pytest.fixture(scope="module")
def two_servers(
    postgres: PgCluster, chroma: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, RunningServer]]:
    tmp = tmp_path_factory.mktemp("shared")
    shared = {"RAG_CHROMA_URL": chroma.url, "RAG_DATABASE_URL": postgres.url, "RAG_COLLECTION": "shared_db"}
    ingest(Settings(chroma_url=chroma.url, index_dir=tmp / "a", corpus_dir=SEEDS, collection="shared_db"))
    servers = [
        start_rag_server(tmp / name, SEEDS, tmp / f"{name}.log", shared | {"RAG_DATA_DIR": str(tmp / f"data-{name}")})
        for name in ("a", "b")
    ]
    yield servers[0], servers[1]
    for s in servers:
        s.stop()
        assert "Traceback" not in s.log()


def test_a_conversation_started_on_one_server_continues_on_the_other(
    two_servers: tuple[RunningServer, RunningServer], postgres: PgCluster
) -> None:
    a, b = two_servers
    cid = httpx.post(f"{a.url}/api/conversations", json={}).json()["id"]
    first = httpx.post(f"{a.url}/api/ask", json={"question": Q1, "conversation_id": cid}, timeout=60).json()
    second = httpx.post(f"{b.url}/api/ask", json={"question": Q2, "conversation_id": cid}, timeout=60).json()
    assert (first["turn"], second["turn"]) == (0, 1)
    assert second["condensed_question"] == "What did Witkoff say about progress?"  # history read on B
    on_a = httpx.get(f"{a.url}/api/conversations/{cid}").json()
    assert [t["question"] for t in on_a["items"]] == [Q1, Q2]
    assert on_a["items"][0]["answer"]["citations"] == first["citations"]

    rating = {"conversation_id": cid, "turn": 1, "rating": "down", "comment": "given on server B"}
    assert httpx.post(f"{b.url}/api/feedback", json=rating).status_code == 204
    assert httpx.get(f"{a.url}/api/conversations/{cid}").json()["items"][1]["rating"] == "down"
    listed = run_cli("feedback", "list", env={"RAG_DATABASE_URL": postgres.url})  # wherever it runs
    assert listed.returncode == 0 and "given on server B" in listed.stdout


def test_twenty_writers_on_two_servers_lose_no_turn(two_servers: tuple[RunningServer, RunningServer]) -> None:
    a, b = two_servers
    cid = httpx.post(f"{a.url}/api/conversations", json={}).json()["id"]
    turns: list[int] = []
    errors: list[str] = []

    def write(n: int) -> None:
        url = (a if n % 2 else b).url
        reply = httpx.post(f"{url}/api/ask", json={"question": Q1, "conversation_id": cid}, timeout=120)
        (turns.append(reply.json()["turn"]) if reply.status_code == 200 else errors.append(reply.text))

    writers = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert not errors and sorted(turns) == list(range(20))
    saved = httpx.get(f"{b.url}/api/conversations/{cid}").json()
    assert [t["turn"] for t in saved["items"]] == list(range(20))


def test_postgres_down_is_a_503_answers_go_on_and_it_recovers(
    two_servers: tuple[RunningServer, RunningServer], postgres: PgCluster
) -> None:
    a, _ = two_servers
    postgres.stop()
    try:
        listed = httpx.get(f"{a.url}/api/conversations", timeout=60)
        answer = httpx.post(f"{a.url}/api/ask", json={"question": Q1}, timeout=60)
    finally:
        postgres.start()
    assert listed.status_code == 503 and listed.json()["error"]["code"] == "conversations_unavailable"
    assert "127.0.0.1" in listed.json()["error"]["message"]
    assert answer.status_code == 200 and answer.json()["citations"]
    again = httpx.get(f"{a.url}/api/conversations", timeout=60)
    assert again.status_code == 200


def test_the_store_keeps_its_guarantees_on_postgres(postgres: PgCluster) -> None:
    store = ConversationStore(postgres.url)
    cid = store.create("key-a").id
    answer = Answer(question="q", answer="x", abstained=True, mode="extractive")
    assert store.add_turn("key-a", cid, "q", answer) == 0
    with pytest.raises(ConversationNotFoundError):
        store.get("key-b", cid)  # owner isolation
    with pytest.raises(ConversationNotFoundError):
        store.rate("key-a", cid, 5, "up")
    store.rate("key-a", cid, 0, "up")
    store.rate("key-a", cid, 0, "down", "changed my mind")  # replaced, not added
    assert [(f.rating, f.comment) for f in store.feedback() if f.conversation_id == cid] == [
        ("down", "changed my mind")
    ]
    wrong = ConversationStore(postgres.url.replace("rag@", "rag:secret-pw@").replace("/postgres", "/nowhere"))
    with pytest.raises(StoreUnavailableError) as failed:
        wrong.summaries("key-a")
    assert "secret-pw" not in str(failed.value) and "nowhere" in str(failed.value)


def test_a_url_whose_driver_is_missing_says_what_to_install() -> None:
    store = ConversationStore("postgresql+pg8000://rag:pw@127.0.0.1:1/db")  # pg8000: not a dependency
    with pytest.raises(StoreUnavailableError, match="needs pg8000: install its driver") as failed:
        store.summaries("local")
    assert "pw" not in str(failed.value)


# The store's schema before it had versions (as created by commit 4d5fabe), verbatim.
UNVERSIONED_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS turns (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, turn INTEGER NOT NULL,
  question TEXT NOT NULL, answer TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (conversation_id, turn));
CREATE TABLE IF NOT EXISTS feedback (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, turn INTEGER NOT NULL,
  rating TEXT NOT NULL, comment TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (conversation_id, turn));
"""


def test_a_sqlite_file_of_the_unversioned_schema_migrates_in_place(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    answer = Answer(question="q", answer="Witkoff said so [1].", abstained=False, mode="extractive")
    with sqlite3.connect(path) as db:
        db.executescript(UNVERSIONED_SCHEMA)
        db.execute("INSERT INTO conversations VALUES ('a' || hex(randomblob(15)), 'local', 't', '2025', '2025')")
        (cid,) = db.execute("SELECT id FROM conversations").fetchone()
        db.execute("INSERT INTO turns VALUES (?, 0, 'q', ?, '2025')", (cid, answer.model_dump_json()))
        db.execute("INSERT INTO feedback VALUES (?, 0, 'down', 'old comment', '2025')", (cid,))
    store = ConversationStore(path)
    kept = store.get("local", cid)
    assert kept.items[0].answer == answer and kept.items[0].rating == "down"
    assert store.add_turn("local", cid, "q2", answer) == 1
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "feedback_created" in indexes
    ConversationStore(path).summaries("local")  # a second open finds it at head: nothing to do
