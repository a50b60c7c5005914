"""Spelling fixed against the corpus: "Witkof" → "witkoff", "injred" → "injured".

Used by the read stage only (:mod:`rag.answering.question`): a question is corrected once,
and every later stage takes the corrected text from there.
"""

from __future__ import annotations

import difflib
import re

from rag.answering.english import EnglishWords
from rag.text import stem, stem_words

_PARTICLES = frozenset("out off up down over back in on".split())
_QUERY_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class SpellingCorrector:
    """Maps misspelt words to the closest word the corpus uses.

    A word is only corrected when neither the corpus nor the English ``dictionary``
    knows it: "write" is not turned into the corpus's "white", "Witkof" becomes "witkoff".
    With ``english`` (a large word list), a misspelling of an English word the corpus
    uses in another form is corrected too ("injred" → "injured", as in "injuring").
    """

    def __init__(
        self,
        vocabulary: list[str],
        dictionary: frozenset[str] = frozenset(),
        cutoff: float = 0.8,
        english: EnglishWords | None = None,
    ):
        self._vocab = set(vocabulary)
        self._dictionary = dictionary
        self._english = english
        self._by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            self._by_length.setdefault(len(word), []).append(word)
        self._cutoff = cutoff
        self._stems = set(stem_words(list(vocabulary)))

    def known(self, word: str) -> bool:
        """Whether the corpus uses ``word`` (case-insensitive)."""
        return word.lower() in self._vocab

    def unknown(self, word: str) -> bool:
        """Neither an English word nor (nearly) a corpus word: a name the articles never use."""
        lower = word.lower()
        if len(lower) < 4 or self._in_dictionary(lower):
            return False
        if stem(lower) in self._stems:
            return False  # "cancelling" where the articles say "canceled": same stem, not a name
        if self.closest(lower) is not None:
            return False
        # "stalemate" is English, "injred" a misspelt "injured": neither is a name.
        return self._english is None or (
            self._english.correction(lower) is None and not _compound(lower, self._english)
        )

    def _in_dictionary(self, word: str) -> bool:
        # The word-piece vocabulary lacks many inflections ("timelines"): try the bare form.
        forms = [word] + [
            word[: -len(sfx)]
            for sfx in ("s", "es", "ed", "d", "ing", "ly", "er", "ers")
            if word.endswith(sfx) and len(word) - len(sfx) >= 3
        ]
        forms += [f + "e" for f in forms[1:]]  # "negotiating" -> "negotiat" -> "negotiate"
        return any(f in self._dictionary for f in forms)

    def closest(self, word: str) -> str | None:
        """The closest corpus word, or ``None`` when nothing is close enough."""
        lower = word.lower()
        if lower in self._vocab:
            return lower
        if len(lower) < 4:
            return None
        pool = [w for n in range(len(lower) - 2, len(lower) + 3) for w in self._by_length.get(n, [])]
        match = difflib.get_close_matches(lower, pool, n=1, cutoff=self._cutoff)
        return match[0] if match else None

    def correct(self, text: str) -> str:
        """``text`` with unknown words (4+ letters) replaced by their closest corpus word."""

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            if len(word) < 4 or self.known(word) or self._in_dictionary(word.lower()):
                return word
            if self._english is not None and word.islower() and self._english.listed(word):
                return word  # "occupiers" is English, not a misspelt "occupied"
            closest = self.closest(word)
            if closest is None and self._english is not None and word.islower():
                meant = self._english.correction(word)
                if meant and stem(meant) in self._stems:
                    return meant
            return closest or word

        return _QUERY_WORD.sub(fix, text)


def _compound(word: str, english: EnglishWords) -> bool:
    """ "walkout", "stockpile": two common English words written as one (each of four letters or
    more, or a particle after the first) is a word the list lacks, not a name."""
    return any(
        english.common(word[:i]) and (word[i:] in _PARTICLES or (len(word) - i >= 4 and english.common(word[i:])))
        for i in range(4, len(word) - 1)
    )
