"""Sentence-aligned chunks sized in the embedder's own word pieces, with offsets.

LlamaIndex's ``SentenceSplitter`` does the packing (whole sentences, overlap in whole
sentences); we give it the embedding model's tokenizer (so no tiktoken download and
sizes are the real ones) and a sentence function that also breaks at line ends
(headlines and bullet lists have no full stop). Each chunk is then located in the
cleaned text and its sentences are mapped to offsets in the original file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from rag.indexing.corpus import Article
from rag.text import sentence_pieces, sentence_spans


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk: offsets in the chunk text and in the original file."""

    chunk_start: int
    chunk_end: int
    start: int
    end: int


@dataclass
class Chunk:
    """A retrieval unit: cleaned text plus where it and its sentences lie in the file."""

    source: str
    index: int
    text: str
    start: int  # offsets into the original file
    end: int
    sentences: list[Sentence]

    def sentences_json(self) -> str:
        """Compact form stored as flat metadata: [[cs, ce, os, oe], ...]."""
        return json.dumps([[s.chunk_start, s.chunk_end, s.start, s.end] for s in self.sentences])


def sentences_from_json(raw: str) -> list[Sentence]:
    """Inverse of :meth:`Chunk.sentences_json`."""
    return [Sentence(*row) for row in json.loads(raw)]


class Chunker:
    """Splits articles into chunks that fit the embedder with the title prepended."""

    def __init__(self, count_tokens: Callable[[str], int], chunk_size: int, chunk_overlap: int, max_tokens: int):
        self._count = count_tokens
        self._chunk_size = chunk_size
        self._overlap = chunk_overlap
        self._max_tokens = max_tokens

    def budget(self, title: str) -> int:
        """Word pieces left for chunk text once [CLS], [SEP] and the title line are in."""
        return max(32, min(self._chunk_size, self._max_tokens - 2 - self._count(title + "\n\n")))

    def chunk(self, article: Article) -> list[Chunk]:
        """Chunks of one article, in order."""
        from llama_index.core.node_parser import SentenceSplitter

        size = self.budget(article.title)
        splitter = SentenceSplitter(
            chunk_size=size,
            chunk_overlap=min(self._overlap, size // 2),
            tokenizer=lambda s: [0] * self._count(s),
            paragraph_separator="\n\n",
            chunking_tokenizer_fn=sentence_pieces,
        )
        text = article.text
        chunks: list[Chunk] = []
        search_from = 0
        for piece in splitter.split_text(text):
            at = text.find(piece, search_from)
            if at < 0:  # the splitter only ever returns stripped substrings
                raise ValueError(f"{article.source}: chunk not found in cleaned text")
            search_from = at + 1
            start, end = article.cleaned.to_original(at, at + len(piece))
            sentences = []
            for s_start, s_end in sentence_spans(piece):
                o_start, o_end = article.cleaned.to_original(at + s_start, at + s_end)
                sentences.append(Sentence(s_start, s_end, o_start, o_end))
            chunks.append(Chunk(article.source, len(chunks), piece, start, end, sentences))
        return chunks
