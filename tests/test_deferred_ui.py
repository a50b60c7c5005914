"""The server is ready before the chat page: /readyz answers while /ui says it is starting (issue 17).

Runs the real app in-process (FastAPI's TestClient runs its lifespan) over the seed index, with
the real Gradio page; only *when* the page may be built is held back by the test, so the
order is certain rather than a race.
"""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

import rag.server.app as server_app
from rag.settings import Settings


def _wait(client: TestClient, path: str, status: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while client.get(path).status_code != status:
        assert time.monotonic() < deadline, f"{path} never answered {status}"
        time.sleep(0.1)


def test_ready_before_the_page_then_the_page_is_mounted(
    seed_index: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seed_index.model_copy(update={"data_dir": tmp_path / "data"})
    release = threading.Event()
    real_mount = server_app.mount_ui

    def held_mount(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        assert release.wait(60)
        real_mount(*args, **kwargs)

    monkeypatch.setattr(server_app, "mount_ui", held_mount)
    with TestClient(server_app.create_app(settings)) as client:
        assert client.get("/readyz").json()["ready"] is True
        assert client.post("/api/ask", json={"question": "What did Witkoff tell Ushakov?"}).status_code == 200
        starting = client.get("/ui/")
        assert starting.status_code == 503 and starting.headers["retry-after"] == "1"
        assert starting.json()["error"]["code"] == "ui_starting"
        browser = client.get("/", headers={"accept": "text/html"})  # follows the redirect to /ui/
        assert browser.status_code == 503 and 'http-equiv="refresh"' in browser.text  # reloads by itself
        release.set()
        _wait(client, "/ui/", 200)
        assert "gradio" in client.get("/ui/").text.lower()
        assert client.get("/ui/config").json()["mode"] == "blocks"  # the page's own routes are there too


def test_a_page_that_cannot_be_built_says_why_and_the_api_goes_on(
    seed_index: Settings, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = seed_index.model_copy(update={"data_dir": tmp_path / "data"})

    def broken_mount(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("no theme")

    monkeypatch.setattr(server_app, "mount_ui", broken_mount)
    with TestClient(server_app.create_app(settings)) as client:
        _wait(client, "/ui/", 500)
        assert "no theme" in client.get("/ui/").json()["error"]["message"]
        assert client.get("/readyz").json()["ready"] is True
