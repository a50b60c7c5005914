"""News from the web into the corpus folder: article URLs and RSS/Atom feeds.

A fetched page is stored as **the text of its article** (``web/<site>/<slug>.txt``: a
``date … Title`` header, the byline, the paragraphs trafilatura found), and the page itself is
kept beside it, hidden from the indexer, with its URL, fetch time, ETag and what was read from
it (``.web/pages/<site>/<slug>.html`` and ``.json``). Why the text and not the page: a citation
is ``file[start:end]`` and its quote must read as the article's sentence, while inline markup
(links, emphasis) sits inside most sentences of a real page; the text is written once, at fetch
time, so its offsets do not move when the extractor changes (a re-fetch writes a new version).

A feed remembers its ETag / Last-Modified and the ids of the items already stored
(``.web/feeds.json``): a re-run asks with If-None-Match / If-Modified-Since and adds only
new items. An item whose link fails is reported and tried again on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.indexing.page_text import article_text, extract_page
from rag.indexing.web import Fetched, Fetcher, FetchError
from rag.settings import Settings

WEB_FOLDER = "web"  # where fetched articles go, under the corpus folder
STATE_FOLDER = ".web"  # hidden: pages as fetched, feed state
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")


@dataclass
class NewsReport:
    """What a fetch stored (corpus file names), found unchanged, and could not fetch."""

    saved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[FetchError] = field(default_factory=list)  # each names its URL; ``code`` says why


def slug_for(url: str) -> tuple[str, str]:
    """(site folder, file stem) for a URL: the host, and the path's last words plus a short
    hash of the whole URL (two URLs never share a file)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    site = re.sub(r"[^a-z0-9.-]", "_", (parts.hostname or "site").lower()).strip(".") or "site"
    last = [p for p in parts.path.split("/") if p]
    words = re.sub(r"[^a-z0-9]+", "-", Path(last[-1]).stem.lower() if last else "index").strip("-")[:60] or "page"
    return site, f"{words}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fetch-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # the indexer never sees half a file
    finally:
        Path(tmp).unlink(missing_ok=True)


class NewsDesk:
    """Stores fetched articles and feed items in a corpus folder."""

    def __init__(self, settings: Settings, corpus_dir: Path, fetcher: Fetcher):
        self._settings = settings
        self._root = corpus_dir
        self._fetcher = fetcher
        self._state = corpus_dir / STATE_FOLDER

    def add_url(self, url: str, report: NewsReport, item: bool = False) -> str | None:
        """Fetch one article page and store it (or, when the URL is a feed and not itself a feed's
        ``item``, its new items); its corpus file name (the feed's URL), or ``None`` (a problem reported)."""
        try:
            return self._store(url, report, item)
        except FetchError as exc:
            report.problems.append(exc)
            return None

    def _store(self, url: str, report: NewsReport, item: bool) -> str:
        site, stem = slug_for(url)
        source = f"{WEB_FOLDER}/{site}/{stem}.txt"
        meta_path = self._state / "pages" / site / f"{stem}.json"
        known = json.loads(meta_path.read_text("utf-8")) if meta_path.is_file() else {}
        if not (self._root / source).is_file():
            known = {}  # the article is gone: fetch it whole
        fetched = self._fetcher.get(url, known.get("etag"), known.get("last_modified"))
        if fetched.unchanged:
            report.unchanged.append(source)
            return source
        if fetched.content_type in _FEED_TYPES and not item:  # a feed given as a URL: its items (one level)
            self._store_items(url, fetched, report)
            return url
        if fetched.content_type and fetched.content_type not in _HTML_TYPES:
            raise FetchError("not_html", f"{url}: not a web page ({fetched.content_type})")
        page = extract_page(fetched.body, fetched.final_url)
        if not page.paragraphs:
            raise FetchError("no_article_text", f"{url}: no article text found in the page")
        text = article_text(page).encode("utf-8")
        if len(text) > self._settings.max_file_bytes:
            raise FetchError("too_large", f"{url}: the article's text is over {self._settings.max_file_bytes} bytes")
        target = self._root / source
        same = target.is_file() and target.read_bytes() == text
        if not same:
            _write_atomic(target, text)
        _write_atomic(meta_path.with_suffix(".html"), fetched.body)
        meta = _page_meta(fetched, page.title, page.author, page.site, page.date)
        _write_atomic(meta_path, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
        (report.unchanged if same else report.saved).append(source)
        return source

    def add_feed(self, feed_url: str, report: NewsReport) -> None:
        """Fetch a feed and store its items not stored before; a broken feed is a :class:`FetchError`."""
        known = self._feeds().get(feed_url, {})
        fetched = self._fetcher.get(feed_url, known.get("etag"), known.get("last_modified"))
        if not fetched.unchanged:
            self._store_items(feed_url, fetched, report)

    def _feeds(self) -> dict[str, Any]:
        path = self._state / "feeds.json"
        return dict(json.loads(path.read_text("utf-8"))) if path.is_file() else {}

    def _store_items(self, feed_url: str, fetched: Fetched, report: NewsReport) -> None:
        import feedparser

        feeds = self._feeds()
        known = feeds.get(feed_url, {})
        parsed = feedparser.parse(fetched.body)
        linked = [e for e in parsed.entries if e.get("link")]
        if not parsed.get("version") or (parsed.get("bozo") and not linked):  # a page, or XML cut short
            reason = parsed.get("bozo_exception") or "no feed in it"
            raise FetchError("bad_feed", f"{feed_url}: not a readable RSS or Atom feed ({reason})")
        seen = set(known.get("seen", []))
        for entry in parsed.entries:
            link = entry.get("link")
            item = entry.get("id") or link
            if not item or item in seen:
                continue
            if not link:
                report.problems.append(FetchError("bad_feed", f"{feed_url}: item {item!r} has no link"))
                continue
            if self.add_url(link, report, item=True) is not None:
                seen.add(item)  # a failed item is tried again next time
        feeds[feed_url] = {
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "fetched_at": fetched.fetched_at,
            "title": parsed.feed.get("title"),
            "seen": sorted(seen),
        }
        _write_atomic(self._state / "feeds.json", json.dumps(feeds, ensure_ascii=False, indent=1).encode("utf-8"))


def publisher_of(corpus_dir: Path) -> Callable[[str], str]:
    """Who published a corpus file: the site name read from its page when it was fetched, else
    the site's host; for any other file, its name."""

    def publisher(source: str) -> str:
        parts = source.split("/")
        if len(parts) != 3 or parts[0] != WEB_FOLDER:
            return source
        meta = corpus_dir / STATE_FOLDER / "pages" / parts[1] / f"{Path(parts[2]).stem}.json"
        try:
            return str(json.loads(meta.read_text("utf-8")).get("site") or parts[1])
        except (OSError, ValueError):
            return parts[1]

    return publisher


def _page_meta(fetched: Fetched, title: str | None, author: str | None, site: str | None, date: str | None) -> dict:
    return {
        "url": fetched.url,
        "final_url": fetched.final_url,
        "fetched_at": fetched.fetched_at,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
        "content_type": fetched.content_type,
        "title": title,
        "author": author,
        "site": site,
        "date": date,
        "extractor": "trafilatura",
    }


def fetch_news(settings: Settings, corpus_dir: Path, urls: Sequence[str] = (), feeds: Sequence[str] = ()) -> NewsReport:
    """Store the articles at ``urls`` and the new items of ``feeds`` in ``corpus_dir``; a feed
    that fails is a problem of the report, like a page that fails."""
    report = NewsReport()
    with Fetcher(settings) as fetcher:
        desk = NewsDesk(settings, corpus_dir, fetcher)
        for url in urls:
            desk.add_url(url, report)
        for feed in feeds:
            try:
                desk.add_feed(feed, report)
            except FetchError as exc:
                report.problems.append(exc)
    return report
