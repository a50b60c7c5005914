"""The article in a news page: its main text and metadata, by trafilatura (htmldate for the date).

A news page is mostly furniture: menus, cookie banners, "Read more" boxes, ads, comment
bars. trafilatura finds the article's paragraphs and its title, author, site and date
(JSON-LD, meta tags, ``<time>``); htmldate is the date's fallback. Two uses:

- a fetched page is stored as the text of :func:`article_text` (see :mod:`rag.indexing.web`);
- an ``.html`` file in the corpus keeps its offsets: :func:`main_text_of` keeps the spans of
  the tag scanner's text that trafilatura calls main text, so citations still index the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.indexing.boilerplate import is_furniture
from rag.indexing.mapped_text import MappedText

# Below this share of trafilatura's text found in the scanner's, the two disagree about the page
# (e.g. text built by scripts): keep the scanner's whole text rather than lose the article.
MIN_ALIGNED = 0.5


@dataclass(frozen=True)
class PageText:
    """What trafilatura read in a page."""

    paragraphs: list[str]
    title: str | None
    author: str | None
    site: str | None
    date: str | None  # YYYY-MM-DD

    @property
    def text(self) -> str:
        """The main text, a paragraph a line."""
        return "\n".join(self.paragraphs)


def extract_page(page: str | bytes, url: str | None = None) -> PageText:
    """The main text and metadata of an HTML page (bytes are decoded as the page declares)."""
    import trafilatura
    from htmldate import find_date

    doc: Any = None  # a trafilatura Document (a dict only when asked for one)
    for precision in (True, False):  # precise first; a table layout gives nothing then, and is read by default
        doc = trafilatura.bare_extraction(
            page, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=precision
        )
        if doc is not None and (doc.text or "").strip():
            break
    if doc is None:
        return PageText([], None, None, None, None)
    lines = (" ".join(line.split()) for line in (doc.text or "").splitlines())
    paragraphs = [line for line in lines if line and not is_furniture(line)]
    title = " ".join(doc.title.split()) if doc.title else None
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline is the title, not the first paragraph
    date = doc.date
    if not date:
        try:
            date = find_date(page, original_date=True, outputformat="%Y-%m-%d", extensive_search=False)
        except (ValueError, TypeError):
            date = None
    return PageText(paragraphs, title, doc.author or None, doc.sitename or None, date or None)


def article_text(page: PageText) -> str:
    """The text a fetched article is stored as: ``date YYYY-MM-DD Title`` (the header the plain-text
    reader takes the date and title from), a byline, then the paragraphs."""
    head = f"date {page.date} {page.title or ''}".rstrip() if page.date else (page.title or "")
    byline = ", ".join(part for part in (page.author, page.site) if part)
    blocks = [b for b in (head, f"By {byline}" if byline else "", *page.paragraphs) if b]
    return "\n\n".join(blocks) + "\n"


def main_text_of(scanned: MappedText, page: PageText) -> MappedText | None:
    """The spans of ``scanned`` (a page's whole text, mapped onto the file) that hold the
    paragraphs trafilatura found, in order; ``None`` when too little of them is found."""
    text = scanned.text
    flat, where = _collapsed(text)
    spans: list[tuple[int, int]] = []
    found = total = cursor = 0
    for paragraph in page.paragraphs:
        total += len(paragraph)
        at = flat.find(paragraph, cursor)
        if at < 0:
            continue
        end = at + len(paragraph)
        spans.append((where[at], where[end - 1] + 1))
        found += len(paragraph)
        cursor = end
    if not total or found / total < MIN_ALIGNED:
        return None
    out = MappedText()
    for i, (start, end) in enumerate(spans):
        if i:  # the furniture skipped between two paragraphs stands as a paragraph break
            gap_start = scanned.to_original(spans[i - 1][1] - 1, spans[i - 1][1])[1]
            out.replace("\n\n", gap_start, scanned.to_original(start, start + 1)[0])
        scanned.copy_span(start, end, out)
    return out


_SPACE = re.compile(r"\s+")


def _collapsed(text: str) -> tuple[str, list[int]]:
    """``text`` with each run of white space made one space, and where each character came from."""
    chars: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _SPACE.finditer(text):
        chars.extend(text[pos : m.start()])
        where.extend(range(pos, m.start()))
        chars.append(" ")
        where.append(m.start())
        pos = m.end()
    chars.extend(text[pos:])
    where.extend(range(pos, len(text)))
    return "".join(chars), where
