"""The shipped answer reader (rag/components/reader.int8.onnx): it loads offline, from the
package, and ranks the sentence that answers above its neighbours."""

from __future__ import annotations

import pytest

from rag.components.reader import READER_PATH, AnswerReader

KYIV = [
    "Fires broke out across six different districts, including residential areas and even a medical facility.",
    "Just hours after the call ended, Russia launched yet another drone attack on Kyiv, injuring at least 14 "
    "people and setting parts of the capital ablaze.",
    "Ukraine, for its part, responded with a drone strike near Moscow, damaging a substation in the religiously "
    "symbolic town of Sergiyev Posad.",
]
ANCHORAGE = [
    "The president has ended multiple conflicts across the globe.",
    "Trump met with Russian President Vladimir Putin on Aug. 15 in Anchorage, Alaska, to speak about the "
    "Kremlin’s ongoing war with Ukraine.",
    "Such discussions initially appeared to be productive, but ultimately went nowhere.",
]


@pytest.fixture(scope="module")
def reader() -> AnswerReader:
    assert READER_PATH.is_file(), "the reader model ships in the package: run `make train-reader`"
    assert READER_PATH.stat().st_size <= 25 * 2**20
    return AnswerReader()


@pytest.mark.parametrize(
    ("kind", "question", "sentences", "answer"),
    [
        ("number", "How many people were injured in the drone attack on Kyiv?", KYIV, 1),
        ("place", "Where did the Ukrainian drone strike near Moscow hit?", KYIV, 2),
        ("date", "On what date did Trump meet Putin in Alaska?", ANCHORAGE, 1),
        ("person", "Whom did Trump meet in Anchorage?", ANCHORAGE, 1),
    ],
)
def test_the_sentence_that_answers_ranks_first(
    reader: AnswerReader, kind: str, question: str, sentences: list[str], answer: int
) -> None:
    scores = reader.scores(kind, question, sentences)
    assert scores.shape == (len(sentences),)
    assert int(scores.argmax()) == answer, scores


def test_a_question_nothing_answers_scores_below_one_that_is_answered(reader: AnswerReader) -> None:
    answered = reader.scores("number", "How many people were injured in the drone attack on Kyiv?", KYIV).max()
    unanswered = reader.scores("other", "What is the recipe for lasagna?", KYIV).max()
    assert unanswered < answered
    assert reader.scores("other", "anything", []).shape == (0,)
