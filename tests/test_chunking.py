"""Chunks: sentence-aligned, within the embedder's limit, offsets verbatim."""

from __future__ import annotations

import pytest
from helpers import SEEDS

from rag.components.embedding import load_tokenizer
from rag.indexing.chunking import Chunker
from rag.indexing.corpus import load_corpus
from rag.settings import Settings
from rag.text import sentence_spans


@pytest.fixture(scope="module")
def chunked():  # type: ignore[no-untyped-def]
    settings = Settings()
    tok = load_tokenizer(10**6)
    count = lambda s: len(tok.encode(s, add_special_tokens=False).ids) if s else 0  # noqa: E731
    chunker = Chunker(count, settings.chunk_size, settings.chunk_overlap, settings.embed_max_tokens)
    articles, _ = load_corpus(SEEDS)
    return tok, [(a, chunker.chunk(a)) for a in articles]


def test_every_sentence_and_chunk_quotes_the_file_verbatim(chunked) -> None:  # type: ignore[no-untyped-def]
    _, pairs = chunked
    for article, chunks in pairs:
        original = (SEEDS / article.source).read_bytes().decode("utf-8")
        assert chunks, article.source
        for chunk in chunks:
            assert chunk.sentences
            for s in chunk.sentences:
                # The seeds are plain text: the cleaned sentence is the file's text.
                assert original[s.start : s.end] == chunk.text[s.chunk_start : s.chunk_end]
            assert chunk.start == chunk.sentences[0].start and chunk.end == chunk.sentences[-1].end


def test_chunks_fit_the_embedder_with_their_title(chunked) -> None:  # type: ignore[no-untyped-def]
    tok, pairs = chunked
    for article, chunks in pairs:
        for chunk in chunks:
            pieces = len(tok.encode(f"{article.title}\n\n{chunk.text}").ids)  # with [CLS] and [SEP]
            assert pieces <= 256, (article.source, chunk.index, pieces)


def test_chunks_never_cut_a_sentence(chunked) -> None:  # type: ignore[no-untyped-def]
    _, pairs = chunked
    for article, chunks in pairs:
        spans = sentence_spans(article.text)
        starts = {s for s, _ in spans}
        ends = {e for _, e in spans}
        for chunk in chunks:
            at = article.text.index(chunk.text)
            assert at in starts and at + len(chunk.text) in ends, (article.source, chunk.index)


def test_chunks_cover_the_whole_article(chunked) -> None:  # type: ignore[no-untyped-def]
    _, pairs = chunked
    for article, chunks in pairs:
        covered: set[int] = set()
        for chunk in chunks:
            at = article.text.index(chunk.text)
            covered.update(range(at, at + len(chunk.text)))
        missing = [i for i, ch in enumerate(article.text) if not ch.isspace() and i not in covered]
        assert missing == [], article.source


def test_quotation_split_by_punkt_is_one_sentence() -> None:
    text = "“There is a lot to do before a deal. But I sense progress today,” Witkoff said. Next one."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "“There is a lot to do before a deal. But I sense progress today,” Witkoff said.",
        "Next one.",
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Trump met Putin on Aug. 15 in Anchorage. The U.S. announced it would not arm Ukraine."
    assert len(sentence_spans(text)) == 2
