"""A local news web site on 127.0.0.1 for the ingest tests: the labelled pages of
``evals/news_pages`` (nav, ads, comments, JSON-LD, ``<time>``), RSS 2.0 and Atom feeds whose
items a test can add between runs, one story syndicated on three "sites", and hostile URLs.

Pages and feeds carry an ETag and answer ``If-None-Match`` with 304, as real sites do.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

PAGES = Path(__file__).resolve().parent.parent / "evals" / "news_pages"
STORIES = ["museum-theft", "chess-final", "rail-strike"]  # a feed's first items; tests add more


class NewsSite:
    """The site; ``feed_items`` (page names) can change while it runs, ``requests`` counts each path."""

    def __init__(self) -> None:
        self.feed_items = list(STORIES)
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.broken: set[str] = set()  # page names that answer 500 for now
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.requests[self.path] = site.requests[self.path] + 1
                site.route(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # --- content ---

    def feed(self, atom: bool) -> bytes:
        """The feed of ``feed_items``, newest last."""
        now = format_datetime(datetime(2025, 11, 1, tzinfo=UTC))
        if atom:
            entries = "".join(
                f"<entry><id>urn:news:{name}</id><title>{escape(name)}</title>"
                f'<link href="{self.url}/news/{name}.html"/><updated>2025-11-01T00:00:00Z</updated></entry>'
                for name in self.feed_items
            )
            return (
                '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>Local news</title><id>urn:news</id><updated>2025-11-01T00:00:00Z</updated>{entries}</feed>"
            ).encode()
        items = "".join(
            f"<item><title>{escape(name)}</title><link>{self.url}/news/{name}.html</link>"
            f'<guid isPermaLink="false">news-{name}</guid><pubDate>{now}</pubDate></item>'
            for name in self.feed_items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local news</title>'
            f"<link>{self.url}/</link><description>Test feed</description>{items}</channel></rss>"
        ).encode()

    def route(self, h: BaseHTTPRequestHandler) -> None:
        """Answer one GET."""
        path = h.path
        if path.startswith("/news/") and path.endswith(".html"):
            name = path[len("/news/") : -len(".html")]
            if name in self.broken:
                return self._send(h, 500, b"oops", "text/plain")
            page = PAGES / f"{name}.html"
            if "/" in name or not page.is_file():
                return self._send(h, 404, b"not found", "text/html")
            return self._send(h, 200, page.read_bytes(), "text/html; charset=utf-8", conditional=True)
        if path in ("/feed.xml", "/atom.xml"):
            kind = "application/atom+xml" if path == "/atom.xml" else "application/rss+xml"
            return self._send(h, 200, self.feed(path == "/atom.xml"), kind, conditional=True)
        if path == "/self-feed.xml":  # an item that links back to the feed itself
            items = "".join(
                f"<item><title>{n}</title><link>{self.url}{link}</link><guid>{n}</guid></item>"
                for n, link in (("self", "/self-feed.xml"), ("chess", "/news/chess-final.html"))
            )
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loop</title>{items}</channel></rss>'
            return self._send(h, 200, body.encode(), "application/rss+xml")
        if path == "/broken-feed.xml":
            return self._send(h, 200, b"<rss><channel><item><title>cut off", "application/rss+xml")
        if path == "/image.png":
            return self._send(h, 200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        if path == "/huge.html":  # 50 MB, no Content-Length: the client must stop reading itself
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.end_headers()
            try:
                for _ in range(800):
                    h.wfile.write(b"<p>" + b"x" * 65_530 + b"</p>")
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        if path == "/loop-a":
            return self._redirect(h, "/loop-b")
        if path == "/loop-b":
            return self._redirect(h, "/loop-a")
        if path.startswith("/hop/"):
            return self._redirect(h, f"/hop/{int(path.rsplit('/', 1)[1]) + 1}")
        if path == "/moved":
            return self._redirect(h, "/news/chess-final.html")
        if path == "/slow.html":
            time.sleep(3)
            return self._send(h, 200, b"<p>late</p>", "text/html")
        if path == "/error":
            return self._send(h, 500, b"server error", "text/plain")
        return self._send(h, 404, b"not found", "text/html")

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, kind: str, conditional: bool = False) -> None:
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        if conditional and h.headers.get("If-None-Match") == etag:
            self.not_modified[h.path] += 1
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        h.send_response(status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(body)))
        if conditional:
            h.send_header("ETag", etag)
        h.end_headers()
        h.wfile.write(body)

    def _redirect(self, h: BaseHTTPRequestHandler, to: str) -> None:
        h.send_response(302)
        h.send_header("Location", to)
        h.send_header("Content-Length", "0")
        h.end_headers()
