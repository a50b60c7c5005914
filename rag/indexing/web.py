"""Fetching pages and feeds over HTTP, safely: only public http(s) addresses (unless allowed),
bounded redirects, size and time, a ``User-Agent``, a pause between requests to one site.

Every failure is a :class:`FetchError` with a ``code`` and a sentence naming the URL; nothing
is written before a fetch succeeded.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from rag.settings import Settings

USER_AGENT = "NewsdeskQA/0.1 (+https://github.com/newsdesk-qa; article ingest)"


class FetchError(ValueError):
    """A URL that could not be fetched; ``code`` says why (``bad_url``, ``blocked_url``,
    ``unreachable``, ``timeout``, ``http_error``, ``too_many_redirects``, ``redirect_loop``,
    ``too_large``, ``not_html``, ``bad_feed``, ``no_article_text``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Fetched:
    """One response: 200 with its body, or 304 (unchanged since the ETag / date given)."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    etag: str | None
    last_modified: str | None
    fetched_at: str  # ISO 8601, UTC

    @property
    def unchanged(self) -> bool:
        """The server said 304 Not Modified."""
        return self.status == 304


def check_url(url: str, allow_private: bool) -> httpx.URL:
    """``url`` parsed, or :class:`FetchError` when it is not http(s), carries credentials, or (with
    ``allow_private`` off) names a host that resolves to a loopback, private, link-local or other
    non-public address."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError("bad_url", f"{url!r} is not a URL ({exc})") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError("bad_url", f"{url}: only http:// and https:// URLs can be fetched")
    if parsed.userinfo:
        shown = parsed.copy_with(username=None, password=None)  # never the password, not even in a message
        raise FetchError("bad_url", f"{shown}: URLs with credentials are refused")
    if allow_private:
        return parsed
    try:
        infos = socket.getaddrinfo(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("unreachable", f"{url}: cannot resolve {parsed.host} ({exc})") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise FetchError(
                "blocked_url",
                f"{url}: {parsed.host} is a non-public address ({address}); set RAG_ALLOW_PRIVATE_URLS=1 to allow it",
            )
    return parsed


class Fetcher:
    """GETs URLs with the limits of the settings; one per ingest run (it paces requests per site)."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._client = httpx.Client(
            timeout=settings.fetch_timeout_s, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        self._last: dict[str, float] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._client.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """The response to a GET of ``url``, following at most ``max_redirects`` redirects, each
        hop checked like the first; a 4xx/5xx, a body over ``max_page_bytes``, a timeout or an
        unreachable host raise :class:`FetchError`."""
        headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
        seen: set[str] = set()
        current = url
        for _ in range(self._settings.max_redirects + 1):
            target = check_url(current, self._settings.allow_private_urls)
            seen.add(str(target))
            self._pace(target.host)
            try:
                with self._client.stream("GET", target, headers=headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = str(target.join(response.headers["location"]))
                        if current in seen:
                            raise FetchError("redirect_loop", f"{url}: redirect loop at {current}")
                        continue
                    return self._read(url, str(target), response)
            except httpx.TimeoutException as exc:
                raise FetchError("timeout", f"{url}: no answer within {self._settings.fetch_timeout_s:g} s") from exc
            except httpx.HTTPError as exc:
                raise FetchError("unreachable", f"{url}: {type(exc).__name__}: {exc}") from exc
        raise FetchError("too_many_redirects", f"{url}: more than {self._settings.max_redirects} redirects")

    def _read(self, url: str, final: str, response: httpx.Response) -> Fetched:
        limit = self._settings.max_page_bytes
        if response.status_code >= 400:
            raise FetchError("http_error", f"{url}: HTTP {response.status_code} {response.reason_phrase}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError("too_large", f"{url}: {declared} bytes; the limit is {limit} (RAG_MAX_PAGE_BYTES)")
        body = bytearray()
        for part in response.iter_bytes():
            body += part
            if len(body) > limit:  # never more than the limit is held
                raise FetchError("too_large", f"{url}: over {limit} bytes (RAG_MAX_PAGE_BYTES)")
        return Fetched(
            url=url,
            final_url=final,
            status=response.status_code,
            content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
            body=bytes(body),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def _pace(self, host: str) -> None:
        """Wait until ``fetch_delay_s`` has passed since the last request to ``host``."""
        wait = self._last.get(host, -1e9) + self._settings.fetch_delay_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last[host] = time.monotonic()
