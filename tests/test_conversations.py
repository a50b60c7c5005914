"""Saved conversations, feedback that becomes eval cases, export: through a real server and real SQLite."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import httpx
import pytest
from helpers import SEEDS, run_cli
from servers import RunningServer, start_rag_server

from rag import Settings
from rag.conversations import ConversationStore

Q1 = "What did Witkoff tell Ushakov?"
Q2 = "What did he say about progress?"  # a follow-up: the saved history says who "he" is


def _server(seed_index: Settings, tmp_path: Path, data: Path, keys: str | None = None) -> RunningServer:
    index = tmp_path / "index"
    if not index.exists():
        shutil.copytree(seed_index.index_dir, index)
    env = {"RAG_DATA_DIR": str(data)} | ({"RAG_API_KEY": keys} if keys else {})
    return start_rag_server(index, SEEDS, tmp_path / f"server-{len(list(tmp_path.glob('server-*')))}.log", env)


def test_a_conversation_survives_a_restart_with_its_citations(seed_index: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = _server(seed_index, tmp_path, data)
    try:
        cid = httpx.post(f"{server.url}/api/conversations", json={}).json()["id"]
        first = httpx.post(f"{server.url}/api/ask", json={"question": Q1, "conversation_id": cid}, timeout=60).json()
        second = httpx.post(f"{server.url}/api/ask", json={"question": Q2, "conversation_id": cid}, timeout=60).json()
    finally:
        server.stop()
    assert (first["turn"], second["turn"]) == (0, 1) and first["conversation_id"] == cid
    assert second["condensed_question"] == "What did Witkoff say about progress?"  # history came from the store
    server = _server(seed_index, tmp_path, data)
    try:
        listed = httpx.get(f"{server.url}/api/conversations").json()["conversations"]
        saved = httpx.get(f"{server.url}/api/conversations/{cid}").json()
        markdown = httpx.get(f"{server.url}/api/conversations/{cid}/export", params={"format": "md"}).text
        as_json = httpx.get(f"{server.url}/api/conversations/{cid}/export", params={"format": "json"}).json()
        renamed = httpx.patch(f"{server.url}/api/conversations/{cid}", json={"title": "Witkoff"}).json()
        deleted = httpx.delete(f"{server.url}/api/conversations/{cid}")
        gone = httpx.get(f"{server.url}/api/conversations/{cid}")
    finally:
        server.stop()
    assert [c["id"] for c in listed] == [cid] and listed[0]["title"] == Q1 and listed[0]["turns"] == 2
    assert [t["question"] for t in saved["items"]] == [Q1, Q2]
    assert saved["items"][0]["answer"]["citations"] == first["citations"]  # reopened exactly as answered
    quote = " ".join(first["citations"][0]["quote"].split())
    assert f"## {Q1}" in markdown and quote in markdown and first["citations"][0]["source"] in markdown
    assert as_json["items"][1]["answer"]["answer"] == second["answer"]
    assert renamed["title"] == "Witkoff"
    assert deleted.status_code == 204 and gone.status_code == 404


def test_each_key_sees_only_its_own_conversations(seed_index: Settings, tmp_path: Path) -> None:
    server = _server(seed_index, tmp_path, tmp_path / "data", keys="key-alice,key-bob")
    alice, bob = ({"Authorization": f"Bearer {k}"} for k in ("key-alice", "key-bob"))
    try:
        cid = httpx.post(f"{server.url}/api/conversations", json={"title": "mine"}, headers=alice).json()["id"]
        asked = httpx.post(
            f"{server.url}/api/ask", json={"question": Q1, "conversation_id": cid}, headers=bob, timeout=60
        )
        bob_sees = httpx.get(f"{server.url}/api/conversations", headers=bob).json()["conversations"]
        bob_opens = httpx.get(f"{server.url}/api/conversations/{cid}", headers=bob)
        bob_rates = httpx.post(
            f"{server.url}/api/feedback", json={"conversation_id": cid, "turn": 0, "rating": "down"}, headers=bob
        )
        alice_sees = httpx.get(f"{server.url}/api/conversations", headers=alice).json()["conversations"]
        nobody = httpx.get(f"{server.url}/api/conversations")
    finally:
        server.stop()
    assert asked.status_code == 404 and bob_sees == [] and bob_opens.status_code == 404
    assert bob_rates.status_code == 404 and [c["id"] for c in alice_sees] == [cid]
    assert nobody.status_code == 401
    assert "key-alice" not in (tmp_path / "data" / "conversations.sqlite3").read_bytes().decode("latin-1")


def test_twenty_concurrent_writers_lose_no_turn(seed_index: Settings, tmp_path: Path) -> None:
    server = _server(seed_index, tmp_path, tmp_path / "data")
    questions = ["What did Witkoff tell Ushakov?", "How many people were injured in the drone attack on Kyiv?"]
    try:
        cid = httpx.post(f"{server.url}/api/conversations", json={}).json()["id"]
        turns: list[int] = []
        errors: list[str] = []

        def client(i: int) -> None:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                for j in range(3):
                    body = {"question": questions[(i + j) % 2], "conversation_id": cid}
                    response = http.post("/api/ask", json=body)
                    if response.status_code == 200:
                        turns.append(response.json()["turn"])
                    else:
                        errors.append(response.text)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        saved = httpx.get(f"{server.url}/api/conversations/{cid}").json()
    finally:
        server.stop()
    assert errors == []
    assert sorted(turns) == list(range(60))  # every write got its own turn number, none lost
    assert [t["turn"] for t in saved["items"]] == list(range(60))


def test_thumbs_down_becomes_a_draft_case_that_rag_eval_runs(seed_index: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = _server(seed_index, tmp_path, data)
    try:
        cid = httpx.post(f"{server.url}/api/conversations", json={}).json()["id"]
        for question in (Q1, Q2):
            httpx.post(f"{server.url}/api/ask", json={"question": question, "conversation_id": cid}, timeout=60)
        rate = {"conversation_id": cid, "turn": 1, "rating": "down", "comment": "should quote the progress line"}
        assert httpx.post(f"{server.url}/api/feedback", json=rate).status_code == 204
        good = {"conversation_id": cid, "turn": 0, "rating": "up"}
        assert httpx.post(f"{server.url}/api/feedback", json=good).status_code == 204
        bad = [
            {**rate, "rating": "meh"},
            {**rate, "comment": "x" * 2001},
            {**rate, "conversation_id": "../etc"},
            {**rate, "turn": -1},
        ]
        refused = [httpx.post(f"{server.url}/api/feedback", json=b).status_code for b in bad]
        missing_turn = httpx.post(f"{server.url}/api/feedback", json={**rate, "turn": 7}).status_code
    finally:
        server.stop()
    assert refused == [422, 422, 422, 422] and missing_turn == 404
    env = {"RAG_DATA_DIR": str(data), "RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_CORPUS_DIR": str(SEEDS)}
    listed = run_cli("feedback", "list", env=env)
    assert listed.returncode == 0 and "down" in listed.stdout and "should quote the progress line" in listed.stdout
    out = tmp_path / "from_feedback.jsonl"
    exported = run_cli("feedback", "export", "--out", str(out), env=env)
    assert exported.returncode == 0 and "1 thumbs-down" in exported.stdout
    [case] = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert case["question"] == Q2 and case["key_facts"] == [] and case["rejected_answer"]
    assert case["history"][0]["content"] == Q1 and case["expected_sources"]
    unlabelled = run_cli("eval", "--suite", str(out), "--out", str(tmp_path / "r1"), env=env)
    assert unlabelled.returncode == 0 and "1 cases to label" in unlabelled.stdout
    case["key_facts"] = [["progress"]]  # what a person fills in
    out.write_text(json.dumps(case) + "\n", "utf-8")
    scored = run_cli("eval", "--suite", str(out), "--out", str(tmp_path / "r2"), env=env)
    assert scored.returncode == 0, scored.stderr
    report = json.loads((tmp_path / "r2" / "report.json").read_text("utf-8"))
    assert [c["id"] for c in report["run"]["cases"]] == [case["id"]]


def test_a_broken_store_is_a_503_and_answers_go_on(seed_index: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "conversations.sqlite3").write_bytes(b"this is not a database" * 100)
    server = _server(seed_index, tmp_path, data)
    try:
        listed = httpx.get(f"{server.url}/api/conversations")
        answer = httpx.post(f"{server.url}/api/ask", json={"question": Q1}, timeout=60)
    finally:
        server.stop()
    assert listed.status_code == 503 and listed.json()["error"]["code"] == "conversations_unavailable"
    assert "conversations.sqlite3" in listed.json()["error"]["message"]
    assert answer.status_code == 200 and answer.json()["citations"]
    assert "Traceback" not in server.log()


@pytest.mark.parametrize("bad", ["nothex", "0" * 31, "../../x"])
def test_conversation_ids_are_validated(server: RunningServer, bad: str) -> None:
    assert httpx.get(f"{server.url}/api/conversations/{bad}").status_code in (404, 422)
    asked = httpx.post(f"{server.url}/api/ask", json={"question": Q1, "conversation_id": bad})
    assert asked.status_code == 422


def test_follow_ups_are_answerable_questions(seed_index: Settings) -> None:
    from rag import Assistant

    assistant = Assistant(seed_index)
    answer = assistant.ask("How many people were injured in the drone attack on Kyiv?")
    found = assistant.follow_ups(answer)
    assert 1 <= len(found) <= 3
    for question in found:
        follow = assistant.ask(question)
        assert not follow.abstained and follow.citations, question
    asked = assistant.follow_ups(answer, [{"role": "user", "content": "What did Putin say?"}])
    assert not any("Putin" in q for q in asked)


def test_store_rejects_unknown_turns(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    cid = store.create("local").id
    with pytest.raises(KeyError):
        store.rate("local", cid, 0, "up")
    with pytest.raises(KeyError):
        store.get("someone-else", cid)
