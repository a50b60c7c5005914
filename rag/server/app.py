"""``create_app(settings)``: the FastAPI app with the API, the OpenAI-compatible routes and the UI."""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from rag.conversations import ConversationStore, owner_of, store_for
from rag.engine import EngineHolder
from rag.server.api_router import ERRORS, build_api_router, build_health_router
from rag.server.conversations_router import build_conversations_router
from rag.server.deferred_ui import UIStarting, mount_when_built
from rag.server.errors import KeyRequired, api_keys, install_error_handlers, key_checker
from rag.server.mcp_server import build_mcp
from rag.server.openai_router import build_openai_router
from rag.settings import Settings

log = logging.getLogger(__name__)
UI_PATH = "/ui"
MCP_PATH = "/mcp"


def create_app(settings: Settings, with_ui: bool = True) -> FastAPI:
    """Build the app; the index and model load when it starts serving, not here, and the chat
    page is built after that (:mod:`rag.server.deferred_ui`)."""
    engine = EngineHolder(settings)
    starting = UIStarting()

    mcp = build_mcp(engine.current)
    # Stateless: any of several app servers answers any call (no session to stick to).
    mcp_app = mcp.streamable_http_app(
        streamable_http_path="/", stateless_http=True, json_response=True, host=settings.host
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(engine.load)  # /readyz says "starting" until this is done
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(mcp.session_manager.run())
            if with_ui:
                build = functools.partial(mount_ui, settings=settings, engine=engine, conversations=conversations)
                task = asyncio.create_task(mount_when_built(app, UI_PATH, build, stack, starting))
            yield
            if with_ui and not task.done():
                task.cancel()

    app = FastAPI(
        title="Newsdesk QA",
        version="0.1.0",
        summary="Answers from news articles, every claim cited to a file and the exact passage.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.conversations = conversations = store_for(settings)
    install_error_handlers(app)
    protected = [Depends(key_checker(settings))]
    app.include_router(build_health_router())
    app.include_router(build_api_router(), dependencies=protected)
    app.include_router(build_openai_router(), dependencies=protected)
    app.include_router(build_conversations_router(ERRORS), dependencies=protected)
    document_limits(app, settings)
    app.mount(MCP_PATH, KeyRequired(mcp_app, settings))  # the MCP server, behind the same key as /api
    if with_ui:

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse(UI_PATH + "/")

        app.mount(UI_PATH, starting)
    return app


def mount_ui(app: FastAPI, settings: Settings, engine: EngineHolder, conversations: ConversationStore) -> None:
    """Import Gradio, build the chat page and mount it at :data:`UI_PATH` (slow: in a worker thread)."""
    import gradio as gr

    from ui.chat import build_ui
    from ui.render import CSS, HEAD_JS, theme

    owners: dict[str, str] = {}  # UI user name -> the owner of the key they logged in with
    # gradio 6 takes theme, CSS and head at mount time; no server-side rendering (needs node).
    gr.mount_gradio_app(
        app,
        build_ui(engine, conversations, owners),
        path=UI_PATH,
        theme=theme(),
        css=CSS,
        head=HEAD_JS,
        ssr_mode=False,
        auth=ui_login(settings, owners),
        footer_links=["api"],
    )


def ui_login(settings: Settings, owners: dict[str, str]) -> Callable[[str, str], bool] | None:
    """With RAG_API_KEY set the UI asks for a key too (any user name, a key as password); the user's
    conversations are then that key's (``owners``: user name → owner, filled at login)."""
    keys = api_keys(settings)
    if not keys:
        return None

    def login(user: str, password: str) -> bool:
        if not any([hmac.compare_digest(password.encode(), key) for key in keys]):
            return False
        owners[user] = owner_of(password)
        return True

    return login


def document_limits(app: FastAPI, settings: Settings) -> None:
    """Write this server's configured question limit into /openapi.json (``maxLength``), so the
    schema says what a 413 enforces; the request models are static, the limit is a setting."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        components = schema.get("components", {}).get("schemas", {})
        for model, field in (("AskRequest", "question"), ("SearchRequest", "query")):
            if model in components:
                components[model]["properties"][field]["maxLength"] = settings.max_question_chars
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
