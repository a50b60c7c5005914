"""Checks that catch a claim saying something other than its source while sharing its words.

Embedding similarity cannot see these: "Trump approved the package" and "Trump canceled
the package" are close neighbours for MiniLM. Each check compares the claim with the
passage sentence most similar to it and returns the problem, or ``None``:

- :func:`number_values`: numbers written in words count ("three hours" ≠ "an hour";
  "ten thousand" = "10,000"; "sixth" is an ordinal, not 6);
- :func:`polarity_problem`: one side negates what the other asserts ("didn't make any
  progress" vs "made progress"), or uses its opposite ("approved" vs "canceled");
- :func:`speaker_problem`: the claim puts a statement in the mouth of someone the
  sentence does not name as its speaker ("Putin urged Trump" vs "Trump urged Putin").
"""

from __future__ import annotations

import re

from rag.language import CHECKED_SPEECH_VERBS
from rag.text import stem as text_stem

_TOKEN = re.compile(r"[A-Za-z]+(?:[’'][a-z]+)?|\d+(?:[.,]\d+)*|[.,;:!?—–()“”\"]")
_CARDINALS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}
_ORDINALS = {
    w: i for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1)
}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_UNITS = frozenset("minute hour day week month year decade".split())  # not "second": "a second call"
_NEGATORS = frozenset("not no never none nothing nobody without n't cannot".split())
_SKIP_IN_SCOPE = frozenset("a an the any to be been being at all yet of with him her them it its their his".split())
# Verbs and their opposites as news prose uses them (stems).
_OPPOSITES: dict[str, frozenset[str]] = {
    "approv": frozenset({"cancel", "reject", "block", "halt", "veto", "deni"}),
    "agre": frozenset({"refus", "reject", "declin"}),
    "accept": frozenset({"reject", "refus", "dismiss"}),
    "win": frozenset({"lost", "lose"}),
    "won": frozenset({"lost", "lose"}),
    "increas": frozenset({"decreas", "reduc", "cut"}),
    "rose": frozenset({"fell", "drop"}),
    "confirm": frozenset({"deni"}),
    "allow": frozenset({"ban", "block", "forbid"}),
    "resum": frozenset({"paus", "halt", "suspend"}),
    "arm": frozenset({"disarm"}),
    "captur": frozenset({"lost", "lose", "liber"}),
}
_NAMED_SPEAKER = re.compile(
    rf"\b([A-Z][\w’'-]+)(?:[’']s)?(?:\s+(?:has|had|have|also|then|himself|herself|later|again|reportedly))?\s+{CHECKED_SPEECH_VERBS}\b"
)
_INVERTED_SPEAKER = re.compile(rf"[,”\"]\s*{CHECKED_SPEECH_VERBS}\s+([A-Z][\w’'-]+)\s*[.,]")
_PRONOUN_SPEAKER = re.compile(rf"\b(?:he|she|they|it)\s+(?:also\s+|later\s+|then\s+)?{CHECKED_SPEECH_VERBS}\b", re.I)
_NOT_SPEAKERS = frozenset("The This That It He She They We I And But Also Then".split())


def number_values(text: str) -> set[str]:
    """Every number ``text`` states, as digits: "10,000" and "ten thousand" are "10000",
    "an hour" is "1", "sixth" is "#6" (ordinals apart from cardinals)."""
    tokens = [t.lower().replace("’", "'") for t in _TOKEN.findall(text)]
    values: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token[0].isdigit():
            number = token.replace(",", "")
            if i + 1 < len(tokens) and tokens[i + 1] in _SCALES and "." not in number:
                number = str(int(number) * _SCALES[tokens[i + 1]])
                i += 1
            values.add(number)
        elif token in _CARDINALS:
            value = _CARDINALS[token]
            if i + 1 < len(tokens) and tokens[i + 1] in _SCALES:
                value *= _SCALES[tokens[i + 1]]
                i += 1
            values.add(str(value))
        elif token in _ORDINALS:
            values.add(f"#{_ORDINALS[token]}")
        elif token in ("a", "an") and i + 1 < len(tokens) and tokens[i + 1].rstrip("s") in _UNITS:
            values.add("1")
        i += 1
    return values


def _scopes(text: str) -> tuple[set[str], set[str]]:
    """Stems said to hold (outside any negation) and stems negated (up to three content words
    after "not", "no", "n't"..., stopping at punctuation)."""
    words = [t.lower().replace("’", "'") for t in _TOKEN.findall(text)]
    expanded: list[str] = []
    for w in words:  # "didn't" → "did", "n't"
        if w.endswith("n't") and len(w) > 3:
            expanded += [w[:-3], "n't"]
        else:
            expanded.append(w)
    negated: set[str] = set()
    asserted: set[str] = set()
    scope = 0
    for i, w in enumerate(expanded):
        if not w[0].isalnum() and w != "n't":
            scope = 0
            continue
        if w in _NEGATORS or (w == "yet" and i + 1 < len(expanded) and expanded[i + 1] == "to"):
            scope = 3
            continue
        if w in _SKIP_IN_SCOPE or len(w) < 3:
            continue
        stem = text_stem(w)
        if scope:
            negated.add(stem)
            scope -= 1
        else:
            asserted.add(stem)
    return asserted, negated


def polarity_problem(claim: str, sentence: str) -> str | None:
    """Why ``claim`` says the opposite of ``sentence`` (negation or an opposite verb), or ``None``."""
    claim_pos, claim_neg = _scopes(claim)
    source_pos, source_neg = _scopes(sentence)
    flipped = (claim_pos & source_neg - claim_neg) | (claim_neg & source_pos - source_neg)
    if flipped:
        return f"negation: the cited passage says the opposite about '{sorted(flipped)[0]}'"
    for word, opposites in _OPPOSITES.items():
        if word in claim_pos and word not in source_pos and opposites & source_pos:
            said = sorted(opposites & source_pos)[0]
            return f"negation: the claim says '{word}…' where the cited passage says '{said}…'"
    return None


def speakers(text: str) -> tuple[set[str], bool]:
    """Names ``text`` attributes statements to ("Witkoff told", "…,” said Witkoff.") and
    whether a pronoun also speaks ("he said", which could be anyone named)."""
    named = {m.group(1) for m in _NAMED_SPEAKER.finditer(text)} | {m.group(1) for m in _INVERTED_SPEAKER.finditer(text)}
    named = {re.sub(r"[’']s$", "", n) for n in named} - _NOT_SPEAKERS
    return named, _PRONOUN_SPEAKER.search(text) is not None


def speaker_problem(claim: str, sentence: str, following: str = "") -> str | None:
    """Why ``claim``'s speaker is not ``sentence``'s, or ``None`` (also when the sentence names no
    speaker). ``following`` is the next sentence, where a quotation's attribution may stand."""
    claimed, _ = speakers(claim)
    named, by_pronoun = speakers(sentence)
    if following and not named:
        named, by_pronoun = speakers(f"{sentence} {following}")
    if not claimed or not named or by_pronoun:
        return None
    wrong = sorted(claimed - named)
    if wrong:
        return f"wrong speaker: the cited passage attributes this to {', '.join(sorted(named))}, not {wrong[0]}"
    return None
