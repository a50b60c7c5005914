"""Corpus loading: titles, dates, offsets into the original, bad files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import SEEDS

from rag.indexing.corpus import FileProblem, load_corpus, read_article
from rag.indexing.html_cleaning import clean_html
from rag.indexing.mapped_text import MappedText


def test_seed_titles_and_dates() -> None:
    articles, problems = load_corpus(SEEDS)
    assert problems == []
    by_name = {a.source: a for a in articles}
    assert sorted(by_name) == sorted(p.name for p in SEEDS.iterdir())
    first = by_name["000_e8e45ee0a9587a4b.txt"]
    assert first.date == "2025-11-07"
    assert first.title == "Trump Highlights “Progress” in Ukraine Talks Despite Challenges on the Ground"
    assert "date 2025-11-07" not in first.text
    repeated = by_name["001_2143c3894b5ebdc7.txt"]
    assert repeated.title == "Trump’s Call With Putin Yields No Progress on Ukraine War"
    assert repeated.text.count(repeated.title) == 1  # printed three times in the file, kept once
    assert repeated.original.count(repeated.title) == 3
    assert "Post a Comment" not in repeated.text
    assert by_name["004_7654bc732c946649.txt"].title.startswith("Trump Pushes Putin")
    assert len({a.sha256 for a in articles}) == 5


def test_cleaned_text_maps_back_to_the_original() -> None:
    articles, _ = load_corpus(SEEDS)
    for article in articles:
        text = article.text
        for start in range(0, len(text) - 40, 97):
            o_start, o_end = article.cleaned.to_original(start, start + 40)
            assert article.original[o_start:o_end] == text[start : start + 40]


def test_html_markup_is_stripped_and_offsets_point_into_the_html() -> None:
    page = (
        "<!doctype html><html><head><title>Talks &amp; Tariffs</title>"
        '<meta name="date" content="2025-10-17"><script>var x = "<p>no</p>";</script></head>'
        "<body><nav>Home | World</nav><h1>Talks</h1><p>Putin <b>called</b> Trump &mdash; twice.</p>"
        "<p>Second paragraph.</p><footer>© site</footer></body></html>"
    )
    cleaned, title, date = clean_html(page)
    assert title == "Talks"  # the headline: a page's <title> often carries the site's name too
    assert date == "2025-10-17"
    assert "var x" not in cleaned.text and "Home | World" not in cleaned.text and "©" not in cleaned.text
    sentence = "Putin called Trump — twice."
    at = cleaned.text.index(sentence)
    start, end = cleaned.to_original(at, at + len(sentence))
    assert page[start:end] == "Putin <b>called</b> Trump &mdash; twice."


def test_mapped_text_rejects_spans_outside() -> None:
    mapped = MappedText()
    mapped.copy("abc", 0, 3)
    with pytest.raises(ValueError):
        mapped.to_original(2, 5)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.txt", "café crème".encode("latin-1"), "not UTF-8"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("empty.txt", b"  \n\n ", "empty"),
        ("huge.txt", b"word " * 1000, "too large"),
    ],
)
def test_bad_files_are_reported_by_name(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = read_article(tmp_path, path, max_bytes=2000)
    assert isinstance(result, FileProblem)
    assert result.source == name
    assert reason in result.reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file; unreadable-file path untestable as root")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Some text.")
    path.chmod(0)
    result = read_article(tmp_path, path, max_bytes=2000)
    assert isinstance(result, FileProblem) and "unreadable" in result.reason


def test_bad_file_does_not_stop_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("# A headline\n\nBody text of the article.\n", "utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe broken")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # unsupported type: not even looked at
    articles, problems = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["good.md"]
    assert articles[0].title == "A headline"
    assert "# " not in articles[0].text
    assert [p.source for p in problems] == ["bad.txt"]
