"""Reading a folder of articles: decoding, cleaning with offsets, title and date.

Bad files never stop a load: each one becomes a :class:`FileProblem` naming the file
and the reason, and the rest of the folder goes on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.indexing.boilerplate import is_furniture
from rag.indexing.mapped_text import MappedText

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

# A header line such as " date 2025-11-07 Trump Highlights ..." (seed 000).
_DATE_HEADER = re.compile(r"^\s*date[:\s]+(\d{4}-\d{2}-\d{2})[T\d:.Z+-]*\s*(.*)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_FRONT_MATTER_DATE = re.compile(r"^date:\s*[\"']?(\d{4}-\d{2}-\d{2})", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class FileProblem:
    """A file that was left out, and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass
class Article:
    """One article: its original text, the cleaned text mapped onto it, and metadata."""

    source: str  # path relative to the corpus folder, with '/' separators
    original: str  # the file decoded as UTF-8; citation offsets index this string
    cleaned: MappedText
    title: str
    date: str | None
    sha256: str

    @property
    def text(self) -> str:
        """The cleaned text used for chunking and retrieval."""
        return self.cleaned.text

    @property
    def sha16(self) -> str:
        """The first 16 hex digits of the file's SHA-256: the version chunk ids and quotes are of."""
        return self.sha256[:16]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Article files under ``corpus_dir`` (recursive, sorted, hidden files skipped)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
    return files


def source_name(corpus_dir: Path, path: Path) -> str:
    """The name a citation uses for ``path``: relative to the corpus, '/' separated."""
    return path.relative_to(corpus_dir).as_posix()


def read_article(corpus_dir: Path, path: Path, max_bytes: int) -> Article | FileProblem:
    """Read and clean one file, or say why it cannot be used."""
    source = source_name(corpus_dir, path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FileProblem(source, f"too large ({size} bytes > {max_bytes})")
        data = path.read_bytes()
    except OSError as exc:
        return FileProblem(source, f"unreadable ({exc.strerror or exc})")
    if b"\x00" in data:
        return FileProblem(source, "binary file (contains NUL bytes)")
    try:
        original = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FileProblem(source, f"not UTF-8 (bad byte 0x{data[exc.start]:02x} at offset {exc.start})")
    if not original.strip():
        return FileProblem(source, "empty file")
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in (".html", ".htm"):
        from rag.indexing.html_cleaning import clean_html

        cleaned, title, date = clean_html(original)
    else:
        cleaned, title, date = clean_plain(original, markdown=path.suffix.lower() in (".md", ".markdown"))
    if not cleaned.text.strip():
        return FileProblem(source, "no article text after cleaning")
    return Article(source, original, cleaned, title or _fallback_title(cleaned.text, source), date, digest)


def load_corpus(corpus_dir: Path, max_bytes: int = 5_000_000) -> tuple[list[Article], list[FileProblem]]:
    """Read every article file of a folder; bad files are reported, not raised."""
    articles: list[Article] = []
    problems: list[FileProblem] = []
    for path in corpus_files(corpus_dir):
        result = read_article(corpus_dir, path, max_bytes)
        (problems if isinstance(result, FileProblem) else articles).append(result)  # type: ignore[arg-type]
    return articles, problems


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line including its end-of-line) pairs."""
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line
        pos += len(line)


def clean_plain(original: str, markdown: bool = False) -> tuple[MappedText, str | None, str | None]:
    """Clean a .txt/.md article line by line, keeping offsets.

    Drops a byte-order mark, a ``date YYYY-MM-DD`` prefix (kept as metadata), repeats of
    the title line, page furniture ("Read More:"), and Markdown heading markers.
    """
    out = MappedText()
    title: str | None = None
    date: str | None = None
    if markdown and (m := _MD_FRONT_MATTER_DATE.search(original[:2000])):
        date = m.group(1)
    seen_text = False
    for offset, line in _lines(original):
        body_start, body = offset, line
        if offset == 0 and body.startswith("\ufeff"):
            body_start, body = 1, body[1:]
        stripped = body.strip()
        if not stripped:
            out.copy(original, body_start, offset + len(line))
            continue
        if not seen_text:
            seen_text = True
            if m := _DATE_HEADER.match(body.rstrip("\r\n")):
                date = m.group(1)
                skip = m.start(2)
                body_start, body = body_start + skip, body[skip:]
                stripped = body.strip()
            if markdown and (h := _MD_HEADING.match(body)):
                body_start, body = body_start + h.end(), body[h.end() :]
                stripped = body.strip()
            if _looks_like_title(stripped):
                title = stripped
        elif title is not None and stripped == title:
            continue  # the same title printed again
        elif is_furniture(stripped):
            continue
        elif markdown and (h := _MD_HEADING.match(body)):
            body_start, body = body_start + h.end(), body[h.end() :]
        out.copy(original, body_start, body_start + len(body))
    if date is None and (m := _ISO_DATE.search(original[:300])):
        date = m.group(1)
    return out, title, date


def _looks_like_title(line: str) -> bool:
    """A short first line that does not end like a sentence is a headline."""
    return 0 < len(line) <= 200 and len(line.split()) <= 25 and not line.endswith((".", ",", ";", ":"))


def _fallback_title(text: str, source: str) -> str:
    """An article with no headline is titled by the start of its first sentence."""
    first = text.strip().split("\n", 1)[0]
    words = first.split()
    if not words:
        return source
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")
