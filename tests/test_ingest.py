"""Incremental, crash-safe ingest against real Chroma in a temp dir."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock
from helpers import ROOT, make_settings, run_cli

sys.path.insert(0, str(ROOT))  # the benchmarks' corpus writer
from bench.synth import write_corpus
from rag import Assistant
from rag.components.store import (
    SENTENCE_GRAPH,
    ChunkId,
    all_ids,
    bm25_is_current,
    ids_digest,
    open_collection,
    open_sentence_collection,
)
from rag.indexing.chunking import sentences_from_json
from rag.indexing.ingest import IngestBusyError, ingest
from rag.indexing.sentence_index import sentence_id


def index_ids(settings) -> list[str]:  # type: ignore[no-untyped-def]
    return all_ids(open_collection(settings, create=False))


def assert_sentences_match_chunks(settings) -> None:  # type: ignore[no-untyped-def]
    """The sentence index holds exactly one vector per sentence of the indexed chunks: none
    missing, none left from an old version or a removed file."""
    got = open_collection(settings, create=False).get(include=["metadatas"])
    expected = set()
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        parsed = ChunkId.parse(chunk_id)
        assert parsed is not None
        starts = [s.start for s in sentences_from_json(meta["sentences"])]
        expected |= {sentence_id(parsed.source, parsed.version, start) for start in starts}
    stored = all_ids(open_sentence_collection(settings))
    assert len(stored) == len(set(stored))
    assert set(stored) == expected


def test_rerun_on_unchanged_folder_embeds_nothing(corpus_copy: Path, tmp_path: Path) -> None:
    settings = make_settings(corpus_copy, tmp_path / "index")
    first = ingest(settings)
    assert sorted(first.added) == sorted(p.name for p in corpus_copy.iterdir())
    assert first.chunks_embedded == first.chunks_total > 5
    again = ingest(settings)
    assert again.chunks_embedded == 0
    assert again.added == again.updated == again.removed == []
    assert len(again.skipped) == 5
    assert again.chunks_total == first.chunks_total
    assert_sentences_match_chunks(settings)
    # Written in bulk, searched for a few: the sentences get a sparser graph than the chunks' default.
    sentence_graph = open_sentence_collection(settings).configuration["hnsw"]
    assert sentence_graph["max_neighbors"] == SENTENCE_GRAPH["max_neighbors"] < 16
    assert open_collection(settings, create=False).configuration["hnsw"]["max_neighbors"] == 16


def test_changed_file_replaces_its_chunks_and_deleted_file_goes(corpus_copy: Path, tmp_path: Path) -> None:
    settings = make_settings(corpus_copy, tmp_path / "index")
    ingest(settings)
    before = index_ids(settings)
    changed = corpus_copy / "004_7654bc732c946649.txt"
    changed.write_text(changed.read_text("utf-8") + "\nThe envoy later flew to Geneva for more talks.\n", "utf-8")
    (corpus_copy / "001_2143c3894b5ebdc7.txt").unlink()
    report = ingest(settings)
    assert report.updated == ["004_7654bc732c946649.txt"]
    assert report.removed == ["001_2143c3894b5ebdc7.txt"]
    after = index_ids(settings)
    sources = {ChunkId.parse(i).source for i in after}  # type: ignore[union-attr]
    assert "001_2143c3894b5ebdc7.txt" not in sources
    old_004 = {i for i in before if i.startswith("004_")}
    new_004 = {i for i in after if i.startswith("004_")}
    assert old_004.isdisjoint(new_004)  # the old version's chunks are all gone
    assert len(after) == len(set(after))
    assert bm25_is_current(settings, after)
    assert_sentences_match_chunks(settings)
    answer = Assistant(settings).ask("Where did the envoy fly for more talks?")
    assert not answer.abstained
    assert answer.citations[0].source == "004_7654bc732c946649.txt"
    assert "Geneva" in answer.citations[0].quote


def test_bad_file_is_reported_and_the_rest_indexed(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "broken.txt").write_bytes(b"caf\xe9 \xff\xfe")
    settings = make_settings(corpus_copy, tmp_path / "index")
    report = ingest(settings)
    assert [p.source for p in report.problems] == ["broken.txt"]
    assert "not UTF-8" in report.problems[0].reason
    assert len(report.added) == 5


def test_second_ingest_fails_clearly_while_one_runs(corpus_copy: Path, tmp_path: Path) -> None:
    settings = make_settings(corpus_copy, tmp_path / "index", ingest_lock_timeout_s=0.3)
    settings.index_dir.mkdir(parents=True)
    # Another process holds the lock, as a running ingest would.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
            "print('held', flush=True); time.sleep(60)",
            str(settings.index_dir / "ingest.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(IngestBusyError, match="another ingest is running"):
            ingest(settings)
        result = run_cli(
            "ingest",
            str(corpus_copy),
            env={"RAG_INDEX_DIR": str(settings.index_dir), "RAG_INGEST_LOCK_TIMEOUT_S": "0.3"},
        )
        assert result.returncode == 1
        assert "another ingest is running" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert FileLock(str(settings.index_dir / "ingest.lock")).acquire(timeout=1)


def _bigger_corpus(root: Path, count: int) -> Path:
    """Distinct articles made from the seeds' sentences (each its own story: not syndicated copies,
    which an ingest counts once)."""
    corpus = root / "big"
    write_corpus(corpus, count, sentences=15)
    return corpus


@pytest.fixture(scope="module")
def fresh_big_ids(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A corpus of 20 articles and the ids a clean, uninterrupted ingest gives it."""
    root = tmp_path_factory.mktemp("big")
    corpus = _bigger_corpus(root, 20)
    fresh = make_settings(corpus, root / "fresh-index")
    ingest(fresh)
    return corpus, index_ids(fresh)


# SIGKILL before any vector write, between writes, and after the last write (while BM25 is rebuilt).
@pytest.mark.parametrize("kill_after", [0, 3, 20], ids=["before-writes", "between-writes", "after-writes"])
def test_killed_ingest_is_repaired_without_duplicates(
    tmp_path: Path, fresh_big_ids: tuple[Path, list[str]], kill_after: int
) -> None:
    corpus, fresh_ids = fresh_big_ids
    index = tmp_path / "index"
    # Small write batches (a few files each), so a kill can land between writes.
    env = {"RAG_INDEX_DIR": str(index), "RAG_CORPUS_DIR": str(corpus), "RAG_INGEST_BATCH_CHUNKS": "8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", "-v", "ingest"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, **env},
    )
    assert proc.stderr is not None
    indexed = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        indexed += "indexed " in line
        if indexed >= kill_after and (kill_after or "ingest" in line.lower()):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    assert indexed >= kill_after

    settings = make_settings(corpus, index)
    report = ingest(settings)  # the re-run completes what the killed one left
    assert report.chunks_embedded <= len(fresh_ids)
    repaired = index_ids(settings)
    assert len(repaired) == len(set(repaired))
    assert sorted(repaired) == sorted(fresh_ids)  # nothing missing, nothing extra
    manifest = json.loads((index / "bm25" / "manifest.json").read_text("utf-8"))
    assert manifest["ids_digest"] == ids_digest(repaired)  # no orphan BM25 entries
    assert_sentences_match_chunks(settings)  # no orphan or missing sentence vector


def test_changing_chunk_settings_reindexes(corpus_copy: Path, tmp_path: Path) -> None:
    settings = make_settings(corpus_copy, tmp_path / "index")
    first = ingest(settings)
    resized = make_settings(corpus_copy, tmp_path / "index", chunk_size=120)
    report = ingest(resized)
    assert len(report.updated) == 5 and report.chunks_embedded == report.chunks_total
    assert report.chunks_total > first.chunks_total
    assert ingest(resized).chunks_embedded == 0


@pytest.mark.parametrize("damage", ["truncate_corpus", "drop_line", "delete_scores"])
def test_damaged_bm25_files_are_rebuilt_on_load(corpus_copy: Path, tmp_path: Path, damage: str) -> None:
    """The BM25 index is memory-mapped (read only at query time), so damage must be caught on load."""
    settings = make_settings(corpus_copy, tmp_path / "index")
    ingest(settings)
    files = tmp_path / "index" / "bm25" / "index"
    corpus = files / "corpus.jsonl"
    if damage == "truncate_corpus":
        corpus.write_bytes(corpus.read_bytes()[: corpus.stat().st_size // 2])
    elif damage == "drop_line":
        corpus.write_text("".join(corpus.read_text("utf-8").splitlines(keepends=True)[:-1]), "utf-8")
        (files / "corpus.mmindex.json").unlink()
    else:
        (files / "data.csc.index.npy").unlink()
    answer = Assistant(settings).ask("What did Witkoff say?")
    assert not answer.abstained and answer.citations
    lines = corpus.read_text("utf-8").splitlines()
    assert len(lines) == len(index_ids(settings))  # rebuilt whole
    assert {json.loads(line)["node_id"] for line in lines} == set(index_ids(settings))


def test_background_writer_keeps_order_overlaps_the_caller_and_raises_write_errors() -> None:
    import threading

    from rag.indexing.writer import BackgroundWriter

    written: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def slow_first() -> None:
        started.set()
        assert release.wait(10)
        written.append(1)

    with BackgroundWriter() as writer:
        writer.submit(slow_first)
        assert started.wait(10) and written == []  # the caller goes on while batch 1 is written
        release.set()
        writer.submit(lambda: written.append(2))  # waits for batch 1 first
    assert written == [1, 2]

    def broken() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), BackgroundWriter() as writer:
        writer.submit(broken)
        writer.submit(lambda: written.append(3))  # never runs: the failed write is raised here
    assert written == [1, 2]
