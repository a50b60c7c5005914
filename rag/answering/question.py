"""The read stage: a question read once, before anything else looks at it.

A follow-up is made standalone, roles are named ("the envoy (Steve Witkoff)"), spelling is
corrected (the only place it is), and what the question asks is found: its content words,
the names in it, the kind of answer it wants. The result, :class:`ReadQuestion`, is what every
later stage (route, retrieve, decide, compose) takes; none of them re-reads the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from rag.answering.condensing import ASKS_FOR_MORE, condense_by_rule
from rag.answering.roles import name_roles, without_aliases
from rag.answering.spelling import SpellingCorrector
from rag.contract import Message
from rag.language import CALENDAR, QUESTION_SPEECH_VERBS, content_stems, without_non_speech
from rag.text import STOP_WORDS as STOP
from rag.text import WORD, stem, stem_words

# Words that frame a question rather than say what it is about ("what happened", "how did X react").
FRAME_STEMS = frozenset(
    stem_words(
        """
        happen happened respond react describe think mention mentioned discuss explain comment speak talk call
        called do know exactly role kind way date day time year month week place city country number
        """.split()
    )
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


# What a number measures: "What quota…?", "What is its population?" ask for a number. "What level
# of…" and "What value…" need not, but "What was the water level?" does.
_MEASURES = "population|rate|temperature|turnout|amount|budget|margin|quota|capacity|speed|distance|toll|score"

# The first pattern that matches the (lower-cased) question decides its type.
_TYPES = [
    # "What share of…", "How large…", "What price…": a quantity, as "how many" asks for one
    (
        re.compile(
            r"\bhow (many|much|old|long|far|large|big|tall|high|heavy|wide|deep)\b|\bnumber of\b"
            r"|\b(?:what|which) (?:share|percentage|proportion|fraction)\b"
            # "What price did they offer?", "What was the cost of…": a sum
            r"|\b(?:what|which) (?:(?:is|was|were|are|will be) the )?(?:price|sum|fee|fine|salary|cost)\b"
            # "What is its population?", "To what level…?", "What were they insured for?": a quantity
            r"|\bto what level\b|\b(?:insured|valued) (?:for|at)\b"
            rf"|\b(?:what|which) (?:{_MEASURES})\b"
            r"|\b(?:what|which) (?:is|was|were|are|will be) (?:the |its |their |his |her |[\w’'-]+['’]s )?(?:[\w-]+ )?"
            rf"(?:{_MEASURES}|level|total|value|size|weight|height|depth|age)\b"
        ),
        QuestionType.number,
    ),
    # "When…?", "Since when…?", "Tell me when…": not "What did X say when critics…?", where "when"
    # opens a clause about the occasion and the question asks for something else
    (
        re.compile(
            r"^\W*(?:(?:and|so|but)\s+)?(?:(?:since|until|till|by)\s+)?when\b|\b(?:know|me|us|remember|recall)\s+when\b"
            r"|\b(what|which) (date|day|month|year|time)\b|\btime of day\b"
        ),
        QuestionType.date,
    ),
    (re.compile(r"\bwhere\b|\bwhich (city|country|town|village|place)\b"), QuestionType.place),
    (re.compile(r"\bwhy\b|\b(?:what|which) (?:reasons?|explanation|justification)\b"), QuestionType.reason),
    (re.compile(r"^\W*(who|whom)\b|\b(through|to|by|with) whom\b"), QuestionType.person),
    (
        re.compile(rf"\b({QUESTION_SPEECH_VERBS})\b"),
        QuestionType.quote,
    ),
]


def question_type(question: str) -> QuestionType:
    """Classify by the question's wording: its first question ("Why? What happened to…?", a
    follow-up made standalone, asks why)."""
    q = without_non_speech(question.split("?", 1)[0].lower())
    return next((kind for pattern, kind in _TYPES if pattern.search(q)), QuestionType.other)


@dataclass(frozen=True)
class ReadQuestion:
    """A question as the read stage leaves it for every later stage."""

    asked: str  # as the user typed it
    condensed: str | None  # the follow-up made standalone, when it was one
    standalone: str  # the condensed (or asked) question with roles named: "the envoy (Steve Witkoff)"
    searched: str  # ``standalone`` with its spelling corrected: what is routed, searched and answered
    info: QuestionInfo  # what it asks: names, terms, focus, kind
    said_before: str = ""  # "Who else…?": the answers so far, whose quotes are not the answer again


class QuestionReader:
    """Reads a question once (:meth:`read`) into a :class:`ReadQuestion`.

    ``titles`` gives the people the articles name by a role; ``condense`` makes a follow-up
    standalone (the LLM's rewrite, checked, or the rule).
    """

    def __init__(
        self,
        speller: SpellingCorrector,
        titles: Callable[[], dict[str, str]] = dict,
        condense: Callable[[str, list[Message]], str | None] = condense_by_rule,
    ):
        self.speller = speller
        self._titles = titles
        self._titles_read: dict[str, str] | None = None  # read on the first question, kept for this load
        self._condense = condense

    def read(self, question: str, history: Sequence[Message] = ()) -> ReadQuestion:
        """The question made standalone, its roles named, its spelling corrected, and analysed."""
        condensed = self._condense(question, list(history)) if history else None
        if self._titles_read is None:
            self._titles_read = self._titles()
        standalone = name_roles(condensed or question, self._titles_read)
        searched = self.speller.correct(standalone)
        said_before = ""
        if ASKS_FOR_MORE.search(question):  # "Anyone else?" after "Who else reacted?": neither answer again
            said_before = "\n".join(m.content for m in history if m.role == "assistant")
        info = self._analyse(standalone, searched)
        return ReadQuestion(question, condensed, standalone, searched, info, said_before)

    def _analyse(self, question: str, corrected: str) -> QuestionInfo:
        """Content terms, names and type of ``question`` (``corrected``: its corrected spelling)."""
        speller = self.speller
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
        corrected = without_aliases(corrected)
        terms = content_stems(corrected)
        name_stems = {stem(part) for n in names for part in n.split()}
        focus = [t for t in dict.fromkeys(terms) if t not in name_stems and t not in FRAME_STEMS]
        sequel = SEQUEL.search(question) is not None
        recent = RECENT.search(question) is not None
        kind = question_type(question)
        broad = BROAD.search(question) is not None
        return QuestionInfo(terms, names, missing, kind, focus, phrases, sequel, recent, broad, corrected)
