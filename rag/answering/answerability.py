"""Does any retrieved sentence answer the question? Decided before an answer is written.

Names alone do not make a question answerable: "How old is Witkoff?" names a man the
articles discuss at length, and asks what they never say. Each of the answerer's top
candidate sentences is rated on its own: does *this sentence* address the question's
*focus*, what is asked about those names? Features of a sentence (and of the window of it
and its neighbours):

- ``sentence_cosine`` / ``window_cosine``: MiniLM cosine of the question to the sentence
  (vectors stored at ingest) / the best of the window;
- ``focus_cosine``: the same with the question's names taken out ("How old is?"), so a
  sentence that only shares the name scores low;
- ``focus_coverage`` / ``window_focus_coverage``: share (IDF-weighted) of the focus words
  found, stemmed, in the sentence / the window;
- ``name_coverage``: share of the question's names found in the window;
- ``type_match`` (:mod:`rag.answering.answer_type`): the sentence holds what the question type
  wants (a number for "how many", a date for "when", a place, a quotation); a denial
  ("canceled", "not") also answers a "when"/"how many" built on a false premise. A "why" is not checked: news gives
  reasons in words no list holds ("blamed falling demand"), and the check written on the seeds
  refused answerable "why" questions on new articles while refusing nothing due on the seeds;
- ``speaker_match``: for "What did X say", X is the one speaking;
- ``specific``: what the question asks for is given, not only as an unnamed one ("a former
  official" for "Which former official…?"), an unsaid count ("multiple settlements" for "How
  many settlements…?") or a count of another place ("…on Kyiv, injuring at least 14" for "How
  many were injured in the strike on Sergiyev Posad?") or of another event ("encircled some 10,000
  soldiers" for "How many soldiers does the G7 plan to send?");
- ``passage_cosine``: cosine of the question to the whole chunk;
- ``relative_score``: the sentence's ranking score over the best one's;
- ``asked_noun``: the noun the question asks for ("Which *countries*…", "In which *building*…",
  "What is X's approval *rating*?") is in the window, or the question names none.

A logistic regression over these, fitted on the golden suite's dev split
(``python -m evals.calibrate``, weights in ``rag/components/answerability.json``, the model in
:mod:`rag.components.answerability_model`) with one row per
candidate sentence (answers = the sentences that hold a key fact), gives the probability
that a sentence answers the question. The likeliest one leads the answer; below the
threshold chosen on the same split, the question is refused as ``not_addressed``. Before
any of that, a name the corpus never uses (``unknown_name``) or no passage similar enough
(``low_similarity``) refuses outright. Every answerer, the LLM included, goes through this
decision.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answering.answer_type import COUNTED, HOW_MANY, has_name, of_the_past, only_vague_count, type_matches
from rag.answering.asked_detail import another_kind, described_group, left_unsaid, nothing_named, only_unnamed
from rag.answering.question import QuestionInfo, QuestionType
from rag.answering.speaker_match import speaker_matches
from rag.language import SPEECH_ACT, asked_noun, is_nationality
from rag.text import stem_words

FEATURES = (
    "sentence_cosine",
    "window_cosine",
    "focus_cosine",
    "focus_coverage",
    "window_focus_coverage",
    "name_coverage",
    "type_match",
    "speaker_match",
    "passage_cosine",
    "relative_score",
    "asked_noun",
)


@dataclass(frozen=True)
class Window:
    """The sentence an answer would quote, with the sentences around it."""

    text: str
    answer_text: str  # the sentence alone: what the answer type is checked on
    stems: frozenset[str]  # of the whole window
    answer_stems: frozenset[str]  # of the sentence alone
    sentence_cosine: float
    window_cosine: float
    focus_cosine: float
    passage_cosine: float
    relative_score: float  # the sentence's ranking score over the best candidate's
    before_stems: frozenset[str] = frozenset()  # of the sentence before it alone
    lead_in: str = ""  # for a list item, the line it is under: who speaks ("Ukrainian officials reiterate that:")


def window_features(
    info: QuestionInfo, window: Window, idf: dict[str, float], stem: Callable[[str], str], question: str
) -> dict[str, float]:
    """The features of :data:`FEATURES` for one window."""
    focus_weight = sum(idf.get(t, 1.0) for t in info.focus)

    def coverage(stems: frozenset[str]) -> float:
        return sum(idf.get(t, 1.0) for t in info.focus if t in stems) / focus_weight if focus_weight else 1.0

    found = [_phrase_found(p, window.stems) for p in _name_phrases(info, stem)]
    type_match = type_matches(info.kind, window.answer_text, question, stem) and not _date_of_another_event(
        info, window
    )
    return {
        "sentence_cosine": window.sentence_cosine,
        "window_cosine": window.window_cosine,
        "focus_cosine": window.focus_cosine,
        "focus_coverage": coverage(window.answer_stems),
        "window_focus_coverage": coverage(window.stems),
        "name_coverage": sum(found) / len(found) if found else 1.0,
        "type_match": float(type_match),
        "specific": float(
            not only_unnamed(question, window.answer_text, stem)
            and not described_group(question, window.answer_text)
            and not nothing_named(question, window.answer_text, window.stems, stem)
            and not only_vague_count(info.kind, question, window.answer_text, stem)
            and not _counted_elsewhere(info, question, window, stem)
            and not left_unsaid(question, window.answer_text, stem)
            and not another_kind(question, window.stems, stem)
            and not of_the_past(question, window.answer_text)
            and not _about_someone_else(info, question, window, stem)
            and not _count_of_another_event(info, question, window, stem)
        ),
        "speaker_match": float(speaker_matches(question, f"{window.lead_in} {window.text}".strip(), stem)),
        "passage_cosine": window.passage_cosine,
        "relative_score": window.relative_score,
        # "On what date…", "Since what year…": a date is what the noun asks for, not the word "date".
        "asked_noun": float(
            asked_noun_found(question, window.stems, stem) or (info.kind is QuestionType.date and type_match)
        ),
    }


_CAPITALISED_WORD = re.compile(r"\b[A-Z][\w’'-]*")  # a word of a name, as written


def _counted_elsewhere(info: QuestionInfo, question: str, window: Window, stem: Callable[[str], str]) -> bool:
    """Whether the sentence's count is of another place or party: for "how many", the names the
    question asks about must be in the sentence or the one before ("injuring at least 14 people"
    in Kyiv does not answer "How many were injured in the strike on Sergiyev Posad?"). A
    nationality is no such name ("the Ukrainian capital" is Kyiv)."""
    if info.kind is not QuestionType.number or not HOW_MANY.search(question):
        return False
    # As a name: "…nursing posts across the four hospitals" does not name St. Aldric's Hospital.
    end = window.text.find(window.answer_text)
    held_text = window.text[: end + len(window.answer_text)] if end >= 0 else window.answer_text
    named = frozenset(stem(w.lower()) for w in _CAPITALISED_WORD.findall(held_text))
    held = window.answer_stems | window.before_stems
    return not all(
        _phrase_found(p, held) and any(has_name(w, named) for w in p)
        for p in _name_phrases(info, stem, nationalities=False)
    )


def _count_of_another_event(info: QuestionInfo, question: str, window: Window, stem: Callable[[str], str]) -> bool:
    """Whether a "how many" question says two things or more besides what it counts, and the window
    has none of them: "…encircled some 10,000 Ukrainian soldiers" does not answer "How many soldiers
    does the G7 plan to send?", nor "Of the 1,150 drivers who voted, 78 percent backed it" "How many
    drivers voted against the offer?". One such word may be paraphrased ("supported" / "voted to
    hold"), so one alone is not enough to tell."""
    if info.kind is not QuestionType.number or not HOW_MANY.search(question):
        return False
    counted = COUNTED.search(question.split("?", 1)[0])
    counted_stems = {stem(w.lower()) for w in counted.group(1).split()} if counted else set()
    others = [f for f in info.focus if f not in counted_stems and f != stem("many")]
    return len(others) >= 2 and not any(f in window.stems for f in others)


# Words of a "when" question that say when, not what happened.
_DATE_WORDS = frozenset(stem_words("date day month year time week first".split()))
# Verbs one of which a sentence may use for another: "When did X speak to Y?" is dated by "X told Y
# on Wednesday", "When did Zelensky go to the White House?" by "Zelensky's White House visit on Oct. 19".
_ONE_ANOTHER = (
    frozenset(stem_words("speak talk say tell".split())),
    frozenset(stem_words("go come visit travel arrive fly trip".split())),
)


def _date_of_another_event(info: QuestionInfo, window: Window) -> bool:
    """Whether a "when" question meets a sentence that has none of the words saying what happened:
    "‘Zelensky is coming to the White House on Friday,’ Witkoff told Ushakov." does not date when
    Witkoff met Putin. Its names are no such words."""
    if info.kind is not QuestionType.date:
        return False
    events = [t for t in dict.fromkeys(info.terms) if t not in _DATE_WORDS and (t in info.focus or _kin(t))]
    held = window.answer_stems
    if SPEECH_ACT.search(window.answer_text):  # said, told, announced…
        held = held | _ONE_ANOTHER[0]
    return bool(events) and not any(t in held or (_kin(t) & held) for t in events)


def _kin(term: str) -> frozenset[str]:
    """The verbs :data:`_ONE_ANOTHER` gives for ``term`` (none when it has none)."""
    return next((kin for kin in _ONE_ANOTHER if term in kin), frozenset())


_ABOUT_NAMES = re.compile(r"\babout\s+(.+)", re.I)


def _about_someone_else(info: QuestionInfo, question: str, window: Window, stem: Callable[[str], str]) -> bool:
    """Whether "What did X say about <a name>?" meets a window that never names it: the Daily Mail's
    words on missiles are not what it said about Witkoff. A topic in common words may be paraphrased
    ("the thieves": "whoever did this"); a name is named."""
    about = _ABOUT_NAMES.search(question.split("?", 1)[0]) if info.kind is QuestionType.quote else None
    if not about:
        return False
    # what it is about opens the phrase ("the strongholds Moscow claims…" is about strongholds)
    opening = " ".join(about.group(1).split()[:2])
    names = [stem(w.lower()) for w in _CAPITALISED_WORD.findall(opening) if len(w) >= 3]
    return bool(names) and not any(has_name(n, window.stems) for n in names)


def _name_phrases(info: QuestionInfo, stem: Callable[[str], str], nationalities: bool = True) -> list[list[str]]:
    """The question's names, each as its stemmed words of three letters or more (nationality
    words left out unless ``nationalities``)."""
    phrases = [
        [stem(w) for w in phrase if len(w) >= 3 and (nationalities or not is_nationality(w))]
        for phrase in info.name_phrases
    ]
    return [p for p in phrases if p]


def _phrase_found(phrase: list[str], stems: frozenset[str]) -> bool:
    """A name of several words ("Daily Mail", "Air Force One") is found when most of its words are."""
    return sum(has_name(w, stems) for w in phrase) / len(phrase) >= 0.5


def asked_noun_found(question: str, stems: frozenset[str], stem: Callable[[str], str] = str.lower) -> bool:
    """Whether ``stems`` hold the noun the question asks for (true when it names none)."""
    noun = asked_noun(question)
    return noun is None or stem(noun) in stems
