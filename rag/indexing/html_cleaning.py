"""HTML article → plain text, with offsets back into the HTML source.

A small scanner rather than a DOM parser: a DOM loses source positions, and
citations must index the original file. Tags are dropped, block-level tags become
line breaks, entities are decoded, and script/style/nav/header/footer content is
skipped. Of that text, only the paragraphs trafilatura calls the article's main text
are kept (:mod:`rag.indexing.page_text`: menus, ads and comment bars in ``<div>``s go),
and its title and date are preferred; the scanner's own title (<title> or the first
<h1>) and date (meta tags or a <time datetime>) are the fallback.
"""

from __future__ import annotations

import html
import re

from rag.indexing.mapped_text import MappedText

_TOKEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?\?>|</?([a-zA-Z][\w:-]*)[^>]*>|&#?\w+;", re.DOTALL)
_SKIP = {"script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form", "svg", "head"}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "hr",
    "figure",
    "figcaption",
    "dd",
    "dt",
    "main",
}
_DATE_META = re.compile(
    r"<meta[^>]+(?:name|property|itemprop)=[\"'](?:date|article:published_time|pubdate|datePublished|dc\.date)[\"']"
    r"[^>]*content=[\"'](\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
_TIME_TAG = re.compile(r"<time[^>]+datetime=[\"'](\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())


def clean_html(original: str) -> tuple[MappedText, str | None, str | None]:
    """The main text of an HTML document with a map to the source offsets, its title and date."""
    from rag.indexing.page_text import extract_page, main_text_of

    scanned, title, date = scan_html(original)
    page = extract_page(original)
    main = main_text_of(scanned, page)
    return (main or scanned), (page.title or title), (page.date or date)


def scan_html(original: str) -> tuple[MappedText, str | None, str | None]:
    """Strip markup from an HTML document, keeping a map to the source offsets (the whole text)."""
    out = MappedText()
    skip_stack: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(original):
        if not skip_stack:
            out.copy(original, pos, m.start())
        pos = m.end()
        token = m.group(0)
        name = (m.group(1) or "").lower()
        if token.startswith("&"):
            if not skip_stack:
                decoded = html.unescape(token)
                out.replace(decoded, m.start(), m.end())
            continue
        if not name:
            continue  # comment, doctype, processing instruction
        closing = token.startswith("</")
        if name in _SKIP and not token.endswith("/>"):
            if closing:
                if name in skip_stack:
                    while skip_stack and skip_stack.pop() != name:
                        pass
            else:
                skip_stack.append(name)
            continue
        if name in _BLOCK and not skip_stack:
            out.replace("\n\n" if name not in ("br", "li", "tr") else "\n", m.start(), m.end())
    if not skip_stack:
        out.copy(original, pos, len(original))

    title = None
    if found := _TITLE.search(original):
        title = _plain(found.group(1)) or None
    if title is None and (found := _H1.search(original)):
        title = _plain(found.group(1)) or None
    date = None
    if found := (_DATE_META.search(original) or _TIME_TAG.search(original)):
        date = found.group(1)
    return out, title, date
