"""What a question asks: its content words, the names in it, the kind of answer it wants.

Shared by the extractive answerer and the answerability decision, so both read a
question the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from rag.answering.retrieval import SpellingCorrector
from rag.answering.roles import without_aliases
from rag.text import STOP_WORDS as STOP
from rag.text import WORD, stem, stem_words

# "It" is left out: in news prose it is mostly "It has been revealed that ...".
PRONOUN_START = re.compile(r"^\W*(he|she|they|this|that|these|those|his|her|their|its|such|the two)\b", re.I)
BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")
NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|several|multiple|"
    r"an? (hour|minute|day|week|month|year)|hours|minutes|days|weeks|months|years)\b",
    re.I,
)
DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (week|month|year)|"
    r"this (week|month|year)|(19|20)\d{2})\b",
    re.I,
)
PLACE = re.compile(r"\b(in|at|near|to|from)\s+(the\s+)?[A-Z][a-z]+")
# Irregular past forms the stemmer leaves apart from their verb ("met" answers "meet").
IRREGULAR = {
    w: base
    for base, forms in {
        "meet": "met",
        "say": "said",
        "tell": "told",
        "speak": "spoke spoken",
        "take": "took taken",
        "go": "went gone",
        "come": "came",
        "win": "won",
        "lose": "lost",
        "fall": "fell fallen",
        "rise": "rose risen",
        "send": "sent",
        "hold": "held",
        "make": "made",
        "begin": "began begun",
        "lead": "led",
        "leave": "left",
        "think": "thought",
        "bring": "brought",
        "buy": "bought",
        "fight": "fought",
        "write": "wrote written",
        "give": "gave given",
        "see": "saw seen",
        "know": "knew known",
        "fly": "flew flown",
        "strike": "struck",
        "seek": "sought",
        "find": "found",
        "get": "got gotten",
        "break": "broke broken",
        "choose": "chose chosen",
        "draw": "drew drawn",
        "drive": "drove driven",
        "grow": "grew grown",
        "pay": "paid",
        "build": "built",
        "keep": "kept",
        "shoot": "shot",
        "sell": "sold",
        "spend": "spent",
        "stand": "stood",
        "teach": "taught",
        "catch": "caught",
    }.items()
    for w in forms.split()
}
MONTH_ABBREVIATIONS = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
QUOTE_MARK = re.compile(r"[“”\"‘’]")
SPEECH_VERBS = r"(said|says|told|tells|wrote|writes|added|argued|warned|claimed|stated|admitted|recalled|urged)"
SPEECH = re.compile(rf"\b{SPEECH_VERBS}\b", re.I)
CONSEQUENCE_START = re.compile(r"^\W*(thus|therefore|so|as a result|consequently|hence)\b", re.I)
CALENDAR = frozenset(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday
    """.split()
)
# Words that frame a question rather than say what it is about ("what happened", "how did X react").
FRAME_STEMS = frozenset(
    stem_words(
        """
        happen happened respond react describe think mention mentioned discuss explain comment speak talk call
        called do know exactly role kind way date day time year month week place city country number
        """.split()
    )
)
REASON = re.compile(
    r"\b(because|due to|so that|in order to|aimed at|intended|meant to|as a result|reasons?|since|after|"
    r"following|would (?:lead|allow|only)|thus|therefore|to (?:avoid|prevent|stop|set up|divert|test|signal))\b",
    re.I,
)
RECENT = re.compile(r"\b(latest|most recent|newest|last (?:week|month)|this week|recently|lately)\b", re.I)
# "What has Russia demanded…", "How have officials reacted…", "…according to the articles": an
# overview, answered by what several articles say rather than by one sentence.
BROAD = re.compile(r"^\W*(?:what|how)\s+(?:has|have)\b|\b(?:the|these|all) (?:articles|reports|stories)\b", re.I)
SEQUEL = re.compile(r"\bwhat (?:happened|did \w+(?: \w+)? do)\b.*\b(after|following|next)\b", re.I)
QUESTION_WORDS = frozenset(
    """
    what who whom whose which when where why how did does do is are was were can could
    """.split()
)


class QuestionType(str, Enum):
    """What kind of answer the question asks for."""

    number = "number"
    date = "date"
    quote = "quote"
    place = "place"
    reason = "reason"
    person = "person"
    other = "other"


@dataclass
class QuestionInfo:
    """The parts of a question the scorer uses."""

    terms: list[str]
    names: list[str]  # corpus spellings of the capitalised names in the question
    missing_names: list[str]  # names the corpus never uses
    kind: QuestionType
    focus: list[str] = field(default_factory=list)  # stemmed terms that are neither names nor question frame
    name_phrases: list[list[str]] = field(default_factory=list)  # the names as written, "Daily Mail" as one
    asks_sequel: bool = False  # "what happened after…": the answer follows the sentence that matches
    wants_recent: bool = False  # "latest", "most recent", "last week": newer articles first
    broad: bool = False  # an overview ("What has X said…?"): several sentences, from several articles
    corrected: str = ""  # the question with misspelt words corrected ("Witkof" → "witkoff")


# The first pattern that matches the (lower-cased) question decides its type.
_TYPES = [
    (re.compile(r"\bhow (many|much|old|long|far)\b|\bnumber of\b"), QuestionType.number),
    (re.compile(r"\bwhen\b|\b(what|which) (date|day|month|year)\b"), QuestionType.date),
    (re.compile(r"\bwhere\b|\bwhich (city|country|town|village|place)\b"), QuestionType.place),
    (re.compile(r"\bwhy\b|\bfor what reason\b"), QuestionType.reason),
    (re.compile(r"^\W*(who|whom)\b|\b(through|to|by|with) whom\b"), QuestionType.person),
    (
        re.compile(r"\b(say|said|says|tell|told|quote|quoted|claim|claimed|describe|described|call|called|warn)\b"),
        QuestionType.quote,
    ),
]


def question_type(question: str) -> QuestionType:
    """Classify by the question's wording."""
    q = question.lower()
    return next((kind for pattern, kind in _TYPES if pattern.search(q)), QuestionType.other)


class QuestionReader:
    """Turns a question into :class:`QuestionInfo` (stemmed terms, names, kind)."""

    def stem_word(self, word: str) -> str:
        """The stem of one word."""
        return stem(word)

    def stems(self, text: str) -> list[str]:
        """Stemmed content words of ``text`` (stop words out, "Aug." read as "August")."""
        words = [w.lower().replace("’", "'") for w in WORD.findall(text)]
        words = [w[:-2] if w.endswith("'s") else w for w in words]
        words = [MONTH_ABBREVIATIONS.get(w, w) for w in words]  # "Aug. 15" answers "in August"
        words = [IRREGULAR.get(w, w) for w in words]
        return stem_words([w for w in words if w not in STOP and len(w) > 1])

    def analyse(self, question: str, speller: SpellingCorrector) -> QuestionInfo:
        """Content terms, names and type of a question."""
        names: list[str] = []
        missing: list[str] = []
        phrase: list[str] = []  # consecutive capitalised words: "World Cup" is one name
        phrase_missing = False

        phrases: list[list[str]] = []

        def close_phrase() -> None:
            nonlocal phrase, phrase_missing
            if phrase and phrase_missing:
                missing.append(" ".join(phrase))
            elif phrase:
                phrases.append(phrase)
            phrase, phrase_missing = [], False

        # "the envoy (Steve Witkoff)": a name in brackets is another way of saying what precedes it.
        # It was searched with; sentences are scored on the question as asked.
        question = without_aliases(question)
        for i, word in enumerate(WORD.findall(question)):
            bare = re.sub(r"[’']s$", "", word)
            lower = bare.lower()
            # The first word is capitalised by grammar, not because it is a name.
            is_name = (bare[:1].isupper() and i > 0) or (len(bare) > 1 and bare.isupper())
            is_name = is_name and not (lower in STOP or lower in QUESTION_WORDS or lower in CALENDAR)
            if not is_name:
                close_phrase()
                if word.isalpha() and lower not in STOP and speller.unknown(lower):
                    missing.append(word)  # "what did macron say": a name typed in lower case
                continue
            phrase.append(bare)
            if len(bare) < 3:
                continue
            match = speller.closest(bare)
            if match:
                names.append(match)
            else:
                phrase_missing = True
        close_phrase()
        corrected = speller.correct(question)
        terms = self.stems(corrected)
        name_stems = {self.stem_word(part) for n in names for part in n.split()}
        focus = [t for t in dict.fromkeys(terms) if t not in name_stems and t not in FRAME_STEMS]
        sequel = SEQUEL.search(question) is not None
        recent = RECENT.search(question) is not None
        kind = question_type(question)
        broad = BROAD.search(question) is not None
        return QuestionInfo(terms, names, missing, kind, focus, phrases, sequel, recent, broad, corrected)
