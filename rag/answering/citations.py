"""Citations: the original text of corpus files, and the one place a quote is cut from it."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path

from rag.contract import Citation

log = logging.getLogger(__name__)


class OriginalTexts:
    """The original text of indexed files, checked against the hash they were indexed with.

    A file edited since the last ingest would make offsets point at the wrong text, so
    such a file yields ``None`` (and a warning to re-run ``rag ingest``) instead.
    """

    def __init__(self, corpus_dir: Path, capacity: int = 256):
        self._root = corpus_dir.resolve()
        self._cache: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, source: str, sha16: str) -> str | None:
        """Text of ``source`` if its content still hashes to ``sha16``."""
        key = (source, sha16)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        text = self._read(source, sha16)
        if text is not None:  # failures are not cached: a fixed file works at once
            with self._lock:
                self._cache[key] = text
                if len(self._cache) > self._capacity:
                    self._cache.popitem(last=False)
        return text

    def _read(self, source: str, sha16: str) -> str | None:
        path = (self._root / source).resolve()
        if not path.is_relative_to(self._root):
            return None
        try:
            data = path.read_bytes()
        except OSError:
            log.warning("%s is indexed but cannot be read; run `rag ingest`", source)
            return None
        if hashlib.sha256(data).hexdigest()[:16] != sha16:
            log.warning("%s changed since it was indexed; run `rag ingest`", source)
            return None
        return data.decode("utf-8")


def cite(
    original: str, source: str, start: int, end: int, *, id: int, score: float, title: str | None, date: str | None
) -> Citation:
    """The citation of ``original[start:end]`` (``original``: the file's text from :class:`OriginalTexts`),
    so that ``quote == text[start:end]`` holds by construction wherever a citation is made."""
    return Citation(
        id=id, source=source, start=start, end=end, quote=original[start:end], score=score, title=title, date=date
    )
