"""Whether a sentence gives the very thing a question asks for, or only speaks of it: the checks
behind the decision's ``specific`` feature (:mod:`rag.answering.answerability`).

"Which former official was assassinated?" is not answered by "…targeted a former official"
(:func:`only_unnamed`), "Which hospital was damaged?" not by a sentence that names nothing
(:func:`nothing_named`), "What was the unemployment rate?" not by the interest rate
(:func:`another_kind`), "How many homes…?" not by "He did not say how many homes…"
(:func:`left_unsaid`), "Which Central Asian presidents…?" not by "the leaders of Central Asian
nations" (:func:`described_group`): the articles speak of it and do not say it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from rag.language import CALENDAR, NUMBER_WORDS, asked_noun, is_nationality, whose_noun
from rag.text import STOP_WORDS, without_full_stop

# Where the noun phrase after "which" ends: an auxiliary, a preposition, a relative pronoun.
_PHRASE_END = frozenset(
    "did does do is are was were has have had can could will would may might should who whom that which whose "
    "of in on at for from to with by about during after before than".split()
)
# Nouns that ask for no one thing by name: "Which one…", "What is the name…", "Which kind of…".
_NOT_IDENTIFIED = frozenset("one ones kind kinds type types sort name names number share part way ways".split())


@lru_cache(maxsize=256)  # asked once per candidate sentence of the same question
def identified_nouns(question: str, what: bool = False) -> tuple[str, ...]:
    """The nouns a question asks the articles to name the very one(s) of: "official" in "Which
    former official was assassinated?" and in "What is the name of the official who…",
    "villages" in "Name the villages Russia seized", "hospital" and "clinic" in "Which hospital
    or clinic was damaged?" (and "former" in the first: a word of the phrase may be an adjective,
    which the answer's sentence holds the same way). Only the first question of a follow-up made
    standalone. With ``what``, also "conditions" in "What additional conditions did they set?" and
    "What were those conditions?" (which any words may answer: not a name)."""
    tokens = re.findall(r"[\w.’'-]+|[,;:]", question.split("?", 1)[0])
    lower = [t.lower() for t in tokens]
    starts = []
    nouns: list[str] = []
    for i, word in enumerate(lower):
        if word == "which":
            starts.append(i + 1)
        elif what and word == "what":  # "What additional conditions did they set?", "What were those conditions?"
            after = lower[i + 1 : i + 3]
            if after[:1] in (["are"], ["were"]) and after[1:] in (["the"], ["those"], ["these"]):
                starts.append(i + 2)
            elif after and after[0] not in _PHRASE_END and not after[0].endswith("ed"):  # not "What happened…"
                starts.append(i + 1)
        elif word in ("name", "names") and (i == 0 or lower[i - 1] == "the"):  # "Name the…", "the name of the…"
            starts.append(i + 1 + (lower[i + 1 : i + 2] == ["of"]))
        elif word in ("name", "names") and i > 0 and lower[i - 1].endswith(("'s", "’s")) and tokens[i - 1].islower():
            nouns.append(lower[i - 1][:-2])  # "What was the pilot's name?"
        elif (
            word == "who"
            and lower[i + 1 : i + 2] in (["is"], ["was"], ["are"], ["were"])
            and lower[i + 2 : i + 3] == ["the"]
        ):  # "Who is the manager?" asks the one in that role to be named
            starts.append(i + 2)
    for start in starts:
        run: list[str] = []
        for token, word in zip(tokens[start : start + 6], lower[start : start + 6]):
            # "the two seized Estavian trawlers": a determiner, a count or a participle opens the phrase
            if not run and (word in ("the", "those", "these") or word in _UNNAMED_BY or word.endswith(("ed", "ing"))):
                continue
            ends = word in _PHRASE_END or not word[0].isalpha() or (run and word.endswith(("ed", "ing")))
            if ends or (run and token[0].isupper() and run[-1].islower() and not is_nationality(token)):
                break
            run.append(token)
        # Every lower-case word of the phrase, its last one whatever its case: "company owns" (a verb
        # taken for the noun) still holds "company"; "Which Republicans…" asks for Republicans.
        nouns += [t.lower() for t in run[:-1] if t.islower() and t not in ("or", "and")] + [t.lower() for t in run[-1:]]
    return tuple(dict.fromkeys(n for n in nouns if len(n) >= 3 and n not in _NOT_IDENTIFIED))


# Words before a noun that leave it unnamed ("a former official", "multiple settlements", "one
# senior commander"), and those that refer to one named elsewhere ("the official", "his aide").
_UNNAMED_BY = frozenset(
    "a an one some several multiple other another certain various additional extra unnamed unidentified "
    "numerous many few two three four five six seven eight nine ten dozens".split()
)
_UNSPECIFIED = frozenset("some several multiple other certain various additional extra unnamed unspecified".split())
_REFERRING = frozenset("the this that these those its his her their our your".split())
# A count leaves what it counts unnamed as "several" does: "Forty-two schools", "120 buildings".
_COUNT = re.compile(rf"\d[\d,.]*|(?:{NUMBER_WORDS})(?:-(?:{NUMBER_WORDS}))?", re.I)


def _plural(noun: str) -> bool:
    """ "conditions", not "progress" nor "status"."""
    return noun.lower().endswith("s") and not noun.lower().endswith(("ss", "us", "is"))


def _unnamed_by(word: str) -> bool:
    return word in _UNNAMED_BY or bool(_COUNT.fullmatch(word))


def only_unnamed(question: str, text: str, stem: Callable[[str], str] = str.lower) -> bool:
    """Whether ``text`` mentions what a "which…?" question asks to be named only as an unnamed
    one: "a former official" for "Which former official was assassinated?", "multiple
    settlements" for "Which settlements…". A mention followed by a name ("a U.S. company,
    Techmet,", "the village of Milove", "an aide, Yuri Ushakov") or a list names it; one that
    refers back ("the official") may be named in the sentence before, so it is not unnamed; words
    the question does not have say which one ("one senior European official" for "Which official
    called…?"), unless the question asks for the name ("What is the name of the official…")."""
    named = {stem(n) for n in identified_nouns(question)}
    asked = {stem(n) for n in identified_nouns(question, what=True)}  # those and the "what…" ones
    if not asked:
        return False
    first = question.split("?", 1)[0]
    # "Which official…?" is answered by "one senior European official": the words it adds say which.
    # "What is the name of the official…?" is not.
    wants_name = bool(re.search(r"\bnames?\b", first, re.I))
    question_stems = {stem(w.lower()) for w in re.findall(r"[\w’'-]+", first)}
    # "U.S." keeps its dots; the sentence's full stop is not part of the word before it ("…football club.")
    tokens = [without_full_stop(t) for t in re.findall(r"[\w.’'-]+|[,;:—–“”\"(]", text)]
    if asked & {stem(w) for w in _COUNTRY_NOUNS} and any(_names_a_country(t) for t in tokens[1:]):
        return False  # "A U.S. company, Techmet, … between the two countries" says which country
    mentioned = False
    for i, token in enumerate(tokens):
        if stem(token.lower()) not in asked:
            continue
        mentioned = True
        if _named_after(tokens[i + 1 : i + 5]):
            return False
        before = []
        for word in reversed(tokens[max(0, i - 4) : i]):
            if not word[0].isalnum():
                break  # the noun phrase does not reach past punctuation
            before.append(word)
        by = next((j for j, w in enumerate(before) if _determines(w.lower())), None)
        if by is None and i + 1 < len(tokens) and stem(tokens[i + 1].lower()) in asked:
            continue  # "Consumer groups": a word of the phrase before its head, which decides
        if by is None and _plural(token) and stem(token.lower()) in named:
            # A bare plural names none of them ("Consumer groups said…" for "Which consumer group…?")
            # unless the words just before it, which the question does not have, say which ones
            if any(w.lower() not in STOP_WORDS and stem(w.lower()) not in question_stems for w in before[:2]):
                return False
            continue
        if by is None or not _unnamed_by(before[by].lower()):
            return False
        # "What message…?" may be answered by "a message" and what it said, "What progress…?" by "some
        # progress"; "additional conditions" say which conditions are left unsaid
        if stem(token.lower()) not in named and (before[by].lower() not in _UNSPECIFIED or not _plural(token)):
            return False
        added = [w for w in before[:by] if w.lower() not in STOP_WORDS and stem(w.lower()) not in question_stems]
        # "a Portuguese football club" for "Which Portuguese club…?": the sentence says what the question
        # did, "football" names no club; "one senior European official" says which official
        shared = any(w[:1].isupper() and stem(w.lower()) in question_stems for w in before[:by])
        if added and not wants_name and not shared:
            return False
    return mentioned


def nothing_named(question: str, text: str, held: frozenset[str], stem: Callable[[str], str] = str.lower) -> bool:
    """Whether a "which…?" question's sentence neither mentions what it asks to be named (not in
    ``held``, the window's stems) nor names anything the question does not: "Fires broke out across
    six districts, including residential buildings" for "Which hospital caught fire?"."""
    asked = {stem(n) for n in identified_nouns(question)}
    if not asked or asked & held:
        return False
    question_stems = {stem(w.lower()) for w in re.findall(r"[\w’'-]+", question)}
    words = re.findall(r"[\w’'-]+", text)
    return not any(w[0].isupper() and stem(w.lower()) not in question_stems for w in words[1:])


# Nouns for states and their leaders: "Which Central Asian presidents…?" is not answered by "the leaders
# of Central Asian nations", which speaks of them as a group and names none.
_STATE_NOUNS = frozenset("countries nations states governments leaders presidents".split())
_GROUP_ASKED = re.compile(r"\b[Ww]hich\s+((?:[A-Z][\w’'-]*\s+)+)([a-z]+)\b")


def described_group(question: str, text: str) -> bool:
    """Whether a "which" question that asks for states or their leaders by a qualifier of its own
    ("Which Central Asian presidents…?") meets a sentence that speaks of them only as a group with
    that qualifier ("the leaders of Central Asian nations on Thursday"), not followed by who they are
    ("…nations, including Kazakhstan")."""
    asked = _GROUP_ASKED.search(question.split("?", 1)[0])
    if not asked or asked.group(2) not in _STATE_NOUNS:
        return False
    qualifier = r"\s+".join(re.escape(w) for w in asked.group(1).split())
    for group in re.finditer(rf"\b{qualifier}\s+([a-z]+)\b", text):
        if group.group(1) not in _STATE_NOUNS:
            continue
        after = re.findall(r"[\w’'-]+|[,;:—–(]", text[group.end() :])[:4]
        listed = any(w in ("including", "such", "like", ":", "—", "–", "(") for w in after)
        named = [w for w in after if w not in (",", "and") and w[0].isupper() and w.lower() not in CALENDAR]
        if not listed and not (after and named and after.index(named[0]) <= 1):
            return True
    return False


_COUNTRY_NOUNS = ("country", "countries", "nation", "nations")


def _names_a_country(word: str) -> bool:
    """ "U.S.", "UK", "Portuguese": a word that says which country as an adjective does."""
    return is_nationality(word) or bool(re.fullmatch(r"(?:[A-Z]\.){2,3}|UK|US|EU|UAE", word))


def _named_after(after: list[str]) -> bool:
    """Whether the words after a noun name it: "official Igor Kornet", "company, Techmet", "the
    village of Milove", "officials such as…", "settlements: …"."""
    words = list(after)
    if words and words[0] in (":", "including", "such", "like"):
        return True
    while words and words[0].lower() in (",", "—", "–", "(", "of", "named", "called", "the"):
        words = words[1:]
    return bool(words) and words[0][0].isupper() and not is_nationality(words[0])


def _determines(word: str) -> bool:
    """Whether ``word`` is one that opens a noun phrase: unnamed ("a"), referring ("the"), possessive."""
    return _unnamed_by(word) or word in _REFERRING or word.endswith(("'s", "’s"))


def another_kind(question: str, held: frozenset[str], stem: Callable[[str], str] = str.lower) -> bool:
    """Whether the window (``held``, its stems) has the noun a "What is X's <kind> <noun>?" question
    asks for but not its kind: "the main interest rate" for "What was Meridia's unemployment rate?"."""
    whose = whose_noun(question)
    if not whose or not whose[0] or whose[1] in STOP_WORDS:
        return False
    kind, noun = stem(whose[0]), stem(whose[1])
    return noun in held and kind not in held


# What a story says it does not know: "He did not say how many homes…", "declined to name…", "the
# details remain undisclosed". Followed by what the question asks for, the articles say they do not say it.
_UNSAID = re.compile(
    r"\b(?:(?:did|does|do|would|could|will)\s+not|n[’']t|never)\s+(?:say|specify|disclose|provide|give|reveal|"
    r"confirm|comment|elaborate|explain|detail|indicate|clarify|name|identify)\b|"
    r"\b(?:declined|refused|would not|wouldn[’']t)\s+to\s+(?:say|comment|specify|disclose|give|reveal|confirm|"
    r"elaborate|name|identify)\b|\bremains?\s+(?:undisclosed|unclear|unknown)\b|"
    r"\b(?:is|was|are|were)\s+(?:not\s+(?:clear|known|disclosed|given)|unclear|unknown|undisclosed)\b|"
    # "…agreed to set up a fund but has not decided its size", "has yet to name a successor"
    r"\b(?:has|have|had)\s+(?:not\s+(?:yet\s+)?|yet\s+to\s+)(?:decided?|announced?|set|determined?|named?|"
    r"revealed?|released?|published?)\b",
    re.I,
)
_ASKS_WH = re.compile(r"\b(how many|how much|how long|how old|when|where|who|whom|why|which|what)\b", re.I)
# What is left unsaid when a question asks this (after "did not say": "how many", "the number").
_UNSAID_OBJECTS: dict[str, tuple[str, ...]] = {
    "how many": ("how many", "number", "figure", "total", "toll"),
    "how much": ("how much", "amount", "figure", "sum", "cost", "price", "value", "size"),
    "how long": ("how long", "duration", "length"),
    "how old": ("how old", "age"),
    "when": ("when", "date", "time", "timing", "timeline", "day"),
    "where": ("where", "location", "place"),
    "who": ("who", "whom", "name", "identity"),
    "which": ("which", "name", "identity"),
    "whom": ("whom", "who", "name", "identity"),
    "why": ("why", "reason"),
}


def without_unsaid(text: str) -> str:
    """``text`` with what it says it does not say blanked out: "Trump did not provide details about
    the call" denies the telling, not the call, so its "not" is no denial of what is asked about."""
    return _UNSAID.sub(" ", text)


def left_unsaid(question: str, text: str, stem: Callable[[str], str] = str.lower) -> bool:
    """Whether ``text`` says it does not say what the question asks: "He did not say how many homes
    the plan would deliver" for "How many homes…?", "declined to name the official" for "Which
    official…?". Not a clause left unsaid about something else ("…through Witkoff, though the
    details of that communication remain undisclosed" answers "Through whom…?")."""
    unsaid = list(_UNSAID.finditer(text))  # most sentences say nothing of the kind: no more work for them
    asks = _ASKS_WH.search(question.split("?", 1)[0]) if unsaid else None
    if not asks:
        return False
    wh = asks.group(1).lower()
    objects = _UNSAID_OBJECTS.get(wh, ())
    phrases = [w for w in objects if " " in w]
    wanted = {stem(w) for w in objects if " " not in w} | {stem(n) for n in identified_nouns(question)}
    if noun := asked_noun(question):
        wanted.add(stem(noun))
    for found in unsaid:
        after = " ".join(re.findall(r"[\w’'-]+", text[found.end() :])[:5]).lower()
        if any(p in after for p in phrases) or wanted & {stem(w) for w in after.split()}:
            return True
    return False
