"""How a retrieved sentence reads: its text in the chunk, whether it is a heading or a full
sentence, whether it quotes the person asked about, and how it is shown with its ``[n]``."""

from __future__ import annotations

import re

from rag.answering.hits import Hit
from rag.language import BULLET, QUOTE_MARK, SPEECH, SPEECH_VERBS

_CAPITALISED = re.compile(r"\b[A-Z][a-z’'-]{2,}")


def quote_bonus(text: str, names: list[str]) -> float:
    """A quotation attributed to a name of the question scores highest."""
    for name in names:
        if attributed(text, name):
            return 0.4 if QUOTE_MARK.search(text) else 0.3
    if QUOTE_MARK.search(text) and SPEECH.search(text):
        return 0.1
    return 0.0


def attributed(text: str, name: str) -> bool:
    who = re.escape(name)
    near = rf"\b{who}\w*\W+(?:\w+\W+){{0,2}}{SPEECH_VERBS}\b|\b{SPEECH_VERBS}\W+(?:\w+\W+){{0,2}}{who}"
    return re.search(near, text, re.I) is not None


def continues_quote(text: str, following: str, names: list[str]) -> bool:
    """The next sentence is a quotation by the same speaker
    ("...and said he sees progress. “There’s...,” Witkoff said.")."""
    if not QUOTE_MARK.match(following) or not SPEECH.search(following):
        return False
    # "He dismissed concerns…" then "“No. Look…,” Trump said.": the pronoun may be the one asked about
    opens_with_pronoun = re.match(r"\W*(?:he|she)\b", text, re.I) is not None
    speakers = [
        n for n in names if opens_with_pronoun or attributed(text, n) or re.search(rf"\b{re.escape(n)}", text, re.I)
    ]
    return (
        any(attributed(following, n) for n in speakers)
        or re.search(rf"\b(he|she|they)\s+{SPEECH_VERBS}|{SPEECH_VERBS}\s+(he|she)\b|\bhe went on\b", following, re.I)
        is not None
    )


def is_heading(text: str) -> bool:
    """A title or section heading: most words capitalised, and no closing full stop unless it is
    short ("Political Implications for the U.S.")."""
    text = BULLET.sub("", text.strip())
    words = [w for w in text.split() if len(w) > 3 or w.isupper()]
    if not words or text.endswith(":") or len(_CAPITALISED.findall(text)) < 0.6 * len(words):
        return False
    if not re.search(r"[.!?][”’\"]?$", text):
        return True
    # A short one with a full stop is a heading only in title case: "On Oct. 17, Trump spoke with
    # Putin." is a sentence, whose names are capitalised and its verb is not.
    return len(text.split()) <= 8 and all(w[0].isupper() for w in words)


def is_full_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", "”", '"', "’")) and len(text.split()) >= 4


def marked_display(sentences: list[str], n: int) -> str:
    """Sentences for display, each carrying ``[n]`` (every claim cites its passage);
    list items after an intro line become one sentence "intro a; b; c [n]."."""
    if len(sentences) > 1 and sentences[0].endswith(":"):
        items = [s.rstrip(".;") for s in sentences[1:]]
        end = items.pop() if len(items) > 1 and items[-1][:1].islower() else ""  # "…: a; b to test narratives."
        return with_marker(f"{sentences[0]} {'; '.join(items)}{' ' + end if end else ''}.", n)
    return " ".join(with_marker(s, n) for s in sentences)


def list_header(hit: Hit, index: int) -> int | None:
    """For a list item, the index of the line it is under ("Ukrainian officials reiterate that:"),
    at most four items up; ``None`` for a sentence that is no list item or has no such line."""
    if not BULLET.match(raw_text(hit, index)):
        return None
    header = index
    while header > 0 and index - header < 4 and BULLET.match(raw_text(hit, header)):
        header -= 1
    return header if sentence_text(hit, header).endswith(":") else None


def raw_text(hit: Hit, index: int) -> str:
    s = hit.sentences[index]
    return hit.text[s.chunk_start : s.chunk_end]


def sentence_text(hit: Hit, index: int) -> str:
    s = hit.sentences[index]
    text = " ".join(hit.text[s.chunk_start : s.chunk_end].split())
    return BULLET.sub("", text)


# A sentence that ends in an abbreviation keeps its dot: "…stopped by 6 a.m. [2]." ("6 a.m [2]." did not).
_ABBREVIATION_END = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|Dr|No)\.)$")


def with_marker(text: str, n: int) -> str:
    """Put ``[n]`` before the final full stop, or after a closing quotation mark."""
    text = text.rstrip()
    if _ABBREVIATION_END.search(text):
        return f"{text} [{n}]."
    if text.endswith((".", "!", "?")) and text[-2:-1] not in ("”", '"', "’"):
        return f"{text[:-1]} [{n}]{text[-1]}"
    if text.endswith((":", ";", ",")):
        text = text[:-1]
    return f"{text} [{n}]" + ("" if text.endswith((".", "!", "?", "”", '"', "’")) else ".")


def with_marker_and_date(text: str, n: int, when: str) -> str:
    """``[n]`` and the article's date (``when``, if any) before the closing full stop:
    "…,” Witkoff said [1] (7 Nov 2025).", whitespace runs made single."""
    text = " ".join(text.split())
    note = f" {when}" if when else ""
    if _ABBREVIATION_END.search(text):
        return f"{text} [{n}]{note}."
    if text.endswith((".", "!", "?")) and text[-2:-1] not in ("”", '"', "’"):
        return f"{text[:-1]} [{n}]{note}{text[-1]}"
    return f"{text} [{n}]{note}."
