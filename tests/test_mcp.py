"""The MCP server, driven by the SDK's own client: over stdio (spawning `rag mcp`) and over
streamable HTTP against a real `rag serve` on 127.0.0.1, with and without its API key."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers import ROOT, SEEDS
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from servers import RunningServer, start_rag_server

from rag import Settings

ANSWERED = "How many people were injured in the drone attack on Kyiv?"
REFUSED = "What did Macron say about Ukraine?"


def stdio_params(settings: Settings) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "RAG_TEST_NETGUARD", "HF_HUB_OFFLINE", "HOME")}
    env |= {"RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir)}
    return StdioServerParameters(command=sys.executable, args=["-m", "rag", "mcp"], env=env, cwd=str(ROOT))


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def assert_verbatim(citations: list[dict[str, Any]]) -> None:
    assert citations
    for c in citations:
        text = (SEEDS / c["source"]).read_text("utf-8")
        assert text[c["start"] : c["end"]] == c["quote"], c


async def exercise(client: Client) -> None:
    """Every tool and the article resource, as an agent would call them."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"ask", "search", "quotes", "articles"}
    assert tools["ask"].output_schema and "citations" in tools["ask"].output_schema["properties"]

    answered = await client.call_tool("ask", {"question": ANSWERED})
    assert not answered.is_error, text_of(answered)
    answer = answered.structured_content
    assert answer and not answer["abstained"] and "14 people" in answer["answer"]
    assert_verbatim(answer["citations"])
    assert "Sources:\n[1] 001_2143c3894b5ebdc7.txt" in text_of(answered)  # readable, with numbered sources

    refused = await client.call_tool("ask", {"question": REFUSED})
    assert not refused.is_error and refused.structured_content
    assert refused.structured_content["abstained"] and refused.structured_content["refusal_reason"] == "unknown_name"
    assert text_of(refused).startswith("(Not answered: unknown_name.) The articles do not cover this")

    follow_up = await client.call_tool(
        "ask",
        {
            "question": "What did he say about the call?",
            "history": [{"role": "user", "content": "What did Trump say?"}, {"role": "assistant", "content": "…"}],
            "since": "2025-11-01",
        },
    )
    assert not follow_up.is_error, text_of(follow_up)
    assert all(c["date"] and c["date"] >= "2025-11-01" for c in follow_up.structured_content["citations"])

    for bad, says in (
        ({"question": "   "}, "question"),
        ({"question": ANSWERED, "since": "yesterday"}, "since"),
        ({"question": ANSWERED, "since": "2025-12-01", "until": "2025-01-01"}, "since must not be after until"),
        ({"question": "x" * 5000}, "long"),
        ({}, "question"),
    ):
        result = await client.call_tool("ask", bad)
        assert result.is_error and says in text_of(result), (bad, text_of(result))

    searched = await client.call_tool("search", {"query": "Tomahawk missiles", "k": 3})
    passages = searched.structured_content["passages"]
    assert len(passages) == 3
    for p in passages:
        assert (SEEDS / p["file"]).read_text("utf-8")[p["start"] : p["end"]] == p["quote"]
    assert (await client.call_tool("search", {"query": "Tomahawk", "k": 0})).is_error

    quoted = await client.call_tool("quotes", {"speaker": "Witkoff"})
    found = quoted.structured_content["quotes"]
    assert found and all("Witkoff" in q["speaker"] for q in found)
    assert {q["kind"] for q in found} <= {"direct", "reported"}
    assert (await client.call_tool("quotes", {"until": "not a date"})).is_error

    listed = await client.call_tool("articles", {})
    sources = [s["source"] for s in listed.structured_content["sources"]]
    assert sources == sorted(p.name for p in SEEDS.iterdir())
    assert f"article://{sources[0]}" in text_of(listed)

    read = await client.read_resource(f"article://{sources[1]}")
    assert read.contents[0].text == (SEEDS / sources[1]).read_text("utf-8")
    with pytest.raises(Exception) as refused_read:
        await client.read_resource("article://../pyproject.toml")
    print("refused resource:", refused_read.value)


def test_the_stdio_server_answers_every_tool_as_the_api_does(seed_index: Settings) -> None:
    async def run() -> None:
        async with Client(stdio_params(seed_index)) as client:
            await exercise(client)

    anyio.run(run)


@pytest.fixture(scope="module")
def keyed_server(seed_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    log = tmp_path_factory.mktemp("mcp-server") / "server.log"
    running = start_rag_server(seed_index.index_dir, seed_index.corpus_dir, log, {"RAG_API_KEY": "mcp-test-key"})
    yield running
    running.stop()
    assert "Traceback" not in running.log()


def http_client(server: RunningServer, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(streamable_http_client(f"{server.url}/mcp/", http_client=create_mcp_http_client(headers=headers)))


def test_the_http_server_on_rag_serve_answers_with_the_key(keyed_server: RunningServer) -> None:
    async def run() -> None:
        async with http_client(keyed_server, "mcp-test-key") as client:
            await exercise(client)

    anyio.run(run)
    assert "mcp-test-key" not in keyed_server.log()


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_the_http_server_refuses_a_missing_or_wrong_key(keyed_server: RunningServer, key: str | None) -> None:
    import httpx

    async def run() -> None:
        async with http_client(keyed_server, key) as client:
            await client.list_tools()

    with pytest.raises(Exception):  # noqa: B017 (the SDK wraps the 401 in its own errors)
        anyio.run(run)
    raw = httpx.post(f"{keyed_server.url}/mcp/", json={}, headers={"Authorization": f"Bearer {key}"} if key else {})
    assert raw.status_code == 401 and raw.json()["error"]["code"] == "unauthorized"


def test_the_docs_desktop_snippet_is_a_valid_client_configuration() -> None:
    import json
    import re

    page = (ROOT / "docs" / "mcp.md").read_text("utf-8")
    snippet = json.loads(re.search(r"```json\n(.*?)```", page, re.S).group(1))  # type: ignore[union-attr]
    server = snippet["mcpServers"]["newsdesk-qa"]
    assert Path(server["command"]).name in ("rag", "python") and "mcp" in server["args"]
    assert set(server.get("env", {})) <= {"RAG_INDEX_DIR", "RAG_CORPUS_DIR"}
