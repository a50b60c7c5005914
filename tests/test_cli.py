"""The ``rag`` command line, run as a separate process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import SEEDS, run_cli

from rag import Settings


def test_ingest_then_ask_json_then_search(tmp_path: Path, corpus_copy: Path) -> None:
    env = {"RAG_INDEX_DIR": str(tmp_path / "index")}
    first = run_cli("ingest", str(corpus_copy), env=env)
    assert first.returncode == 0, first.stderr
    assert sum(line.startswith("added    ") for line in first.stdout.splitlines()) == 5
    assert "added 5, updated 0, skipped 0 unchanged, removed 0" in first.stdout

    assert " embed " in first.stdout and " chunk " in first.stdout  # where the time went

    second = run_cli("ingest", "--json", str(corpus_copy), env=env)
    report = json.loads(second.stdout)
    assert (len(report["skipped"]), report["added"], report["chunks_embedded"]) == (5, [], 0)
    assert report["chunks_total"] > 5 and "embed" not in report["phases"]  # nothing embedded

    # The index remembers its corpus folder: no RAG_CORPUS_DIR needed to quote from it.
    ask = run_cli("ask", "--json", "What did Witkoff say?", env=env)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert set(answer) >= {"question", "answer", "abstained", "mode", "citations", "timings_ms"}
    assert answer["abstained"] is False and answer["mode"] == "extractive"
    for c in answer["citations"]:
        assert c["quote"] == (corpus_copy / c["source"]).read_text("utf-8")[c["start"] : c["end"]]

    text = run_cli("ask", "What did Witkoff say?", env=env)
    assert "[1]" in text.stdout and "Sources:" in text.stdout and "000_e8e45ee0a9587a4b.txt" in text.stdout

    search = run_cli("search", "Tomahawk missiles", "-k", "3", env=env)
    assert search.returncode == 0
    ranked = [line for line in search.stdout.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(ranked) == 3 and "002_41624f146f71b989.txt" in search.stdout


def test_ask_without_index_says_to_ingest(tmp_path: Path) -> None:
    result = run_cli("ask", "What did Witkoff say?", env={"RAG_INDEX_DIR": str(tmp_path / "none")})
    assert result.returncode == 3
    assert "run `rag ingest`" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_question_is_a_usage_error(tmp_path: Path) -> None:
    env = {"RAG_INDEX_DIR": str(tmp_path / "index")}
    assert run_cli("ingest", str(SEEDS), env=env).returncode == 0
    result = run_cli("ask", "   ", env=env)
    assert result.returncode == 2
    assert "empty" in result.stderr


def test_ingest_of_missing_folder(tmp_path: Path) -> None:
    result = run_cli("ingest", str(tmp_path / "no-such-dir"), env={"RAG_INDEX_DIR": str(tmp_path / "i")})
    assert result.returncode == 2
    assert "corpus folder not found" in result.stderr


@pytest.mark.parametrize("command", [["quotes"], ["search", "Witkoff"], ["ask", "What did Witkoff say?"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(seed_index: Settings, command: list[str]) -> None:
    """`rag quotes | head -1`: the reader is gone before the command writes. SIGPIPE stays ignored
    (a server must survive a client hanging up), so the write raises; the command ends with the
    shell's code for it and no traceback, instead of dying of the signal or printing one."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = run_cli(*command, env={"RAG_INDEX_DIR": str(seed_index.index_dir)}, stdout=writer)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (141, ""), done.stderr[-2000:]
