"""schemathesis against the project's own /openapi.json: generated requests to every
operation of a real `rag serve` (on a private corpus copy: uploads are part of the API).
No 5xx, and every response matches the documented status codes, content types and schemas."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from helpers import SEEDS, make_settings
from hypothesis import HealthCheck, given, settings
from servers import RunningServer, start_rag_server

from rag.indexing.ingest import ingest


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    tmp = tmp_path_factory.mktemp("fuzz")
    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    ingest(make_settings(corpus, tmp / "index"))
    server = start_rag_server(tmp / "index", corpus, tmp / "server.log")
    yield server
    server.stop()
    assert "Traceback" not in server.log()


OPERATIONS = 16  # a new route must be fuzzed too: update this when one is added


def test_every_operation_keeps_its_contract(fuzz_server: RunningServer) -> None:
    # schemathesis's pytest plugin does not load under pytest 9: drive its Hypothesis strategies directly.
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
        )
        def keeps_contract(case) -> None:  # type: ignore[no-untyped-def]
            # Rules a schema cannot state: an upload's type, encoding, size and name; how many URLs one
            # fetch may take (RAG_MAX_UPLOAD_FILES); a chat whose
            # last message must be the user's question; a date range whose since is after its until.
            # There a schema-valid request may rightly be refused (4xx), so only the "valid data is
            # accepted" check is left out; no 5xx, documented status codes and response schemas still hold.
            # A made-up conversation id that fits the pattern is rightly unknown (404) too.
            lenient = (
                case.path in ("/api/ingest", "/api/ingest/url", "/v1/chat/completions")
                or _reversed_range(case)
                or _names_a_conversation(case)
            )
            excluded = [schemathesis.checks.positive_data_acceptance] if lenient else []
            case.call_and_validate(timeout=60, excluded_checks=excluded)

        keeps_contract()
    assert len(labels) >= OPERATIONS, labels


def _names_a_conversation(case) -> bool:  # type: ignore[no-untyped-def]
    body = case.body if isinstance(case.body, dict) else {}
    return case.path.startswith(("/api/conversations/", "/api/feedback")) or bool(body.get("conversation_id"))


def _reversed_range(case) -> bool:  # type: ignore[no-untyped-def]
    fields = {**(case.query or {}), **(case.body if isinstance(case.body, dict) else {})}
    since, until = fields.get("since"), fields.get("until")
    return isinstance(since, str) and isinstance(until, str) and since > until


HOSTILE_NAMES = ["../escape.txt", "/tmp/abs.txt", "..\\win.txt", "．．／wide.txt", "sub/../../deep.md", "a/b.html"]


def test_the_corpus_stays_inside_its_folder(fuzz_server: RunningServer) -> None:
    """Uploads with names that try to leave the corpus folder (and whatever the fuzzing above
    uploaded, when it ran) land in the corpus folder, nowhere else."""
    corpus = Path(fuzz_server.log_path).parent / "corpus"
    root = Path(fuzz_server.log_path).parent
    for i, name in enumerate(HOSTILE_NAMES):
        body = f"Escape attempt {i}\n\nThe Velmora committee met for the {i}th time.".encode()
        response = httpx.post(f"{fuzz_server.url}/api/ingest", files={"files": (name, body)}, timeout=120)
        assert response.status_code == 200, response.text
    saved = {p.name for p in corpus.iterdir()}
    assert {"escape.txt", "abs.txt", "deep.md", "b.html"} <= saved
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".txt", ".md", ".html"}:
            assert path.resolve().parent == corpus.resolve(), path
