"""Who said what: the statement extractor on small articles with the tricky cases, and on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, SEEDS

from evals.quotes import normalize, score_corpus
from rag.indexing.corpus import Article, read_article
from rag.indexing.statements import Statement, extract, speaker_aliases

GENEVA = """Envoy Meets Minister in Geneva

Special envoy Anna Kowalski met Foreign Minister Pavel Novak in Geneva on Monday.

“We have agreed on a schedule,” Kowalski said, “and the first round starts next week.”

{novak}

According to Kowalski, the two sides will meet again in March.

The envoy later said the ceasefire would hold, while Novak warned that violations were still being reported.
""".format(
    novak="Novak told reporters that the talks were “constructive but slow.” "
    "He added that his government “will not accept any deadline imposed from outside.”"
)

MINISTRY = """Ministry Rejects Report

A senior diplomat said the report was “deeply flawed.”

“The minister told me, ‘We will not sign this,’ and he meant it,” the diplomat said.

Officials in the ministry declined to comment. Analysts, however, warned that the dispute could delay the summit.

The ministry’s spokesman, Ivan Petrov, wrote on social media: “No agreement exists.”
"""

TALKS = """Talks Resume

{varga}

The agreement will be signed in May, according to the foreign ministry.
""".format(
    varga="Prime Minister Elena Varga said on Tuesday that talks would resume. "
    "“Nothing has changed,” opposition leader Tomas Berg said."
)


def statements_of(tmp_path: Path, name: str, text: str) -> list[Statement]:
    (tmp_path / name).write_text(text, "utf-8")
    article = read_article(tmp_path, tmp_path / name, 1_000_000)
    assert isinstance(article, Article)
    found = extract(article)
    for s in found:
        assert text[s.start : s.end] == s.text  # offsets into the original file, like citations
    return found


def said(found: list[Statement]) -> list[tuple[str, str]]:
    return [(s.speaker, s.text) for s in found]


def test_split_quote_titles_pronouns_and_two_speakers_in_one_sentence(tmp_path: Path) -> None:
    found = statements_of(tmp_path, "geneva.txt", GENEVA)
    assert said(found) == [
        ("Anna Kowalski", "We have agreed on a schedule,"),
        ("Anna Kowalski", "and the first round starts next week."),  # the quote resumes after its attribution
        ("Pavel Novak", "the talks were “constructive but slow."),
        ("Pavel Novak", "his government “will not accept any deadline imposed from outside."),  # "He"
        ("Anna Kowalski", "the two sides will meet again in March"),  # "According to Kowalski"
        ("Anna Kowalski", "the ceasefire would hold"),  # "The envoy"
        ("Pavel Novak", "violations were still being reported"),
    ]
    novak = found[2]
    assert (novak.kind, novak.verb, novak.addressee, novak.speaker_words) == ("reported", "told", "reporters", "Novak")
    assert found[0].kind == "direct" and found[5].speaker_words == "The envoy"


def test_nested_quotes_roles_and_colon_attribution(tmp_path: Path) -> None:
    found = statements_of(tmp_path, "ministry.txt", MINISTRY)
    speakers = [normalize(s.speaker) for s in found]
    texts = [s.text for s in found]
    assert speakers[0] == "senior diplomat" and texts[0] == "the report was “deeply flawed."
    # The quotation inside the quotation is the diplomat's statement, not a statement of its own.
    assert texts[1] == "The minister told me, ‘We will not sign this,’ and he meant it,"
    assert speakers[1].endswith("diplomat")  # a role stays a role, never a guessed name
    assert (speakers[2], texts[2]) == ("analysts", "the dispute could delay the summit")
    assert (found[3].speaker, texts[3], found[3].kind) == ("Ivan Petrov", "No agreement exists.", "direct")
    assert len(found) == 4  # "declined to comment" says nothing


def test_according_to_and_a_short_attributed_quote(tmp_path: Path) -> None:
    found = statements_of(tmp_path, "talks.txt", TALKS)
    assert said(found) == [
        ("Elena Varga", "talks would resume"),
        ("Tomas Berg", "Nothing has changed,"),
        ("the foreign ministry", "The agreement will be signed in May"),
    ]


MUSEUM = """Painting Stolen

{marsh}

"We cannot take any risk," said the agency's director, Graham Oduya.

"Nothing was damaged," said on Tuesday a spokesman for the museum.
""".format(
    marsh='"Whoever did this knew exactly where the cameras were," said museum director Helena Marsh. '
    "She said the alarm had been reported faulty."
)


def test_a_role_before_the_name_after_said(tmp_path: Path) -> None:
    """'"…," said museum director Helena Marsh': the name after the role speaks (it was no statement,
    and "She said…" after it had no one to be)."""
    found = statements_of(tmp_path, "museum.txt", MUSEUM)
    assert said(found)[:3] == [
        ("Helena Marsh", "Whoever did this knew exactly where the cameras were,"),
        ("Helena Marsh", "the alarm had been reported faulty"),
        ("Graham Oduya", "We cannot take any risk,"),
    ]
    assert all(s.speaker != "Tuesday" for s in found)  # "said on Tuesday" names no one


def test_one_person_one_name_across_articles() -> None:
    aliases = speaker_aliases(
        ["Donald Trump", "Trump", "Volodymyr Zelensky", "Volodymyr Zelensky", "Volodymyr Zelenskyy"]
    )
    assert aliases == {"Trump": "Donald Trump", "Volodymyr Zelenskyy": "Volodymyr Zelensky"}


def test_extractor_on_the_hand_labelled_seeds() -> None:
    """evals/quotes.jsonl: every statement of the seeds, labelled by hand (thresholds just below measured)."""
    result = score_corpus(SEEDS, ROOT / "evals" / "quotes.jsonl")
    assert result["speaker_precision"] >= 0.97, result["wrong"]
    assert result["speaker_recall"] >= 0.97, result["missed"]
    assert result["span_overlap"] >= 0.95


@pytest.mark.parametrize("source", sorted(p.name for p in SEEDS.iterdir()))
def test_statement_spans_are_verbatim(source: str) -> None:
    article = read_article(SEEDS, SEEDS / source, 5_000_000)
    assert isinstance(article, Article)
    for s in extract(article):
        assert article.original[s.start : s.end] == s.text and s.text.strip() == s.text
