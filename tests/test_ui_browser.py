"""The chat page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from helpers import ROOT
from servers import RunningServer

from rag import Answer

PlaywrightError = pytest.importorskip("playwright.sync_api").Error

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"

if not Path(CHROMIUM).exists():
    if os.environ.get("RAG_REQUIRE_BROWSER"):  # .ci/run installs Chromium: there a missing one is a failure
        raise RuntimeError(f"RAG_REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}")
    pytest.skip(f"SKIPPED LOUDLY: no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server: RunningServer):  # type: ignore[no-untyped-def]
    """A fresh tab on the chat for each test (no test depends on another's clicks);
    ``requests`` lists every URL the page asked for."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{server.url}/")
    except PlaywrightError as exc:  # say what the server was doing, not only that the browser got no page
        alive = "running" if server.process.poll() is None else f"exited with {server.process.returncode}"
        raise RuntimeError(f"{exc}\nthe server at {server.url} is {alive}; its log:\n{server.log()}") from exc
    page.wait_for_selector("#question textarea")
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    page.close()


def test_ask_stream_and_open_a_citation(page, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    question = "What did Witkoff say?"
    expected = Answer.model_validate(httpx.post(f"{server.url}/api/ask", json={"question": question}).json())
    page.locator("#mode-line").get_by_text("offline extractive").wait_for(timeout=30_000)  # filled on page load

    page.locator("#question textarea").fill(question)
    page.keyboard.press("Enter")
    chips = page.locator("#chat .cite-chip")
    chips.first.wait_for(timeout=60_000)
    assert chips.count() == len(expected.citations)
    assert "progress" in page.locator("#chat").inner_text()

    chips.nth(1).click()
    active = page.locator("#sources-panel .src-card.active")
    active.wait_for()
    cited = expected.citations[1]
    assert active.get_attribute("data-source") == cited.source
    assert " ".join(active.locator("mark").inner_text().split()) == " ".join(cited.quote.split())
    assert cited.title and cited.title in active.inner_text() and cited.source in active.inner_text()
    page.screenshot(path=str(ARTIFACTS / "ui-citation.png"))


def test_abstention_looks_different(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#question textarea").fill("Who won the football World Cup?")
    page.keyboard.press("Enter")
    page.locator("#chat .abstain").last.wait_for(timeout=60_000)
    assert "articles" in page.locator("#chat .abstain").last.inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "ui-abstain.png"))


def test_no_request_leaves_the_machine(page, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    page.locator("#question textarea").fill("What did Witkoff say?")
    page.keyboard.press("Enter")
    page.locator("#chat .cite-chip").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="Quotes").click()
    page.locator("#quotes-table .quote-row").first.wait_for(timeout=30_000)
    local = [u for u in page.requests if u.startswith((server.url, "data:"))]
    assert len(local) > 5  # the page, its scripts, the answer and the quotes all came from the server
    assert [u for u in page.requests if u not in local] == []


def test_quotes_tab_filters_by_speaker_and_opens_the_passage(page, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    expected = httpx.get(f"{server.url}/api/quotes", params={"speaker": "Witkoff"}).json()["quotes"]
    page.get_by_role("tab", name="Quotes").click()
    page.locator("#quotes-table .quote-row").first.wait_for(timeout=30_000)
    assert page.locator("#quotes-table .quote-row").count() > len(expected)  # everyone, before filtering
    page.locator("#quote-speaker textarea, #quote-speaker input").first.fill("Witkoff")
    page.wait_for_function(
        "n => document.querySelectorAll('#quotes-table .quote-row').length === n", arg=len(expected), timeout=30_000
    )
    rows = page.locator("#quotes-table .quote-row")
    assert "Steve Witkoff" in rows.first.locator(".who").inner_text()
    for i, quote in enumerate(expected):  # only the speaker's own words are shown in quotation marks
        shown = " ".join(rows.nth(i).locator(".what").inner_text().split())
        assert rows.nth(i).get_attribute("data-kind") == quote["kind"]
        if quote["kind"] == "reported":
            assert shown.upper().startswith("REPORTED ") and "“" not in shown[:12], shown
        else:
            assert shown == f"“{' '.join(quote['text'].split())}”", shown
    assert expected[0]["date"] in rows.first.inner_text()
    rows.first.locator("summary").click()
    mark = rows.first.locator("mark")
    mark.wait_for()
    assert " ".join(mark.inner_text().split()) == " ".join(expected[0]["text"].split())
    assert rows.first.get_attribute("data-source") == expected[0]["source"]
    page.screenshot(path=str(ARTIFACTS / "ui-quotes.png"))
    page.get_by_role("tab", name="Ask").click()


def test_filter_row_limits_the_articles(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("Filter articles (optional)").click()
    since = page.locator("#filter-since input, #filter-since textarea").first
    since.fill("2030-01-01")
    since.press("Tab")  # the value is committed before the question goes
    page.locator("#question textarea").fill("What did Witkoff say?")
    page.keyboard.press("Enter")
    page.get_by_text("No article matches the filter").last.wait_for(timeout=60_000)
    page.locator("#filter-since input, #filter-since textarea").first.fill("soon")
    page.locator("#question textarea").fill("What did Witkoff say?")
    page.keyboard.press("Enter")
    page.get_by_text("Filter not applied: since must be a date").last.wait_for(timeout=30_000)
    page.locator("#filter-since input, #filter-since textarea").first.fill("")


def test_rate_reload_reopen_and_export_a_conversation(page, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    question = "What did Witkoff tell Ushakov?"
    page.locator("#question textarea").fill(question)
    page.keyboard.press("Enter")
    page.locator("#chat .cite-chip").first.wait_for(timeout=60_000)
    follow_ups = page.locator("#follow-ups button, #follow-ups td, #follow-ups .gallery-item")
    follow_ups.first.wait_for(timeout=30_000)
    assert "What did" in page.locator("#follow-ups").inner_text()

    page.locator("#chat button[aria-label='Dislike']").last.click()
    page.get_by_text("marked as wrong").wait_for(timeout=30_000)
    page.locator("#feedback-comment textarea").fill("It should quote the whole message.")
    page.locator("#feedback-send").click()
    page.get_by_text("Comment saved").wait_for(timeout=30_000)

    with page.expect_download() as download:
        page.locator("#export-md").click()
    exported = Path(download.value.path()).read_text("utf-8")
    assert f"## {question}" in exported and "Zelensky is coming to the White House" in exported

    page.reload()
    page.wait_for_selector("#question textarea")
    assert page.locator("#chat .cite-chip").count() == 0  # a reload starts a fresh chat...
    page.get_by_text("Saved conversations").click()
    page.locator("#conversations input").first.click()
    page.get_by_role("option", name=question).first.click()
    page.locator("#open-conversation").click()
    page.locator("#chat .cite-chip").first.wait_for(timeout=30_000)  # ...and the saved one reopens, cited
    page.locator("#chat .cite-chip").first.click()
    page.locator("#sources-panel .src-card.active mark").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "ui-reopened.png"))

    listed = httpx.get(f"{server.url}/api/conversations").json()["conversations"]
    turns = [t for c in listed for t in httpx.get(f"{server.url}/api/conversations/{c['id']}").json()["items"]]
    rated = [(t["question"], t["rating"], t["comment"]) for t in turns if t["rating"]]
    assert rated == [(question, "down", "It should quote the whole message.")]


def test_rename_and_delete_a_saved_conversation(page, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    question = "Why did Trump cancel the Tomahawk missile package?"
    page.locator("#question textarea").fill(question)
    page.keyboard.press("Enter")
    page.locator("#chat .cite-chip").first.wait_for(timeout=60_000)
    page.get_by_text("Saved conversations").click()
    page.locator("#conversations input").first.click()
    page.get_by_role("option", name=question).first.click()
    page.locator("#new-title textarea, #new-title input").first.fill("Tomahawks")
    page.locator("#rename-conversation").click()
    page.locator("#conversations input").first.click()
    page.get_by_role("option", name="Tomahawks (1)").wait_for(timeout=30_000)
    page.get_by_role("option", name="Tomahawks (1)").click()
    page.locator("#delete-conversation").click()
    page.locator("#chat .cite-chip").first.wait_for(state="detached", timeout=30_000)  # the open one: chat cleared
    titles = [c["title"] for c in httpx.get(f"{server.url}/api/conversations").json()["conversations"]]
    assert "Tomahawks" not in titles and question not in titles


def test_add_by_url_fetches_an_article_and_lists_it(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from helpers import SEEDS, make_settings
    from news_site import NewsSite
    from servers import start_rag_server

    from rag.indexing.ingest import ingest

    corpus = tmp_path / "corpus"  # its own corpus: the shared server's is the checkout's seeds
    corpus.mkdir()
    first_seed = sorted(SEEDS.iterdir())[0]
    (corpus / first_seed.name).write_bytes(first_seed.read_bytes())
    settings = make_settings(corpus, tmp_path / "index")
    ingest(settings)
    site = NewsSite()
    env = {"RAG_ALLOW_PRIVATE_URLS": "1", "RAG_FETCH_DELAY_S": "0"}
    server = start_rag_server(settings.index_dir, corpus, tmp_path / "server.log", env)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(f"{server.url}/")
        page.get_by_role("tab", name="Articles").click()
        page.locator("#add-url textarea, #add-url input").first.fill(f"{site.url}/news/museum-theft.html")
        page.locator("#add-url-button").click()
        page.get_by_text("Fetched web/127.0.0.1/museum-theft-").wait_for(timeout=120_000)
        page.locator("#articles").get_by_text("Gold coins stolen from the city museum").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "ui-add-by-url.png"))
        page.get_by_role("tab", name="Ask").click()
        page.locator("#question textarea").fill("How many gold coins did thieves take from the museum?")
        page.keyboard.press("Enter")
        page.locator("#chat .cite-chip").first.wait_for(timeout=60_000)
        assert "37" in page.locator("#chat").inner_text()
    finally:
        page.close()
        server.stop()
        site.close()
