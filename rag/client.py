"""The assistant of a running ``rag serve``, over HTTP: what makes ``rag ask`` and ``rag chat`` instant.

A shell like the CLI: it imports httpx and the contract only (no LlamaIndex, Chroma or
onnxruntime), so a question costs the interpreter, two small imports and one request
instead of loading the index and the model (~5 s). :func:`find_server` says whether one
answers at ``RAG_SERVER_URL``; the callers fall back to an in-process :class:`~rag.Assistant`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from rag.contract import Answer, ArticleFilter, Message
from rag.settings import Settings

PROBE_TIMEOUT_S = 0.3  # a local server answers /readyz in milliseconds; nobody listening fails at once


class ServerError(RuntimeError):
    """The server answered, but with an error (its message is kept); ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class ServerClient:
    """``ask`` and ``source_text`` of the Assistant behind ``url``, with ``RAG_API_KEY`` when it is set."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float = 120.0):
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # One connection for the probe and the question; TLS set up (certificates loaded, ~60 ms)
        # only for an https server.
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout_s, verify=self.url.startswith("https:")
        )

    def ready(self) -> bool:
        """Whether the server answers ``/readyz`` with 200 within :data:`PROBE_TIMEOUT_S`."""
        try:
            found = self._http.get("/readyz", timeout=PROBE_TIMEOUT_S)
        except httpx.HTTPError:
            return False
        return found.status_code == 200 and bool(found.json().get("ready"))

    def ask(
        self,
        question: str,
        history: Sequence[Message] = (),
        top_k: int | None = None,
        filters: ArticleFilter | None = None,
    ) -> Answer:
        """``POST /api/ask``: the answer contract, as the library returns it."""
        body: dict[str, Any] = {"question": question, "history": [m.model_dump() for m in history], "top_k": top_k}
        if filters is not None:
            body |= filters.model_dump(mode="json", exclude_none=True)
        return Answer.model_validate(self._call("POST", "/api/ask", json=body))

    def source_text(self, name: str) -> tuple[str, str]:
        """An article's title and original text (``GET /api/sources/{name}``)."""
        found = self._call("GET", f"/api/sources/{name}")
        return str(found["title"]), str(found["text"])

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code == 401:
            raise ServerError(401, f"the server at {self.url} refused the key: set RAG_API_KEY to its key")
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise ServerError(response.status_code, message)
        return response.json()


def find_server(settings: Settings) -> ServerClient | None:
    """A client of the server at ``settings.server_url`` when one is up and ready, else ``None``."""
    if not settings.server_url:
        return None
    key = settings.api_key.get_secret_value() if settings.api_key else None
    client = ServerClient(settings.server_url, key)
    if client.ready():
        return client
    client.close()
    return None
