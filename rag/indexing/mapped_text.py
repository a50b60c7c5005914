"""Cleaned text that remembers where every character came from in the original file.

Citations must point into the original file (``quote == original[start:end]``) even
though retrieval works on cleaned text (markup stripped, duplicate title lines and
boilerplate dropped). A :class:`MappedText` is built piece by piece; each piece is
either copied verbatim (1:1 offsets) or replaces a span of the original (an HTML
entity, a tag turned into a line break) and maps as a unit.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass
class MappedText:
    """Cleaned text plus a piecewise map from cleaned offsets to original offsets."""

    _parts: list[str] = field(default_factory=list)
    _clean_starts: list[int] = field(default_factory=list)
    _clean_lens: list[int] = field(default_factory=list)
    _orig_starts: list[int] = field(default_factory=list)
    _orig_lens: list[int] = field(default_factory=list)
    _length: int = 0
    _text: str | None = None

    def copy(self, original: str, start: int, end: int) -> None:
        """Append ``original[start:end]`` verbatim."""
        if end > start:
            self._append(original[start:end], start, end - start)

    def replace(self, text: str, orig_start: int, orig_end: int) -> None:
        """Append ``text`` standing for ``original[orig_start:orig_end]`` as one unit."""
        if text:
            self._append(text, orig_start, orig_end - orig_start)

    def _append(self, text: str, orig_start: int, orig_len: int) -> None:
        self._parts.append(text)
        self._clean_starts.append(self._length)
        self._clean_lens.append(len(text))
        self._orig_starts.append(orig_start)
        self._orig_lens.append(orig_len)
        self._length += len(text)
        self._text = None

    @property
    def text(self) -> str:
        """The cleaned text."""
        if self._text is None:
            self._text = "".join(self._parts)
        return self._text

    def __len__(self) -> int:
        return self._length

    def _piece(self, clean_pos: int) -> int:
        return bisect.bisect_right(self._clean_starts, clean_pos) - 1

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the cleaned span ``[start, end)`` to a span of the original text."""
        if not 0 <= start < end <= self._length:
            raise ValueError(f"span {start}:{end} outside cleaned text of length {self._length}")
        i = self._piece(start)
        verbatim = self._clean_lens[i] == self._orig_lens[i]
        o_start = self._orig_starts[i] + (start - self._clean_starts[i] if verbatim else 0)
        j = self._piece(end - 1)
        if self._clean_lens[j] == self._orig_lens[j]:
            o_end = self._orig_starts[j] + (end - 1 - self._clean_starts[j]) + 1
        else:
            o_end = self._orig_starts[j] + self._orig_lens[j]
        return o_start, o_end

    def copy_span(self, start: int, end: int, into: MappedText) -> None:
        """Append the cleaned span ``[start, end)`` to ``into``, each piece keeping its map (a
        replaced unit, such as a decoded entity, goes whole or not at all)."""
        i = max(0, self._piece(start))
        while i < len(self._parts) and self._clean_starts[i] < end:
            c_start, c_len = self._clean_starts[i], self._clean_lens[i]
            if self._clean_lens[i] == self._orig_lens[i]:  # verbatim: cut to the span
                lo, hi = max(start, c_start), min(end, c_start + c_len)
                if hi > lo:
                    o = self._orig_starts[i] + lo - c_start
                    into._append(self._parts[i][lo - c_start : hi - c_start], o, hi - lo)
            elif c_start >= start:
                into._append(self._parts[i], self._orig_starts[i], self._orig_lens[i])
            i += 1
