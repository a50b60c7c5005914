"""Who is speaking: a speaker's words resolved within one article, and one name per person across articles.

"Witkoff", "the envoy" and "Special envoy Steve Witkoff" are one man in an article that
names him so; "he" is the last person named as a speaker or subject, "it" and "the group"
the last organisation; a role ("a senior European official") stays a role, never a guessed
name. Across articles, a bare surname becomes the one full name with that surname and
spellings of one name become the most used one.
"""

from __future__ import annotations

import re

from rag.language import SPEAKER_PRONOUN

_NAME_RUN = re.compile(r"[A-Z][\w’'-]*(?: +[A-Z][\w’'-]*)+")  # on one line
_TITLED = re.compile(
    r"\b(?P<title>(?:(?:US|U\.S\.|Russian|Ukrainian|American|French|German|British)\s+)?"
    r"(?:President|[Ss]pecial envoy|[Ee]nvoy|[Ff]oreign [Mm]inister|[Pp]rime [Mm]inister|top foreign policy aide|aide)"
    r")[,]?\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+)"
)
_LEADING = re.compile(r"^(?:and|but|while|as|so|meanwhile|however|also)\s+", re.I)
_TRAILING = re.compile(
    r"(?:,?\s+(?:has|have|had|did|does|do|also|himself|herself|itself|themselves|however|reportedly|consistently|"
    r"repeatedly|then|later|again|publicly|privately|further|now|often|long|had long|has long|continue to|"
    r"continues to|only)|,)+\s*$",
    re.I,
)
_STOP_VERBS = frozenset(
    "spoke defended addressed dismissed responded traveled travelled issued met highlighted pushed recalled "
    "expressed sent held is was are were has have had did will would can could may might continue continues "
    "sticking speaking".split()
)


_TITLE_WORDS = frozenset(
    "President Prime Minister Special Envoy US U.S. Russian Ukrainian American The A Mr Mrs Ms Dr Senator General "
    "Foreign Defense Secretary Chancellor Kremlin White House".split()
)
# Capitalised words that do not belong to a person's name ("On Tuesday", "During Thursday").
_NOT_NAME = frozenset(
    "On In At During As After Before Following Meanwhile While When Since By For From Of To With And But Also Just "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December Staff Agencies Read More Post Comment Comments".split()
)


class People:
    """Names and titles of one article, and who "he" and "it" refer to as it goes."""

    def __init__(self, text: str):
        self.full: dict[str, str] = {}  # surname → the longest full name the article uses
        self.titles: dict[str, str] = {}  # "russian president" → full name
        for m in _TITLED.finditer(text):
            title = m.group("title").lower().replace("u.s.", "us")
            name = self._add(m.group("name"))
            if name:
                self.titles.setdefault(title, name)
                if title.split()[0] not in ("russian", "ukrainian", "american", "french", "german", "british"):
                    self.titles.setdefault(title.split()[-1], name)  # "the president": the one titled so plainly
        for m in _NAME_RUN.finditer(text):
            self._add(m.group(0))
        self.last_person: str | None = None
        self.last_org: str | None = None

    def _add(self, run: str) -> str | None:
        words = [w for w in run.split() if w not in _TITLE_WORDS]
        if not 2 <= len(words) <= 3 or not all(w.isalpha() and w[0].isupper() and w not in _NOT_NAME for w in words):
            return None
        name = " ".join(words)
        surname = words[-1]
        if surname not in self.full or len(name) > len(self.full[surname]):
            self.full[surname] = name
        return self.full[surname]

    def person(self, word: str) -> str | None:
        """The full name for a surname ("Zelenskyy" finds "Volodymyr Zelensky" too)."""
        word = re.sub(r"[’']s$", "", word)
        if word in self.full:
            return self.full[word]
        for surname, name in self.full.items():
            if len(word) >= 5 and (surname.startswith(word) or word.startswith(surname)):
                return name
        return None

    def resolve(self, words: str, track: bool = True) -> str:
        """The canonical speaker for the words used ("he", "The Russian president", "Witkoff")."""
        words = words.strip(" ,")
        low = words.lower()
        if SPEAKER_PRONOUN.match(words):
            found = self.last_person if low in ("he", "she", "his team") else self.last_org
            return found or words
        title = re.sub(r"^(the|a)\s+", "", low).replace("u.s.", "us")
        if title in self.titles:
            return self.titles[title]
        if not re.search(r"[’']s\b", words) and not low.startswith(("a ", "one ", "some ", "several ")):
            for word in reversed(re.findall(r"[A-Z][\w’'-]+", words)):
                name = self.person(word)
                if name:
                    if track:
                        self.last_person = name
                    return name
        if low.startswith("one "):
            words = "a " + words[4:]
        elif words.split()[0] in ("A", "An", "Several", "Some", "Analysts", "Diplomats", "Officials"):
            words = words[0].lower() + words[1:]
        if track and (low.startswith("the ") or (words[:1].isupper() and len(words.split()) == 1)):
            self.last_org = words
        return words

    def saw(self, sentence: str) -> None:
        """After a sentence: its subject, if a person or an organisation, is what "he" or "it" means next."""
        head = " ".join(sentence.split()[:6])
        for run in _NAME_RUN.finditer(head):
            name = self.person(run.group(0).split()[-1])
            if name:
                self.last_person = name
                return
        first = re.match(r"^(?:The\s+)?([A-Z][\w.-]+)\s+(?:has|have|had|is|was|issued|announced|said)\b", sentence)
        if first and not self.person(first.group(1)):
            self.last_org = first.group(0).rsplit(" ", 1)[0]


def subject_of(prefix: str) -> str:
    """The speaker's words: the subject of the clause before the verb."""
    prefix = re.split(r"[”\"]", prefix)[-1]  # “…,” Kowalski said, “…”: after the closed quotation
    prefix = re.sub(r",\s+[a-z][^,]*,\s*$", "", prefix.strip() + " ").strip()  # "Putin, sticking to his position,"
    prefix = _TRAILING.sub("", prefix)
    appositive = re.search(r",\s+([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+),?$", prefix)
    if appositive:  # "his Russian counterpart, Vladimir Putin,"
        return appositive.group(1)
    segment = re.split(r",\s+|\s+[–—]\s+", prefix)[-1].strip()
    segment = _LEADING.sub("", segment)
    words = segment.split()
    for i, word in enumerate(words):
        if i and (word.lower() in _STOP_VERBS or (word.endswith("ed") and word.islower() and i > 1)):
            return " ".join(words[:i])
    return segment


def speaker_aliases(speakers: list[str]) -> dict[str, str]:
    """Speaker → the name the corpus knows them by: a bare surname becomes the one full name
    with that surname ("Trump" → "Donald Trump"), and spellings of one name become the most
    used one ("Volodymyr Zelenskyy" → "Volodymyr Zelensky")."""
    counts: dict[str, int] = {}
    for s in speakers:
        counts[s] = counts.get(s, 0) + 1
    full = [s for s in counts if len(s.split()) in (2, 3) and all(w[:1].isupper() for w in s.split())]
    aliases: dict[str, str] = {}
    for name in full:
        first, surname = name.split()[0], name.split()[-1]
        variants = [
            other
            for other in full
            if other == name
            or (
                other.split()[0] == first
                and len(surname) >= 5
                and (other.split()[-1].startswith(surname) or surname.startswith(other.split()[-1]))
            )
        ]
        aliases[name] = max(variants, key=lambda v: (counts[v], -len(v)))
    for s in counts:
        if " " not in s and s[:1].isupper():
            matches = {aliases[f] for f in full if f.split()[-1] == s or (f.split()[-1].startswith(s) and len(s) >= 5)}
            if len(matches) == 1:
                aliases[s] = matches.pop()
    return {k: v for k, v in aliases.items() if k != v}
