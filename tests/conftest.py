"""Shared fixtures: a network guard, the real offline model, real Chroma in temp dirs."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

NETGUARD = Path(__file__).resolve().parent / "netguard"

# Every process of the test run, this one and the CLIs it starts, is offline-only.
os.environ["RAG_TEST_NETGUARD"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(NETGUARD))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import netguard_impl  # noqa: E402

netguard_impl.install()

from helpers import SEEDS, make_settings  # noqa: E402

from rag import Settings  # noqa: E402  (after the guard: importing rag sets the offline env)
from rag.indexing.ingest import ingest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_rag_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own Settings; a developer's RAG_* variables must not leak in."""
    for key in list(os.environ):
        if key.startswith("RAG_") and key != "RAG_TEST_NETGUARD":
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed corpus ingested once into a temp index (read-only for tests)."""
    index = tmp_path_factory.mktemp("seed-index")
    settings = make_settings(SEEDS, index)
    report = ingest(settings)
    assert len(report.added) == 5
    return settings


@pytest.fixture(scope="session")
def assistant(seed_index: Settings):  # type: ignore[no-untyped-def]
    """One warm Assistant over the seed index."""
    from rag import Assistant

    return Assistant(seed_index)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the seeds."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    for f in target.iterdir():
        f.chmod(0o644)
    return target


@pytest.fixture(scope="session")
def server(seed_index: Settings, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real `rag serve` on 127.0.0.1 over the seed index (no API key)."""
    from servers import start_rag_server

    running = start_rag_server(
        seed_index.index_dir, seed_index.corpus_dir, tmp_path_factory.mktemp("server") / "server.log"
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real `chroma run` server on 127.0.0.1 for one test module (client/server mode)."""
    from servers import start_chroma

    tmp = tmp_path_factory.mktemp("chroma")
    server = start_chroma(tmp / "data", tmp / "chroma.log")
    yield server
    server.stop()
