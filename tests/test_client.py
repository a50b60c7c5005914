"""`rag ask` and `rag chat` through a running server (the instant path), and their fallback in-process."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
from helpers import ROOT, SEEDS, run_cli
from servers import RunningServer, free_port, start_rag_server

from rag import Settings

QUESTION = "What did Witkoff tell Ushakov?"
QUOTE = "Zelensky is coming to the White House on Friday"


def test_ask_uses_a_running_server_and_says_so(server: RunningServer, seed_index: Settings) -> None:
    env = {"RAG_SERVER_URL": server.url, "RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_CORPUS_DIR": str(SEEDS)}
    served = run_cli("-v", "ask", QUESTION, env=env)
    local = run_cli("ask", "--local", QUESTION, env=env)
    assert served.returncode == 0 and local.returncode == 0, served.stderr
    assert f"answering through the server at {server.url}" in served.stderr
    assert served.stdout == local.stdout and QUOTE in served.stdout


def test_ask_falls_back_in_process_when_no_server_answers(seed_index: Settings) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    env = {"RAG_SERVER_URL": nobody, "RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_CORPUS_DIR": str(SEEDS)}
    done = run_cli("-v", "ask", QUESTION, env=env)
    assert done.returncode == 0, done.stderr
    assert f"no server ready at {nobody}: answering in this process" in done.stderr and QUOTE in done.stdout


def test_the_client_path_loads_neither_llama_index_nor_chroma_nor_onnxruntime(server: RunningServer) -> None:
    code = (
        "import sys, rag.cli\n"
        f"code = rag.cli.main(['ask', {QUESTION!r}])\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "heavy = sorted(loaded & {'llama_index', 'chromadb', 'onnxruntime', 'gradio'})\n"
        "print('HEAVY', heavy, code)\n"
    )
    env = {**os.environ, "RAG_SERVER_URL": server.url}
    done = __import__("subprocess").run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert "HEAVY [] 0" in done.stdout, done.stdout + done.stderr
    assert QUOTE in done.stdout


def test_a_wrong_key_is_an_error_naming_the_variable(seed_index: Settings, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index.index_dir, index)
    keyed = start_rag_server(index, SEEDS, tmp_path / "server.log", {"RAG_API_KEY": "right-key"})
    try:
        wrong = run_cli("ask", QUESTION, env={"RAG_SERVER_URL": keyed.url, "RAG_API_KEY": "wrong-key"})
        right = run_cli("ask", QUESTION, env={"RAG_SERVER_URL": keyed.url, "RAG_API_KEY": "right-key"})
    finally:
        keyed.stop()
    assert wrong.returncode == 1 and "refused the key: set RAG_API_KEY" in wrong.stderr
    assert "wrong-key" not in wrong.stderr + wrong.stdout
    assert right.returncode == 0 and QUOTE in right.stdout


def _chat(env: dict[str, str], *args: str) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable, ["-m", "rag", "chat", *args], env=env, cwd=str(ROOT), encoding="utf-8", timeout=120
    )
    child.expect("/quit leaves")
    return child


@pytest.mark.parametrize("where", ["server", "in-process"])
def test_chat_in_a_terminal(where: str, server: RunningServer, seed_index: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")} | {
        "RAG_SERVER_URL": server.url if where == "server" else "",
        "RAG_INDEX_DIR": str(seed_index.index_dir),
        "RAG_CORPUS_DIR": str(SEEDS),
        "TERM": "dumb",
    }
    child = _chat(env)
    child.sendline(QUESTION)
    child.expect("Sources:")
    child.expect("you> ")
    child.sendline("/sources 1")
    child.expect(r"\[1\] 002_41624f146f71b989.txt")
    child.expect("\x1b\\[7m")  # the quote, highlighted (reverse video) in its article
    child.expect(QUOTE)
    child.expect("you> ")
    child.sendline("What did he say about progress?")  # a follow-up: "he" is Witkoff
    child.expect("sees progress")
    child.expect("you> ")
    child.sendline("/new")
    child.expect("A new conversation")
    child.sendline("/sources 1")
    child.expect("No sources yet")
    child.sendline("")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
