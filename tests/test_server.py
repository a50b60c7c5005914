"""The HTTP server, over the network: a real uvicorn on 127.0.0.1 started by a fixture."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from helpers import SEEDS, assert_contract, run_cli
from servers import RunningServer, start_rag_server

from rag import Answer, Settings
from rag.indexing.ingest import ingest

WITKOFF = ("What did Witkoff say?", "000_e8e45ee0a9587a4b.txt", "I sense that there’s some progress today")
KYIV = ("How many people were injured in the drone attack on Kyiv?", "001_2143c3894b5ebdc7.txt", "14 people")
ANCHORAGE = ("Where did Trump and Putin meet in August?", "002_41624f146f71b989.txt", "Anchorage, Alaska")


def assert_cites(answer: Answer, source: str, phrase: str) -> None:
    assert not answer.abstained, answer.answer
    assert any(c.source == source and phrase in c.quote for c in answer.citations), answer.citations


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["message"]
    if code:
        assert body["code"] == code
    return body  # type: ignore[no-any-return]


def sse_events(text: str) -> list[tuple[str, dict[str, object]]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_probes(server: RunningServer) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz").json()
    sources = httpx.get(f"{server.url}/api/sources").json()["sources"]
    assert ready["ready"] is True and ready["mode"] == "extractive"
    assert ready["articles"] == len(sources) == 5
    assert ready["chunks"] == sum(s["chunks"] for s in sources) > 5


def test_a_taken_port_fails_at_once_with_a_clear_error(tmp_path: Path) -> None:
    """The port is bound before the index loads: a taken one is said in seconds, not after loading."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        began = time.monotonic()
        done = run_cli("serve", "--port", str(port), env={"RAG_INDEX_DIR": str(tmp_path / "index")}, timeout=60)
    assert done.returncode != 0 and "address already in use" in done.stderr.lower(), done.stderr[-2000:]
    assert f"Newsdesk QA on http://127.0.0.1:{port}/" not in done.stderr  # never announced as serving
    assert time.monotonic() - began < 30


def test_the_server_ignores_sigpipe_so_a_client_hanging_up_cannot_kill_it(server: RunningServer) -> None:
    """A browser that closes its tab mid-reply leaves the server writing to a socket the peer has
    closed. Python ignores SIGPIPE so that such a write raises (and is handled) instead of killing
    the process; `rag serve` once set it to its default for `rag quotes | head`, and died of it
    (exit -13) in the browser tests."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    ignored = int(re.search(r"^SigIgn:\s*([0-9a-f]+)$", status, re.M)[1], 16)  # type: ignore[index]
    assert ignored & (1 << (signal.SIGPIPE - 1)), status


def test_ask_returns_the_cited_contract(server: RunningServer) -> None:
    for question, source, phrase in (WITKOFF, KYIV, ANCHORAGE):
        response = httpx.post(f"{server.url}/api/ask", json={"question": question, "top_k": 5}, timeout=60)
        assert response.status_code == 200, response.text
        answer = Answer.model_validate(response.json())
        assert_contract(answer, SEEDS)
        assert_cites(answer, source, phrase)


def test_ask_out_of_corpus_abstains(server: RunningServer) -> None:
    answer = Answer.model_validate(
        httpx.post(f"{server.url}/api/ask", json={"question": "Who won the World Cup?"}).json()
    )
    assert answer.abstained and answer.citations == []


def test_stream_sends_deltas_then_the_final_contract(server: RunningServer) -> None:
    question, source, phrase = WITKOFF
    with httpx.stream("POST", f"{server.url}/api/ask/stream", json={"question": question}, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode("utf-8"))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "final" and set(kinds[:-1]) == {"delta"} and len(kinds) > 2
    final = Answer.model_validate(events[-1][1])
    assert "".join(str(data["text"]) for _, data in events[:-1]) == final.answer
    assert_contract(final, SEEDS)
    assert_cites(final, source, phrase)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"question": ""}, 422, "empty_question"),
        ({"question": "   \n "}, 422, "empty_question"),
        ({"question": "why " * 600}, 413, "question_too_long"),
        ({}, 422, "invalid_request"),
        ({"question": 42}, 422, "invalid_request"),
        ({"question": "What did Witkoff say?", "top_k": 0}, 422, "invalid_request"),
        ({"question": "What did Witkoff say?", "top_k": 10_000}, 422, "invalid_request"),
        ({"question": "What did Witkoff say?", "history": [{"role": "system", "content": "x"}]}, 422, None),
    ],
)
def test_bad_questions_get_json_errors(server: RunningServer, body: dict[str, object], status: int, code: str) -> None:
    for path in ("/api/ask", "/api/ask/stream"):
        assert_error(httpx.post(f"{server.url}{path}", json=body), status, code)


def test_malformed_requests_get_json_errors(server: RunningServer) -> None:
    headers = {"content-type": "application/json"}
    assert_error(httpx.post(f"{server.url}/api/ask", content=b"{not json", headers=headers), 422, "invalid_request")
    assert_error(httpx.post(f"{server.url}/api/ask", content=b"\xff\xfe", headers=headers), 422, "invalid_request")
    assert_error(httpx.get(f"{server.url}/api/nothing-here"), 404, "not_found")
    assert_error(httpx.get(f"{server.url}/api/ask"), 405, "method_not_allowed")
    # Unknown fields are ignored, consistently.
    ok = httpx.post(f"{server.url}/api/ask", json={"question": KYIV[0], "temperature": 3}, timeout=60)
    assert ok.status_code == 200


def test_sources_serve_only_corpus_files(server: RunningServer) -> None:
    listed = httpx.get(f"{server.url}/api/sources").json()["sources"]
    assert sorted(s["source"] for s in listed) == sorted(p.name for p in SEEDS.iterdir())
    name = WITKOFF[1]
    one = httpx.get(f"{server.url}/api/sources/{name}").json()
    assert one["text"] == (SEEDS / name).read_text("utf-8")
    assert one["title"] and one["chunks"] >= 1
    for attempt in (
        "../pyproject.toml",
        "..%2Fpyproject.toml",
        "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        f"../seeds/{name}",
        f"{name}%00.txt",
        "x" * 5000,
        "pyproject.toml",
    ):
        response = httpx.get(f"{server.url}/api/sources/{attempt}")
        assert response.status_code == 404, (attempt, response.status_code)
        assert "error" in response.json()
        assert "[project]" not in response.text and "root:" not in response.text


def test_twenty_concurrent_requests_are_all_answered(server: RunningServer) -> None:
    cases = [WITKOFF, KYIV, ANCHORAGE, WITKOFF, KYIV] * 4

    def ask(case: tuple[str, str, str]) -> tuple[Answer, tuple[str, str, str]]:
        response = httpx.post(f"{server.url}/api/ask", json={"question": case[0]}, timeout=120)
        assert response.status_code == 200, response.text
        return Answer.model_validate(response.json()), case

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask, cases))
    assert len(results) == 20
    for answer, (_, source, phrase) in results:
        assert_cites(answer, source, phrase)


def test_openai_client_completion_and_stream(server: RunningServer) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == ["newsdesk-qa"]
    completion = client.chat.completions.create(model="newsdesk-qa", messages=[{"role": "user", "content": WITKOFF[0]}])
    content = completion.choices[0].message.content or ""
    answer = Answer.model_validate(completion.model_extra["answer"])  # type: ignore[index]
    assert_contract(answer, SEEDS)
    assert_cites(answer, WITKOFF[1], WITKOFF[2])
    assert content.startswith(answer.answer) and "Sources:" in content and WITKOFF[1] in content

    stream = client.chat.completions.create(
        model="newsdesk-qa", messages=[{"role": "user", "content": KYIV[0]}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason == "stop"
    final = Answer.model_validate(chunks[-1].model_extra["answer"])  # type: ignore[index]
    assert text.startswith(final.answer) and "Sources:" in text
    assert_cites(final, KYIV[1], KYIV[2])


def test_v1_bodies_validate_against_openais_own_models(server: RunningServer) -> None:
    """The client above parses leniently; the package's models, validated strictly, catch a wrong
    field type or a missing required field in our own response models."""
    from openai.types import Model
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    for entry in httpx.get(f"{server.url}/v1/models").json()["data"]:
        Model.model_validate(entry, strict=True)
    body = {"model": "newsdesk-qa", "messages": [{"role": "user", "content": WITKOFF[0]}]}
    completion = ChatCompletion.model_validate(
        httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=30).json(), strict=True
    )
    assert completion.choices[0].message.content and completion.model_extra and "answer" in completion.model_extra
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json={**body, "stream": True}, timeout=30) as r:
        lines = [line.removeprefix("data: ") for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [ChatCompletionChunk.model_validate_json(line, strict=True) for line in lines[:-1]]
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[-1].choices[0].finish_reason == "stop"


def test_openai_route_rejects_a_conversation_without_a_question(server: RunningServer) -> None:
    body = {"model": "newsdesk-qa", "messages": [{"role": "assistant", "content": "hi"}]}
    assert_error(httpx.post(f"{server.url}/v1/chat/completions", json=body), 422, "invalid_request")
    assert_error(httpx.post(f"{server.url}/v1/chat/completions", json={"messages": []}), 422, "invalid_request")


def test_openapi_schema_types_every_route(server: RunningServer) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/ask", "/api/ask/stream", "/api/sources", "/api/ingest", "/v1/chat/completions", "/readyz"):
        assert path in paths
    ask = paths["/api/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskResponse")
    answer = schema["components"]["schemas"]["AskResponse"]["properties"]  # the contract, plus where it was saved
    assert {"answer", "citations", "abstained", "follow_ups", "conversation_id", "turn"} <= set(answer)
    assert ask["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_gradio_client_asks_through_the_mounted_ui(server: RunningServer) -> None:
    from gradio_client import Client

    client = Client(f"{server.url}/ui/", verbose=False)
    box, chat, panel = client.predict(WITKOFF[0], [], "", api_name="/ask")
    assert box == ""  # the question box is cleared for the next question
    reply = " ".join(part["text"] for part in chat[-1]["content"])
    assert chat[-1]["role"] == "assistant" and 'class="cite-chip"' in reply
    assert WITKOFF[1] in panel and "<mark>" in panel and "progress" in panel


# --- a server with an API key and a writable corpus ---

KEY = "test-key-5f1d0c9a7e"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("keyed")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    for f in corpus.iterdir():
        f.chmod(0o644)
    ingest(Settings(corpus_dir=corpus, index_dir=base / "index"))
    running = start_rag_server(base / "index", corpus, base / "server.log", {"RAG_API_KEY": KEY})
    running.corpus = corpus  # type: ignore[attr-defined]
    yield running
    running.stop()


def test_every_protected_route_needs_the_key(keyed_server: RunningServer) -> None:
    url = keyed_server.url
    calls = [
        ("POST", "/api/ask", {"question": KYIV[0]}),
        ("POST", "/api/ask/stream", {"question": KYIV[0]}),
        ("GET", "/api/sources", None),
        ("GET", f"/api/sources/{KYIV[1]}", None),
        ("GET", "/v1/models", None),
        ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": KYIV[0]}]}),
    ]
    bad_headers = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"Authorization": "Bearer"}]
    bad_headers += [{"Authorization": f"Basic {KEY}"}, {"Authorization": f"Bearer {KEY}x"}]
    for method, path, body in calls:
        for headers in bad_headers:
            assert_error(httpx.request(method, url + path, json=body, headers=headers), 401, "unauthorized")
        ok = httpx.request(method, url + path, json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
        assert ok.status_code == 200, (path, ok.text)
    assert httpx.post(f"{url}/api/ingest", files=[("files", ("a.txt", b"text"))]).status_code == 401
    assert httpx.get(f"{url}/healthz").status_code == 200
    assert httpx.get(f"{url}/readyz").status_code == 200
    assert KEY not in keyed_server.log()


def test_openai_client_with_a_wrong_key_gets_a_clear_error(keyed_server: RunningServer) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{keyed_server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    client = openai.OpenAI(base_url=f"{keyed_server.url}/v1", api_key=KEY, max_retries=0)
    assert [m.id for m in client.models.list()] == ["newsdesk-qa"]


def test_upload_is_indexed_and_answerable(keyed_server: RunningServer) -> None:
    url, auth = keyed_server.url, {"Authorization": f"Bearer {KEY}"}
    article = (
        b"Zanzibar Harbour Reopens\n\n"
        b"The harbour authority said on Monday that the quarantined Qorvath freighter carried 312 containers. "
        b"Officials expect the Qorvath inspection to end within nine days."
    )
    # Indexing embeds on a machine the other test worker keeps busy: more than httpx's default 5 s
    files = [("files", ("qorvath.txt", article, "text/plain"))]
    response = httpx.post(f"{url}/api/ingest", files=files, headers=auth, timeout=120)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["saved"] == ["qorvath.txt"] and body["added"] == ["qorvath.txt"]
    answer = Answer.model_validate(
        httpx.post(
            f"{url}/api/ask", json={"question": "How many containers did the Qorvath carry?"}, headers=auth, timeout=60
        ).json()
    )
    assert_contract(answer, keyed_server.corpus)  # type: ignore[attr-defined]
    assert_cites(answer, "qorvath.txt", "312 containers")
    again = httpx.post(
        f"{url}/api/ingest", files=[("files", ("qorvath.txt", article))], headers=auth, timeout=120
    ).json()
    assert again["unchanged"] == ["qorvath.txt"] and again["added"] == [] and again["saved"] == []
    sources = httpx.get(f"{url}/api/sources", headers=auth, timeout=60).json()["sources"]
    assert len(sources) == 6


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("notes.exe", b"hello", 422, "unsupported_type"),
        ("latin1.txt", "café olé".encode("latin-1"), 422, "not_utf8"),
        ("empty.txt", b"  \n", 422, "empty"),
        ("big.txt", b"a" * 2_000_001, 413, "too_large"),
        ("000_e8e45ee0a9587a4b.txt", b"Replaced text", 409, "exists"),
        ("..", b"text", 422, "bad_name"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(
    keyed_server: RunningServer, name: str, data: bytes, status: int, code: str
) -> None:
    corpus: Path = keyed_server.corpus  # type: ignore[attr-defined]
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    response = httpx.post(
        f"{keyed_server.url}/api/ingest",
        files=[("files", (name, data))],
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=60,
    )
    assert_error(response, status, code)
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before


def test_upload_names_cannot_escape_the_corpus(keyed_server: RunningServer) -> None:
    corpus: Path = keyed_server.corpus  # type: ignore[attr-defined]
    auth = {"Authorization": f"Bearer {KEY}"}
    names = ["../escape1.txt", "/tmp/escape2.txt", "..\\..\\escape3.txt", "sub/../../escape4.txt", "．．／escape5.txt"]
    for i, name in enumerate(names, 1):
        body = f"Escape attempt {i}\n\nThe Velmora committee met for the {i}th time.".encode()
        response = httpx.post(
            f"{keyed_server.url}/api/ingest", files=[("files", (name, body))], headers=auth, timeout=120
        )
        assert response.status_code == 200, response.text
        (saved,) = response.json()["saved"]
        assert "/" not in saved and "\\" not in saved and saved.endswith(f"escape{i}.txt")
        assert (corpus / saved).is_file()
    for parent in (corpus.parent, corpus.parent.parent, Path("/tmp")):
        assert not any(parent.glob("escape*.txt"))
