"""The quotes index (who said what): kept in step with the index, asked through the library,
the CLI and the HTTP API, and used to answer "What did X say?"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
from helpers import SEEDS, assert_contract, make_settings, run_cli
from servers import RunningServer

from rag import Assistant
from rag.engine import load_assistant
from rag.indexing.ingest import ingest
from rag.indexing.statement_store import StatementStore

WITKOFF_DATE = "2025-11-07"


def test_what_did_x_say_quotes_every_statement_newest_first_with_dates(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("What did Witkoff say?")
    assert_contract(answer, SEEDS)
    assert not answer.abstained and answer.confidence == 1.0
    sources = [c.source for c in answer.citations]
    assert sources[0] == "000_e8e45ee0a9587a4b.txt"  # the dated article first, the undated one after
    assert "002_41624f146f71b989.txt" in sources
    assert all("Witkoff" in c.quote or c.quote.lstrip().startswith("“") for c in answer.citations)
    assert "(7 Nov 2025)" in answer.answer and "(undated article)" in answer.answer
    assert "some progress today" in answer.answer and "Zelensky is coming" in answer.answer


def test_what_did_x_tell_y_keeps_what_was_said_to_y(assistant) -> None:  # type: ignore[no-untyped-def]
    """The quotation split by its attribution (“…,” Witkoff told Ushakov. “…”) comes back whole,
    asked first or as a follow-up."""
    follow_up = [
        {"role": "user", "content": "What did Witkoff say?"},
        {"role": "assistant", "content": "Witkoff said he senses some progress [1]."},
    ]
    for answer in (
        assistant.ask("What did Witkoff tell Ushakov?"),
        assistant.ask("What did he tell Ushakov?", follow_up),
    ):
        assert_contract(answer, SEEDS)
        assert len(answer.citations) == 2 and "Witkoff told Ushakov" in answer.citations[0].quote
        assert "Zelensky is coming" in answer.answer and "we have the call with your boss" in answer.answer


REPORTED_BY_TRUMP = "credit for ending “eight wars in eight months”"


def test_what_x_said_about_a_day_is_found_by_the_sentence_before(assistant) -> None:  # type: ignore[no-untyped-def]
    """ "On Oct. 17, Trump spoke with Putin. The Russian president warned…": the warning names no
    day; the sentence before it does (it was answered with another warning, Trump's)."""
    answer = assistant.ask("What did Putin warn about on Oct. 17?")
    assert_contract(answer, SEEDS)
    assert [c.quote.split()[:3] for c in answer.citations] == [["The", "Russian", "president"]], answer.answer


def test_the_speakers_own_words_after_a_reported_statement_come_with_it(assistant) -> None:  # type: ignore[no-untyped-def]
    """ "…Trump claimed credit… and expressed hope to add another one to the list." is followed by
    “We are looking at one more…,” Trump said: the quotation shares few words with the question,
    and says first-hand what the sentence before reports."""
    answer = assistant.ask("What did Trump say about adding another war to the ones he ended?")
    assert_contract(answer, SEEDS)
    reported = next(i for i, c in enumerate(answer.citations) if "add another one to the list" in c.quote)
    assert "We are looking at one more" in answer.citations[reported + 1].quote, answer.answer


def test_reported_speech_is_never_shown_in_quotation_marks(assistant, seed_index) -> None:  # type: ignore[no-untyped-def]
    found = assistant.quotes("Trump")
    reported = [s for s in found if s.kind == "reported"]
    direct = [s for s in found if s.kind == "direct"]
    assert reported and direct
    for s in reported:  # as the sentence says it, verb and all; not wrapped in quotation marks
        view = assistant.shown(s)
        assert not view.direct and view.line().startswith(f"{view.who} (reported): ")
        assert not view.words.startswith(("“", '"')) and s.verb in view.words
    for s in direct:
        assert assistant.shown(s).line() == f"{s.speaker}: “{' '.join(s.text.split())}”"
    env = {"RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_CORPUS_DIR": str(seed_index.corpus_dir)}
    listed = run_cli("quotes", "Trump", env=env).stdout
    line = next(x for x in listed.splitlines() if REPORTED_BY_TRUMP in x)
    assert "(reported, claimed): During a White House dinner" in line and "“credit for" not in line
    answer = assistant.ask("What did Trump claim?")
    assert REPORTED_BY_TRUMP in answer.answer and f"“{REPORTED_BY_TRUMP}" not in answer.answer


def test_a_relayed_statement_carries_its_chain(assistant) -> None:  # type: ignore[no-untyped-def]
    """000: Trump told the forum that Putin said that Moscow has been trying to find a peaceful
    resolution: Putin's statement, relayed by Trump; his own words come first in an answer."""
    putin = assistant.quotes("Putin")
    relayed = [s for s in putin if s.via]
    assert [(s.via, s.source) for s in relayed] == [("Donald Trump", "000_e8e45ee0a9587a4b.txt")]
    assert assistant.shown(relayed[0]).who == "Vladimir Putin, as relayed by Donald Trump"
    assert all(s.via is None for s in putin if s not in relayed)
    answer = assistant.ask("What did Putin say about a peaceful resolution?")
    assert answer.answer.startswith("As relayed by Donald Trump: ") and answer.citations
    listed = assistant.ask("What did Putin say?")
    assert_contract(listed, SEEDS)
    assert "honorable surrender" in listed.answer.split("As relayed by")[0]  # own words before relayed ones


def test_who_said_finds_the_speaker(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("Who said Putin's readiness for peace was wishful thinking?")
    assert answer.citations and "One senior European official" in answer.citations[0].quote


def test_quotes_follow_the_index_through_changes_and_deletions(corpus_copy: Path, tmp_path: Path) -> None:
    settings = make_settings(corpus_copy, tmp_path / "index")
    ingest(settings)
    store = StatementStore(settings.statements_path)
    assert {s.speaker for s in store.query("Witkoff")} == {"Steve Witkoff"}
    # The titles articles give people ("Putin's top foreign policy aide, Yuri Ushakov") go with them.
    assert store.titles()["top foreign policy aide"] == "Yuri Ushakov"  # only 002 says so
    article = corpus_copy / "004_7654bc732c946649.txt"
    article.write_text(article.read_text("utf-8") + "\n“We will keep talking,” Witkoff said on Friday.\n", "utf-8")
    (corpus_copy / "002_41624f146f71b989.txt").unlink()
    ingest(settings)
    witkoff = store.query("Witkoff")
    assert {s.source for s in witkoff} == {"000_e8e45ee0a9587a4b.txt", "004_7654bc732c946649.txt"}
    assert any(s.text == "We will keep talking," for s in witkoff)
    assert all(article.read_text("utf-8")[s.start : s.end] == s.text for s in witkoff if s.source == article.name)
    indexed = {s.source for s in Assistant(settings).sources()}
    assert set(store.versions()) == indexed  # no orphan article
    titles = store.titles()
    assert "top foreign policy aide" not in titles and titles["special envoy"] == "Steve Witkoff"


def test_a_store_behind_the_index_catches_up_on_load(corpus_copy: Path, tmp_path: Path) -> None:
    """As after an ingest killed between its Chroma writes and the quotes index: the next load syncs."""
    settings = make_settings(corpus_copy, tmp_path / "index")
    ingest(settings)
    with sqlite3.connect(settings.statements_path) as db:
        db.execute("DELETE FROM statements")
        db.execute("DELETE FROM articles")
    assert StatementStore(settings.statements_path).query() == []
    assert Assistant(settings).quotes("Zelensky") == []  # answering never writes the index
    assert {s.speaker for s in load_assistant(settings).quotes("Zelensky")} == {"Volodymyr Zelensky"}


def test_cli_lists_quotes_and_refuses_bad_dates(seed_index) -> None:  # type: ignore[no-untyped-def]
    env = {"RAG_INDEX_DIR": str(seed_index.index_dir), "RAG_CORPUS_DIR": str(seed_index.corpus_dir)}
    listed = run_cli("quotes", "Witkoff", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == (  # reported speech: the sentence, not a quotation
        f"{WITKOFF_DATE}  Steve Witkoff (reported, said): Speaking at the same forum, Witkoff recalled his multiple "
        "face-to-face rounds of talks with Putin this year and said he similarly sees progress."
    )
    assert "Steve Witkoff (told to Yuri Ushakov)" in listed.stdout
    assert run_cli("quotes", "Nobody Atall", env=env).stdout.strip() == "No statements found."
    bad = run_cli("quotes", "--since", "2025-13-01", env=env)
    assert bad.returncode == 2 and "--since" in bad.stderr
    backwards = run_cli("quotes", "--since", "2025-12-01", "--until", "2025-01-01", env=env)
    assert backwards.returncode == 2 and "--since must not be after --until" in backwards.stderr


def test_api_quotes_filters_and_validates(server: RunningServer) -> None:
    got = httpx.get(f"{server.url}/api/quotes", params={"speaker": "Witkoff"}).json()
    assert got["count"] == 4 and {q["speaker"] for q in got["quotes"]} == {"Steve Witkoff"}
    first = got["quotes"][0]
    assert first["kind"] == "reported" and first["display"].startswith("Steve Witkoff (reported): Speaking at")
    assert all(q["display"] == f"Steve Witkoff: “{' '.join(q['text'].split())}”" for q in got["quotes"][1:])
    text = (SEEDS / first["source"]).read_text("utf-8")
    assert text[first["start"] : first["end"]] == first["text"] and first["date"] == WITKOFF_DATE
    dated = httpx.get(f"{server.url}/api/quotes", params={"speaker": "Witkoff", "since": "2025-11-01"}).json()
    assert {q["source"] for q in dated["quotes"]} == {"000_e8e45ee0a9587a4b.txt"}  # undated articles drop out
    one = httpx.get(f"{server.url}/api/quotes", params={"source": "004_7654bc732c946649.txt"}).json()
    assert one["count"] >= 5 and {q["source"] for q in one["quotes"]} == {"004_7654bc732c946649.txt"}
    assert httpx.get(f"{server.url}/api/quotes", params={"speaker": "Nobody Atall"}).json() == {
        "quotes": [],
        "count": 0,
    }
    bad = httpx.get(f"{server.url}/api/quotes", params={"until": "next week"})
    assert bad.status_code == 422 and "until" in bad.json()["error"]["message"]
    reversed_range = httpx.get(f"{server.url}/api/quotes", params={"since": "2025-12-01", "until": "2025-01-01"})
    assert reversed_range.status_code == 422 and "since" in reversed_range.json()["error"]["message"]


# --- date and source filters ------------------------------------------------------------


def test_filters_narrow_retrieval_and_answers(assistant) -> None:  # type: ignore[no-untyped-def]
    from rag.contract import ArticleFilter

    only_004 = ArticleFilter(sources=["004_7654bc732c946649.txt"])
    hits, _ = assistant.search("Witkoff talks with Putin", 5, only_004)
    assert hits and {h.source for h in hits} == {"004_7654bc732c946649.txt"}
    dated = ArticleFilter(since="2025-11-01")  # only 000 has a date in the seeds
    answer = assistant.ask("What did Witkoff say?", filters=dated)
    assert answer.citations and {c.source for c in answer.citations} == {"000_e8e45ee0a9587a4b.txt"}
    nothing = assistant.ask("What did Witkoff say?", filters=ArticleFilter(until="2020-01-01"))
    assert nothing.abstained and nothing.refusal_reason == "filtered_out"
    assert "No article matches the filter" in nothing.answer and "do not cover" not in nothing.answer


def test_latest_prefers_the_newest_article(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("What is the latest on Witkoff's talks with Putin?")
    assert answer.citations[0].source == "000_e8e45ee0a9587a4b.txt"  # the only dated (newest) article


def test_api_filters_on_ask_search_and_v1(server: RunningServer) -> None:
    body = {"question": "What did Witkoff say?", "since": "2025-11-01"}
    answer = httpx.post(f"{server.url}/api/ask", json=body).json()
    assert {c["source"] for c in answer["citations"]} == {"000_e8e45ee0a9587a4b.txt"}
    search = httpx.post(
        f"{server.url}/api/search", json={"query": "lithium", "sources": ["004_7654bc732c946649.txt"]}
    ).json()
    assert {h["source"] for h in search["hits"]} == {"004_7654bc732c946649.txt"}
    v1 = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "What did Witkoff say?"}], "until": "2020-01-01"},
    ).json()
    assert v1["answer"]["refusal_reason"] == "filtered_out"
    for bad in ({"since": "soon"}, {"since": "2025-12-01", "until": "2025-01-01"}):
        response = httpx.post(f"{server.url}/api/ask", json={"question": "What did Witkoff say?", **bad})
        assert response.status_code == 422, response.text
        assert "since" in response.json()["error"]["message"]


def test_answer_from_several_articles_puts_the_newest_first_with_dates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "older.txt").write_text(
        "date 2025-01-10 Grain Talks Open in Varna\n\nNegotiators met in Varna to discuss grain exports across the "
        "Black Sea. The first round of grain export talks in Varna ended without any deal.\n",
        "utf-8",
    )
    (corpus / "newer.txt").write_text(
        "date 2025-03-02 Grain Talks Resume in Varna\n\nNegotiators returned to Varna for grain export talks. "
        "The second round of grain export talks in Varna produced a draft deal on shipping corridors.\n",
        "utf-8",
    )
    settings = make_settings(corpus, tmp_path / "index")
    ingest(settings)
    answer = Assistant(settings).ask("How did the grain export talks in Varna go?")
    assert_contract(answer, corpus)
    sources = [c.source for c in answer.citations]
    assert set(sources) == {"older.txt", "newer.txt"}, answer.answer
    assert sources.index("newer.txt") < sources.index("older.txt")
    assert answer.answer.index("(2 Mar 2025)") < answer.answer.index("(10 Jan 2025)")


def test_ingest_reads_each_file_once(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The quotes index is extracted from the same read as the chunks, not by a second read."""
    import rag.indexing.corpus
    import rag.indexing.ingest
    import rag.indexing.statement_store

    reads: list[str] = []
    original = rag.indexing.corpus.read_article

    def counted(corpus_dir, path, max_bytes):  # type: ignore[no-untyped-def]
        reads.append(path.name)
        return original(corpus_dir, path, max_bytes)

    monkeypatch.setattr(rag.indexing.ingest, "read_article", counted)
    monkeypatch.setattr(rag.indexing.statement_store, "read_article", counted)
    settings = make_settings(corpus_copy, tmp_path / "index")
    report = ingest(settings)
    assert len(report.added) == 5
    assert sorted(reads) == sorted(p.name for p in corpus_copy.iterdir())  # each once
    assert len(StatementStore(settings.statements_path).versions()) == 5
