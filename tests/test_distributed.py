"""`rag ingest --workers ray`: a local Ray (2 CPUs) and a real `chroma run` server, against a single-process ingest."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from helpers import ROOT, run_cli
from servers import RunningServer

pytest.importorskip("ray", reason="the distributed extra is not installed (pip install -e '.[distributed]')")
sys.path.insert(0, str(ROOT))
from bench.synth import write_corpus
from rag import Assistant, Settings
from rag.components.store import all_ids, open_collection
from rag.indexing.distributed import _index_share
from rag.indexing.ingest import ingest
from rag.indexing.report import IngestReport

QUESTIONS = ["Who urged a halt to military operations?", "How many people were injured in the drone attack?"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic") / "corpus"
    write_corpus(folder, 48, sentences=8)
    return folder


def _settings(chroma: RunningServer, corpus: Path, index: Path, collection: str) -> Settings:
    return Settings(chroma_url=chroma.url, corpus_dir=corpus, index_dir=index, collection=collection)


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        "RAG_CHROMA_URL": str(settings.chroma_url),
        "RAG_CORPUS_DIR": str(settings.corpus_dir),
        "RAG_INDEX_DIR": str(settings.index_dir),
        "RAG_COLLECTION": settings.collection,
        "RAG_RAY_NUM_CPUS": "2",
        **extra,
    }


def _answers(settings: Settings) -> list[tuple[str, list[tuple[str, int, int]]]]:
    assistant = Assistant(settings)
    return [(a.answer, [(c.source, c.start, c.end) for c in a.citations]) for a in map(assistant.ask, QUESTIONS)]


def test_ray_ingest_matches_a_single_process_one_survives_a_killed_worker_and_reruns_as_a_no_op(
    chroma: RunningServer, corpus: Path, tmp_path: Path
) -> None:
    single = _settings(chroma, corpus, tmp_path / "single", "single")
    ingest(single)
    expected_ids = sorted(all_ids(open_collection(single, create=False)))

    marker = tmp_path / "killed-once"
    ray_settings = _settings(chroma, corpus, tmp_path / "ray", "ray")
    done = run_cli(
        "ingest", "--workers", "ray", env=_env(ray_settings, RAG_INGEST_FAULT_MARKER=str(marker)), timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert marker.exists()  # a worker died mid-share, and Ray ran its task again
    ids = all_ids(open_collection(ray_settings, create=False))
    assert len(ids) == len(set(ids))  # no duplicate
    assert sorted(ids) == expected_ids  # no gap: exactly the single-process chunks
    counts = re.search(r"added (\d+), updated 0, skipped (\d+) unchanged", done.stdout)
    assert counts and int(counts[1]) + int(counts[2]) == 48, done.stdout[-500:]  # the retry skips what was written
    assert _answers(ray_settings) == _answers(single)

    again = run_cli("ingest", "--workers", "ray", env=_env(ray_settings), timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "added 0, updated 0, skipped 48 unchanged" in again.stdout and "0 chunks embedded" in again.stdout


def test_ray_ingest_needs_a_chroma_server(corpus: Path, tmp_path: Path) -> None:
    done = run_cli("ingest", "--workers", "ray", str(corpus), env={"RAG_INDEX_DIR": str(tmp_path / "i")})
    assert done.returncode == 2 and "RAG_CHROMA_URL" in done.stderr


def test_a_ray_task_embeds_on_the_one_cpu_it_holds_unless_told_otherwise(tmp_path: Path) -> None:
    """Ray schedules a task per CPU; a task that took every core would oversubscribe its node."""
    seen: list[Settings] = []

    def index_files(settings: Settings, *_: object) -> bool:
        seen.append(settings)
        return False

    for configured, expected in ((None, 1), (3, 3)):
        settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "i", ingest_threads=configured)
        _index_share(settings, str(tmp_path), [], index_files, IngestReport)
        assert seen[-1].ingest_threads == expected
