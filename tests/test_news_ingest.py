"""News from the web: article URLs and feeds fetched from a real local site, read by trafilatura,
stored as text with the page kept beside it, syndicated copies counted once, hostile URLs refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SEEDS, make_settings, run_cli
from news_site import PAGES, NewsSite
from servers import free_port

from rag import Assistant, Settings
from rag.indexing.boilerplate import is_furniture
from rag.indexing.corpus import read_article
from rag.indexing.html_cleaning import clean_html
from rag.indexing.ingest import ingest
from rag.indexing.news import STATE_FOLDER, fetch_news
from rag.indexing.web import Fetcher, FetchError

FURNITURE = ("Subscribe", "Cookie", "Advertisement", "Comments", "Read more", "Share this", "All rights reserved")


@pytest.fixture
def site() -> Iterator[NewsSite]:
    running = NewsSite()
    yield running
    running.close()


def web_settings(tmp_path: Path, **extra: object) -> Settings:
    """Settings that may fetch from 127.0.0.1 (the test site), with no pause between requests."""
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    return make_settings(corpus, tmp_path / "index", allow_private_urls=True, fetch_delay_s=0.0, **extra)


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_feed_ingested_from_the_cli_then_asked_cites_the_articles_sentence(site: NewsSite, tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    env = {"RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index), "RAG_ALLOW_PRIVATE_URLS": "1"}
    env["RAG_FETCH_DELAY_S"] = "0"
    done = run_cli("ingest", "--feed", f"{site.url}/feed.xml", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("fetched  web/127.0.0.1/") == 3 and "added 3" in done.stdout

    asked = run_cli("ask", "--local", "--json", "How many gold coins were stolen from the city museum?", env=env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and "37" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["source"].startswith("web/127.0.0.1/museum-theft-") and cited["date"] == "2025-06-30"
    text = (corpus / cited["source"]).read_text("utf-8")
    assert text[cited["start"] : cited["end"]] == cited["quote"]
    main = (PAGES / "museum-theft.main.txt").read_text("utf-8")
    assert cited["quote"] in main  # the article's own sentence, no menu or ad text around it
    assert not any(word in text for word in FURNITURE)
    chess = next((corpus / "web" / "127.0.0.1").glob("chess-final-*.txt")).read_text("utf-8")
    assert "\n\nBy Ben Okafor, citywire.example\n\n" in chess  # the byline (from the page's metadata) is a line
    # The page as fetched is kept beside it, hidden from the indexer, with its URL, time and ETag.
    stem = Path(cited["source"]).stem
    meta = json.loads((corpus / STATE_FOLDER / "pages" / "127.0.0.1" / f"{stem}.json").read_text("utf-8"))
    assert meta["url"] == f"{site.url}/news/museum-theft.html" and meta["etag"] and meta["fetched_at"]
    assert (corpus / STATE_FOLDER / "pages" / "127.0.0.1" / f"{stem}.html").read_bytes() == (
        PAGES / "museum-theft.html"
    ).read_bytes()


@pytest.mark.parametrize("feed", ["/feed.xml", "/atom.xml"])
def test_a_rerun_of_a_feed_adds_only_its_new_items(site: NewsSite, tmp_path: Path, feed: str) -> None:
    settings = web_settings(tmp_path)
    first = fetch_news(settings, settings.corpus_dir, feeds=[site.url + feed])
    assert len(first.saved) == 3 and not first.problems

    site.feed_items.append("solar-farm")
    second = fetch_news(settings, settings.corpus_dir, feeds=[site.url + feed])
    assert len(second.saved) == 1 and "solar-farm" in second.saved[0]
    assert all(site.requests[f"/news/{name}.html"] == 1 for name in ("museum-theft", "chess-final", "rail-strike"))

    third = fetch_news(settings, settings.corpus_dir, feeds=[site.url + feed])
    assert not third.saved and site.not_modified[feed] == 1  # asked with its ETag: 304, nothing re-read
    assert site.requests["/news/solar-farm.html"] == 1


def test_an_item_whose_link_fails_is_reported_and_fetched_on_the_next_run(site: NewsSite, tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    site.broken.add("chess-final")
    first = fetch_news(settings, settings.corpus_dir, feeds=[f"{site.url}/feed.xml"])
    assert len(first.saved) == 2
    assert len(first.problems) == 1 and "chess-final.html: HTTP 500" in str(first.problems[0])
    site.broken.clear()
    site.feed_items.append("ferry-route")  # the feed changed, so it is read again
    second = fetch_news(settings, settings.corpus_dir, feeds=[f"{site.url}/feed.xml"])
    assert sorted(Path(s).name.split("-")[0] for s in second.saved) == ["chess", "ferry"]


def test_a_feed_item_that_is_a_feed_is_not_followed(site: NewsSite, tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    for asked in ({"feeds": [f"{site.url}/self-feed.xml"]}, {"urls": [f"{site.url}/self-feed.xml"]}):
        report = fetch_news(settings, settings.corpus_dir, **asked)  # type: ignore[arg-type]
        assert [p.code for p in report.problems] == ["not_html"] and "self-feed.xml" in str(report.problems[0])
    assert site.requests["/self-feed.xml"] == 4  # each run: the feed, then its item once; no loop


def test_a_page_fetched_again_unchanged_is_asked_with_its_etag(site: NewsSite, tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    url = f"{site.url}/moved"  # a redirect to an article: followed, and the file is named after the URL asked
    first = fetch_news(settings, settings.corpus_dir, urls=[url])
    again = fetch_news(settings, settings.corpus_dir, urls=[url])
    assert first.saved and again.unchanged == first.saved and not again.saved
    assert site.not_modified["/news/chess-final.html"] == 1


def test_syndicated_copies_are_indexed_once_and_cited_with_who_else_published_them(
    site: NewsSite, tmp_path: Path
) -> None:
    settings = web_settings(tmp_path)
    names = ["harbour-bridge", "wire-copy-1", "wire-copy-2", "wire-copy-3", "solar-farm"]
    news = fetch_news(settings, settings.corpus_dir, urls=[f"{site.url}/news/{n}.html" for n in names])
    assert len(news.saved) == 5
    report = ingest(settings)
    assert len(report.copies) == 3 and len(report.added) == 2
    original = next(s for s in news.saved if "harbour-bridge" in s)
    assert all(c.endswith(f"(copy of {original})") for c in report.copies)

    assistant = Assistant(settings)
    assert sorted(s.source for s in assistant.sources()) == sorted([original, *(s for s in news.saved if "solar" in s)])
    answer = assistant.ask("How much did the repairs of the harbour bridge cost?")
    assert not answer.abstained and "84 million" in answer.answer
    assert {c.source for c in answer.citations} == {original}
    assert answer.citations[0].also_published == ["citywire.example", "morningpost.example", "northnews.example"]
    assert "also published by citywire.example" in answer.sources_text()
    assert not any(s.source != original for s in assistant.quotes("Greve"))  # one story, one set of statements

    # A copy that stops being one (edited into another story) is indexed again on the next run.
    copy = settings.corpus_dir / next(s for s in news.saved if "wire-copy-3" in s)
    copy.write_text((PAGES / "ferry-route.main.txt").read_text("utf-8"), "utf-8")
    again = ingest(settings)
    assert len(again.copies) == 2 and again.added == [copy.relative_to(settings.corpus_dir).as_posix()]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/news/nowhere.html", "http_error"),
        ("/error", "http_error"),
        ("/image.png", "not_html"),
        ("/huge.html", "too_large"),
        ("/loop-a", "redirect_loop"),
        ("/hop/1", "too_many_redirects"),
        ("/broken-feed.xml", "bad_feed"),
        ("/slow.html", "timeout"),
    ],
)
def test_a_hostile_url_is_a_clear_error_and_writes_nothing(
    site: NewsSite, tmp_path: Path, path: str, code: str
) -> None:
    settings = web_settings(tmp_path, max_page_bytes=1_000_000, fetch_timeout_s=1.0)
    url = site.url + path
    feeds = [url] if path.endswith(".xml") else []
    report = fetch_news(settings, settings.corpus_dir, urls=[] if feeds else [url], feeds=feeds)
    assert [p.code for p in report.problems] == [code]
    assert str(report.problems[0]).startswith(f"{url}: ")  # the message names the URL
    assert files_under(settings.corpus_dir) == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("file:///etc/passwd", "bad_url"),
        ("ftp://127.0.0.1/x.html", "bad_url"),
        ("http://user:secret@127.0.0.1:{port}/news/chess-final.html", "bad_url"),
        ("http://127.0.0.1:{port}/news/chess-final.html", "blocked_url"),  # private addresses are off by default
        ("http://localhost:{port}/news/chess-final.html", "blocked_url"),
        ("http://[::1]:{port}/news/chess-final.html", "blocked_url"),
        ("http://169.254.169.254/latest/meta-data/", "blocked_url"),
        ("not a url", "bad_url"),
    ],
)
def test_urls_that_could_reach_into_the_servers_network_are_refused(
    site: NewsSite, tmp_path: Path, url: str, code: str
) -> None:
    settings = make_settings(tmp_path / "corpus", tmp_path / "index", fetch_delay_s=0.0)
    port = site.url.rsplit(":", 1)[1]
    with Fetcher(settings) as fetcher, pytest.raises(FetchError) as raised:
        fetcher.get(url.format(port=port))
    assert raised.value.code == code
    assert "secret" not in str(raised.value)
    assert sum(site.requests.values()) == 0  # nothing reached the site


def test_an_unreachable_host_is_a_clear_error(tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    report = fetch_news(settings, settings.corpus_dir, urls=[f"http://127.0.0.1:{free_port()}/a.html"])
    assert [p.code for p in report.problems] == ["unreachable"] and "ConnectError" in str(report.problems[0])


def test_a_news_page_in_the_corpus_keeps_its_article_and_offsets_and_loses_its_furniture() -> None:
    for page in sorted(PAGES.glob("*.main.txt")):
        source = page.with_name(page.name.replace(".main.txt", ".html"))
        original = source.read_text("utf-8")
        cleaned, title, date = clean_html(original)
        for paragraph in page.read_text("utf-8").splitlines():
            at = cleaned.text.index(paragraph)
            start, end = cleaned.to_original(at, at + len(paragraph))
            assert original[start:end].replace("&#x27;", "'") == paragraph
        assert not any(word in cleaned.text for word in FURNITURE), source.name
        assert date is not None and title is not None and "|" not in title


def test_the_seed_articles_have_no_repeated_headline_or_furniture_in_any_chunk(assistant: Assistant) -> None:
    stored = assistant.collection.get(include=["documents", "metadatas"])
    for text, meta in zip(stored["documents"], stored["metadatas"]):
        assert text.count(meta["title"]) <= 1, meta["source"]
        assert not any(is_furniture(line) for line in text.splitlines() if line.strip()), meta["source"]
    for seed in sorted(SEEDS.iterdir()):
        article = read_article(SEEDS, seed, 10**6)
        assert not isinstance(article, Exception) and "Post a Comment" not in getattr(article, "text", "")


def test_the_api_fetches_urls_into_the_served_corpus(site: NewsSite, tmp_path: Path) -> None:
    import httpx
    from servers import start_rag_server

    settings = web_settings(tmp_path)
    first_seed = sorted(SEEDS.iterdir())[0]
    (settings.corpus_dir / first_seed.name).write_bytes(first_seed.read_bytes())
    ingest(settings)
    env = {"RAG_ALLOW_PRIVATE_URLS": "1", "RAG_FETCH_DELAY_S": "0"}
    server = start_rag_server(settings.index_dir, settings.corpus_dir, tmp_path / "server.log", env)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            urls = [f"{site.url}/news/flu-season.html", f"{site.url}/error"]
            done = client.post("/api/ingest/url", json={"urls": urls})
            assert done.status_code == 200, done.text
            body = done.json()
            assert len(body["saved"]) == 1 and body["added"] == body["saved"]
            assert len(body["not_fetched"]) == 1 and "HTTP 500" in body["not_fetched"][0]
            listed = {s["source"] for s in client.get("/api/sources").json()["sources"]}
            assert body["saved"][0] in listed
            assert client.post("/api/ingest/url", json={}).status_code == 422
    finally:
        server.stop()
    assert "Traceback" not in server.log()
