"""Real servers on 127.0.0.1 for the tests: `rag serve` (and, for the LLM tests, llama.cpp)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from helpers import ROOT


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    """A server process, its base URL and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_process(
    args: list[str],
    env: dict[str, str],
    log_path: Path,
    ready_url: str | Callable[[], str | None],
    timeout: float = 120,
    headers: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``args`` and wait until ``ready_url`` answers 200; the process's output goes to ``log_path``.
    ``ready_url`` may be a function that gives it once the process has said it (``None`` until then)."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{args[:3]} exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        url = ready_url if isinstance(ready_url, str) else ready_url()
        try:
            if url is not None and httpx.get(url, timeout=2, headers=headers).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    process.kill()
    raise RuntimeError(f"{args[:3]} not ready after {timeout} s:\n{log_path.read_text(errors='replace')}")


SERVING = re.compile(r"Newsdesk QA on (http://127\.0\.0\.1:\d+)/")  # `rag serve`'s first line


def start_rag_server(
    index_dir: Path, corpus_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> RunningServer:
    """`python -m rag serve` on a free loopback port over an existing index. The server picks the
    port itself (``--port 0``) and prints it: a port chosen here and handed over could be taken by
    another test's process in between (two xdist workers start servers at the same time)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAG_") or k == "RAG_TEST_NETGUARD"},
        "RAG_INDEX_DIR": str(index_dir),
        "RAG_CORPUS_DIR": str(corpus_dir),
        "RAG_DATA_DIR": str(log_path.parent / "data"),  # conversations of this server, never the checkout's
        **(extra_env or {}),
    }

    def base_url() -> str | None:
        said = SERVING.search(log_path.read_text("utf-8", errors="replace"))
        return said[1] if said else None

    args = [sys.executable, "-m", "rag", "serve", "--port", "0"]
    process = start_process(args, env, log_path, lambda: (url := base_url()) and f"{url}/readyz")
    running = RunningServer(str(base_url()), process, log_path)
    wait_for_ui(running)
    return running


def wait_for_ui(server: RunningServer, timeout: float = 60) -> None:
    """Until the chat page is mounted: the server is ready before it (rag.server.deferred_ui)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{server.url}/ui/", timeout=5).status_code != 503:
            return
        time.sleep(0.25)
    raise RuntimeError(f"the chat page was not mounted after {timeout} s:\n{server.log()}")


def chroma_command() -> str:
    """The `chroma` CLI of the chromadb package installed beside this interpreter."""
    return str(Path(sys.executable).with_name("chroma"))


def start_chroma(data_dir: Path, log_path: Path, port: int | None = None) -> RunningServer:
    """`chroma run` (the chromadb package's server) on 127.0.0.1, persisting into ``data_dir``."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    args = [chroma_command(), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)]
    process = start_process(args, dict(os.environ), log_path, f"{url}/api/v2/heartbeat", timeout=60)
    return RunningServer(url, process, log_path)


class FlakyChatServer:
    """An OpenAI-compatible chat endpoint on 127.0.0.1 that fails the first ``failures`` requests
    with ``status`` and then replies ``reply(prompt)`` (the prompt: every message's content joined).

    ``requests`` counts the calls it got: what the openai client's retries did, seen from outside.
    """

    def __init__(self, reply: Callable[[str], str], failures: int, status: int = 503):
        import json
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests += 1
                if server.requests <= failures:
                    payload, code = {"error": {"message": "overloaded", "type": "server_error"}}, status
                else:
                    prompt = "\n".join(str(m.get("content", "")) for m in body["messages"])
                    message = {"role": "assistant", "content": reply(prompt)}
                    payload, code = (
                        {
                            "id": "chatcmpl-1",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body["model"],
                            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        },
                        200,
                    )
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.requests = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
