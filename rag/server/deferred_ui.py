"""The chat UI, mounted once the server is ready rather than before it starts.

Importing Gradio and building the page takes ~3–4 s on two cores, longer than loading the
index. The API does not need it, so the server starts without it: ``/ui`` answers 503
"starting" (with ``Retry-After``) while a worker thread builds the page, and the page is
mounted in its place when done. ``/readyz`` is about answering questions and does not wait
for the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

log = logging.getLogger(__name__)


class UIStarting:
    """What ``/ui`` serves until the page is mounted: 503 with ``Retry-After``, or 500 with the
    reason if it could not be built."""

    def __init__(self) -> None:
        self.failed: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if self.failed:
            body = {"error": {"code": "ui_failed", "message": f"The chat page could not be built: {self.failed}"}}
            await JSONResponse(body, status_code=500)(scope, receive, send)
            return
        message = "The chat page is starting; retry in a moment."
        headers = {"Retry-After": "1"}
        if b"text/html" in dict(scope["headers"]).get(b"accept", b""):  # a browser: reload by itself
            page = f'<!doctype html><meta http-equiv="refresh" content="1"><title>Newsdesk QA</title><p>{message}'
            await HTMLResponse(page, status_code=503, headers=headers)(scope, receive, send)
            return
        body = {"error": {"code": "ui_starting", "message": message}}
        await JSONResponse(body, status_code=503, headers=headers)(scope, receive, send)


async def mount_when_built(
    app: FastAPI, path: str, mount: Callable[[FastAPI], None], stack: AsyncExitStack, starting: UIStarting
) -> None:
    """Build and mount the page (``mount(app)`` calls ``gr.mount_gradio_app``) in a worker thread,
    then put it where ``starting`` was mounted and run the start-up Gradio would have run with
    the server's (its queue); ``stack`` closes it at shutdown."""
    try:
        await run_in_threadpool(mount, app)
        routes = app.router.routes
        mounted = routes.pop()  # mount_gradio_app appends its Mount last
        at = next(i for i, r in enumerate(routes) if isinstance(r, Mount) and r.path == path)
        gradio_app: Any = mounted.app  # type: ignore[attr-defined]
        # mount_gradio_app wraps the server's lifespan to start Gradio; that lifespan has already run.
        await stack.enter_async_context(gradio_app.router.lifespan_context(gradio_app))
        gradio_app.get_blocks().run_startup_events()
        await gradio_app.get_blocks().run_extra_startup_events()
        routes[at] = mounted
        log.info("chat page mounted at %s", path)
    except Exception as exc:  # the API goes on without the page; /ui says why
        starting.failed = f"{type(exc).__name__}: {exc}"
        log.exception("the chat page could not be built")
