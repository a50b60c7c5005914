"""Questions about the articles themselves: what they are, and one article's summary."""

from __future__ import annotations

import json

import pytest
from helpers import ROOT, SEEDS, assert_contract

from rag.answering.hits import Hit
from rag.answering.overview import GREETING, THANKS, OverviewRequest, corpus_overview, overview_request
from rag.components.store import first_chunks
from rag.contract import ArticleFilter

CORPUS_QUESTIONS = [
    "What are the articles about?",
    "Summarize the articles",
    "What's the latest?",
    "What's new?",
    "Give me an overview of the news",
    "What are the main topics?",
    "what are the headlines today",
    "What are the key takeaways?",
]
# Questions about what the articles say: the decide stage answers (or refuses) them.
CONTENT_QUESTIONS = [
    "What did the articles say about Witkoff?",
    "What is new in Ukraine?",
    "Which articles mention Witkoff?",
    "What did the report say?",
    "Summarize it",
    "Summarize the talks",
    "What is the latest on the ceasefire?",
    "What is the point of Witkoff's trip?",
]


# Messages to the assistant rather than questions about the news.
GREETINGS = ["hello", "Hi!", "Good morning", "help", "What can you do?", "Who are you?", "How does this work?"]


@pytest.mark.parametrize("question", CORPUS_QUESTIONS)
def test_a_question_about_the_whole_corpus_asks_for_the_overview(question):
    assert overview_request(question) is not None and overview_request(question).topic == ""
    assert not overview_request(question).greeting


@pytest.mark.parametrize("question", GREETINGS)
def test_a_greeting_is_answered_with_what_the_assistant_does_and_the_overview(assistant, question):
    """ "hello" was answered "The articles do not cover this question."."""
    assert overview_request(question) == OverviewRequest("", greeting=GREETING)
    answer = assistant.ask(question)
    assert_contract(answer, SEEDS)
    assert not answer.abstained and answer.answer.startswith(GREETING)
    assert len(answer.citations) == 5 and len(answer.answer.split()) <= assistant.settings.max_answer_words


@pytest.mark.parametrize("question", ["Thanks!", "thank you so much", "OK, great"])
def test_thanks_is_answered_as_thanks_not_refused(assistant, question):
    """ "Thanks" was answered "The articles do not cover this question."."""
    answer = assistant.ask(question)
    assert_contract(answer, SEEDS)
    assert not answer.abstained and answer.answer.startswith(THANKS), answer.answer
    assert len(answer.answer.split()) <= assistant.settings.max_answer_words


@pytest.mark.parametrize("question", ["Who?", "How does it work?", "What do you know about Witkoff?", "Who is he?"])
def test_a_question_word_or_a_question_about_someone_is_no_greeting(question):
    assert overview_request(question) is None


@pytest.mark.parametrize("question", CONTENT_QUESTIONS)
def test_a_question_about_what_the_articles_say_is_not_an_overview(question):
    assert overview_request(question) is None


def test_no_eval_question_is_taken_for_an_overview():
    """Every question of every suite asks about the articles' content (none is routed away)."""
    cases = [json.loads(line) for path in (ROOT / "evals").glob("*.jsonl") for line in path.open()]
    asked = [c["question"] for c in cases if "question" in c]  # judge_check and quotes hold no questions
    assert len(asked) > 800
    assert [q for q in asked if overview_request(q) is not None] == []


def test_a_summary_of_one_article_names_its_topic():
    found = overview_request("Summarize the article about the Trump-Putin phone call")
    assert found is not None and found.topic == "Trump Putin phone call"


def test_the_overview_lists_every_article_newest_first_each_cited(assistant):
    answer = assistant.ask("What are the articles about?")
    assert not answer.abstained and answer.refusal_reason is None
    assert_contract(answer, SEEDS)
    sources = [c.source for c in answer.citations]
    assert sorted(sources) == sorted(p.name for p in SEEDS.glob("*.txt"))  # each once
    dated = [c.date for c in answer.citations if c.date]
    assert dated == sorted(dated, reverse=True) and sources.index("000_e8e45ee0a9587a4b.txt") == 0  # the one dated
    headline = next(c for c in answer.citations if c.source == "004_7654bc732c946649.txt")
    assert headline.quote == "Trump Pushes Putin To Spare Ukrainian Troops As Ceasefire Talks Stall"  # its first line
    no_headline = next(c for c in answer.citations if c.source == "002_41624f146f71b989.txt")
    assert no_headline.quote.endswith("since taking office in January.")  # its first sentence, whole
    assert len(answer.answer.split()) <= assistant.settings.max_answer_words


def test_the_overview_keeps_to_the_articles_a_filter_allows(assistant):
    one = assistant.ask("What's new?", filters=ArticleFilter(sources=["001_2143c3894b5ebdc7.txt"]))
    assert [c.source for c in one.citations] == ["001_2143c3894b5ebdc7.txt"] and one.answer.startswith("The article:")
    dated = assistant.ask("Summarize the articles", filters=ArticleFilter(since="2025-01-01"))
    assert [c.source for c in dated.citations] == ["000_e8e45ee0a9587a4b.txt"]  # undated ones fail a date bound


def test_an_overview_longer_than_the_word_limit_says_how_many_more_there_are(assistant):
    names = [s.source for s in assistant.sources()]
    firsts = [Hit.from_record(*r, 1.0, 1.0, 0) for r in first_chunks(assistant.collection, names)]
    text, citations = corpus_overview(firsts, len(names), assistant.texts, max_words=30)
    assert 1 <= len(citations) < len(names)
    assert f"And {len(names) - len(citations)} more" in text
    assert len(text.split()) <= 30 + 12  # the list within the limit, then the one closing line


def test_a_summary_quotes_the_lead_of_the_article_the_question_names(assistant):
    answer = assistant.ask("Summarize the article about Trump's phone call with Putin")
    assert not answer.abstained
    assert_contract(answer, SEEDS)
    assert {c.source for c in answer.citations} == {"001_2143c3894b5ebdc7.txt"}
    assert len(answer.citations) == 3
    text = (SEEDS / "001_2143c3894b5ebdc7.txt").read_text()
    body = text[: answer.citations[0].start]  # only the headline (printed three times) comes before
    headline = "Trump’s Call With Putin Yields No Progress on Ukraine War"
    assert {line for line in body.splitlines() if line.strip()} == {headline}
    for before, after in zip(answer.citations, answer.citations[1:], strict=False):
        assert text[before.end : after.start].strip() == ""  # consecutive sentences
    assert answer.answer.startswith(f"“{headline}” begins:")


def test_a_summary_of_an_article_the_corpus_lacks_is_refused(assistant):
    answer = assistant.ask("Summarize the article about the Olympic Games in Paris")
    assert answer.abstained and answer.citations == []
