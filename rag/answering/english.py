"""A large English word list with frequencies, for telling a misspelling or a rare word from a name.

The embedder's word pieces make a small dictionary (about 20k whole words) that lacks
words like "stalemate"; pyspellchecker ships an English frequency list inside its
package (no download). It is loaded on first use only, since most questions never
need it (0.3 s).
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

# Names are in the list too, but rarely: "stalemate" 420, "tesla" 317, "macron" 50.
COMMON = 200
# Typos are in the list too, a few times each; a word seen this often is a word.
LISTED = 20


class EnglishWords:
    """Is a lower-case word English, and what English word was probably meant?"""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _checker(self) -> Any:
        with self._lock:
            from spellchecker import SpellChecker

            return SpellChecker(distance=1)

    def common(self, word: str) -> bool:
        """A word English uses often enough not to be taken for a name."""
        return self._frequency(word) >= COMMON

    def listed(self, word: str) -> bool:
        """A word the list has seen more than a few times: English, though maybe rare ("occupiers")."""
        return self._frequency(word) >= LISTED

    def _frequency(self, word: str) -> int:
        return int(self._checker.word_frequency[word.lower()])

    def correction(self, word: str) -> str | None:
        """The common English word one edit away that was most likely meant, or ``None``."""
        if self.common(word):
            return word.lower()
        fixed = self._checker.correction(word.lower())
        return fixed if fixed and fixed != word.lower() and self.common(fixed) else None
