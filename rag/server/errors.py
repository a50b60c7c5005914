"""One error shape for every failure: ``{"error": {"code", "message"}}``, never a stack trace."""

from __future__ import annotations

import hmac
import logging
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.assistant import QuestionError
from rag.components.store import IndexNotReadyError, IndexUnavailableError
from rag.conversations import ConversationNotFoundError, StoreUnavailableError, owner_of
from rag.settings import Settings

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a readable message."""

    def __init__(self, status: int, code: str, message: str, body: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.body = status, code, message, body


def error_json(status: int, code: str, message: str, extra: dict[str, Any] | None = None) -> JSONResponse:
    """The JSON error response."""
    return JSONResponse({"error": {"code": code, "message": message}, **(extra or {})}, status_code=status)


def error_event(exc: Exception) -> dict[str, Any]:
    """The body of an SSE ``error`` event for an exception raised mid-stream."""
    if isinstance(exc, IndexNotReadyError):
        return {"error": {"code": "index_not_ready", "message": str(exc)}}
    if isinstance(exc, IndexUnavailableError):
        log.warning("index unavailable: %s", exc)
        return {"error": {"code": "index_unavailable", "message": str(exc)}}
    log.exception("stream failed")
    return {"error": {"code": "internal", "message": "the answer failed; see the server log"}}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to the error shape (the status codes are documented on the routes)."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_json(exc.status, exc.code, exc.message, exc.body)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        blank = [e for e in exc.errors() if e.get("type") == "string_pattern_mismatch"]
        if blank and blank[0].get("loc", ())[-1:] in (("question",), ("query",)):
            return error_json(422, "empty_question", f"the {blank[0]['loc'][-1]} is empty")
        return error_json(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_json(exc.status_code, code, str(exc.detail), None)

    @app.exception_handler(IndexNotReadyError)
    async def _not_ready(request: Request, exc: IndexNotReadyError) -> JSONResponse:
        return error_json(503, "index_not_ready", str(exc))

    @app.exception_handler(IndexUnavailableError)
    async def _unavailable(request: Request, exc: IndexUnavailableError) -> JSONResponse:
        log.warning("index unavailable: %s", exc)
        return error_json(503, "index_unavailable", str(exc))

    @app.exception_handler(StoreUnavailableError)
    async def _store(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        log.warning("conversation store unavailable: %s", exc)
        return error_json(503, "conversations_unavailable", str(exc))

    @app.exception_handler(ConversationNotFoundError)
    async def _no_conversation(request: Request, exc: ConversationNotFoundError) -> JSONResponse:
        return error_json(404, "unknown_conversation", f"no conversation {exc.args[0]} for this key")

    @app.exception_handler(QuestionError)
    async def _question(request: Request, exc: QuestionError) -> JSONResponse:
        return error_json(413 if exc.code == "question_too_long" else 422, exc.code, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_json(500, "internal", "internal error; see the server log")


def api_keys(settings: Settings) -> list[bytes]:
    """The accepted keys: ``RAG_API_KEY`` may list several, comma-separated (each its own owner)."""
    if settings.api_key is None:
        return []
    return [k.strip().encode() for k in settings.api_key.get_secret_value().split(",") if k.strip()]


def key_checker(settings: Settings) -> Any:
    """A dependency that demands ``Authorization: Bearer <one of RAG_API_KEY>`` when keys are set;
    the request's owner (whose conversations it sees) is then that key's."""
    keys = api_keys(settings)

    async def require_key(request: Request) -> None:
        token = _bearer(request.headers.get("authorization", ""))
        request.state.owner = owner_of(token if keys else None)
        if keys and not _known(token, keys):
            raise ApiError(401, "unauthorized", WRONG_KEY)

    return require_key


WRONG_KEY = "missing or wrong API key (Authorization: Bearer <RAG_API_KEY>)"


def _bearer(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _known(token: str | None, keys: list[bytes]) -> bool:
    # compare_digest against every key: the time taken says nothing about which (or how much) matched.
    matched = [hmac.compare_digest((token or "").encode(), key) for key in keys]
    return token is not None and any(matched)


class KeyRequired:
    """An ASGI app (a mounted one: FastAPI's dependencies do not reach it) behind the API key."""

    def __init__(self, app: Any, settings: Settings):
        self._app, self._keys = app, api_keys(settings)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self._keys:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not _known(_bearer(headers.get("authorization", "")), self._keys):
                await error_json(401, "unauthorized", WRONG_KEY)(scope, receive, send)
                return
        await self._app(scope, receive, send)
