"""Text primitives every layer shares: one sentence splitter, one normalizer, one stop-word list, one stemmer.

Sentences come from NLTK's trained English Punkt model, the copy LlamaIndex ships (no
download), line by line, with a quotation of several sentences kept whole. The same
splitter cuts articles into chunk sentences at ingest and answers into claims when they
are checked, so a quoted sentence is the same unit in both.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import Stemmer

WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)
STOP_WORDS = frozenset(
    """
    a an the and or but if of to in on at by for with from about as into over after before between during is
    are was were be been being am do does did done doing have has had having will would shall should can could
    may might must this that these those it its it's he she they them his her their there here what which who
    whom whose when where why how whats i me my we us our you your not no yes so than then too very just also
    any all some such more most other s t say said says tell told according article articles news report
    reported
    """.split()
)
_local = threading.local()  # PyStemmer objects are not thread-safe: one per thread


def _stemmer() -> Any:
    if not hasattr(_local, "stemmer"):
        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer


def stem(word: str) -> str:
    """The English (Snowball) stem of one lower-cased word."""
    return str(_stemmer().stemWord(word.lower()))


def stem_words(words: list[str]) -> list[str]:
    """The stems of ``words`` (already lower-cased), in order."""
    return list(_stemmer().stemWords(words))


def without_full_stop(word: str) -> str:
    """A word without the full stop of the sentence it ends ("club." → "club"); an abbreviation
    keeps its dots ("U.S.")."""
    return word[:-1] if word.endswith(".") and word.count(".") == 1 else word


def normalize(text: str) -> str:
    """Lower case, typographic quotes folded, whitespace collapsed: for comparing texts."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


@lru_cache(maxsize=1)
def _punkt() -> Any:
    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    bundled = str(Path(llama_index.core.__file__).parent / "_static" / "nltk_cache")
    if bundled not in nltk.data.path:
        nltk.data.path.append(bundled)
    return PunktTokenizer("english")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text``: each line, then Punkt within the line.

    Spans exclude surrounding whitespace; together they cover every non-blank character.
    """
    spans: list[tuple[int, int]] = []
    punkt = _punkt()
    pos = 0
    for line in text.splitlines(keepends=True):
        line_spans = [(pos + start, pos + end) for start, end in punkt.span_tokenize(line)]
        spans.extend(_join_open_quotes(text, line_spans))
        pos += len(line)
    return spans


def _open_quote(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends inside a quotation (more “ than ”, or an odd number of ")."""
    return text.count("“", start, end) > text.count("”", start, end) or text.count('"', start, end) % 2 == 1


def _join_open_quotes(text: str, spans: list[tuple[int, int]], max_join: int = 4) -> list[tuple[int, int]]:
    """Rejoin sentences Punkt split inside a quotation (“... a deal. But I sense ...,” he said)."""
    joined: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i
        while j + 1 < len(spans) and j - i < max_join and _open_quote(text, start, end):
            j += 1
            end = spans[j][1]
        joined.append((start, end))
        i = j + 1
    return joined


_TRAILER = re.compile(r"^(?:\[\w+\]|\()")  # "[1]" or "(7 Nov 2025)" after a sentence's full stop


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped; a citation marker or a note in brackets that
    follows a full stop stays with its sentence, and pieces with no word are left out."""
    found: list[str] = []
    for start, end in sentence_spans(text):
        piece = text[start:end].strip()
        if found and _TRAILER.match(piece) and "\n" not in text[start - 1 : start]:
            found[-1] += " " + piece
        else:
            found.append(piece)
    return [s for s in found if re.search(r"\w", s)]


def sentence_pieces(text: str) -> list[str]:
    """Sentence pieces that concatenate back to ``text`` exactly (for LlamaIndex's ``SentenceSplitter``)."""
    spans = sentence_spans(text)
    if not spans:
        return [text] if text else []
    pieces = []
    for i, (start, _end) in enumerate(spans):
        piece_start = 0 if i == 0 else start
        piece_end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        pieces.append(text[piece_start:piece_end])
    return pieces
