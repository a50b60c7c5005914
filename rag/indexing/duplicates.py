"""Syndicated copies: one story published by several sites is one source.

At ingest, articles whose texts are near-duplicates (MinHash over word 5-shingles, found with
datasketch's LSH, grouped transitively) form a group; only the group's earliest copy (by date,
then file name) is indexed, so retrieval and answers count the story once and quote it once
(its statements too), and every citation of it says who else published it. The threshold is
measured on ``evals/news_pages`` and the seeds (docs/news-ingest.md): copies of one wire story,
whole, cut short or with a line added, have Jaccard 0.53–1.00; different stories, the seeds on
the same summit included, at most 0.01.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from rag.contract import Answer
from rag.indexing.corpus import Article

THRESHOLD = 0.4  # estimated Jaccard of the shingle sets from which two articles are copies
SHINGLE_WORDS = 5
NUM_PERM = 128
_WORD = re.compile(r"\w+")


def _minhash(text: str) -> object:
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return mh


def find_copies(articles: Iterable[Article]) -> dict[str, str]:
    """Each article that is a copy of an earlier one → the group's earliest (the one indexed)."""
    from datasketch import MinHashLSH

    by_source = {a.source: a for a in articles}
    if len(by_source) < 2:
        return {}
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes = {}
    for source, article in sorted(by_source.items()):
        hashes[source] = _minhash(article.text)
        lsh.insert(source, hashes[source])
    parent = {s: s for s in by_source}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for source, mh in hashes.items():
        for other in lsh.query(mh):  # candidates; LSH lets some pairs below the threshold through
            if other != source and mh.jaccard(hashes[other]) >= THRESHOLD:  # type: ignore[attr-defined]
                parent[root(other)] = root(source)
    groups: dict[str, list[Article]] = {}
    for source, article in by_source.items():
        groups.setdefault(root(source), []).append(article)
    copies = {}
    for members in groups.values():
        first = min(members, key=lambda a: (a.date or "9999-99-99", a.source))
        copies.update({a.source: first.source for a in members if a is not first})
    return copies


class Copies:
    """The copy groups of the last ingest (``copies.json`` in the index folder), for the query side."""

    FILE = "copies.json"

    def __init__(self, copies: dict[str, str], publishers: dict[str, str]):
        self.copies = copies  # copy → the source indexed for it
        self.publishers = publishers  # source → who published it (site name, else file name)
        self._also: dict[str, list[str]] = {}
        for copy, first in sorted(copies.items()):
            self._also.setdefault(first, []).append(publishers.get(copy, copy))

    @classmethod
    def save(cls, index_dir: Path, copies: dict[str, str], publisher: Callable[[str], str]) -> None:
        """Write the groups (and the copies' publishers) where :meth:`load` reads them."""
        publishers = {s: publisher(s) for s in {*copies, *copies.values()}}
        data = {"copies": copies, "publishers": publishers}
        (index_dir / cls.FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")

    @classmethod
    def load(cls, index_dir: Path) -> Copies:
        """The saved groups (none when the index has no record of them)."""
        try:
            data = json.loads((index_dir / cls.FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return cls({}, {})
        return cls(dict(data.get("copies", {})), dict(data.get("publishers", {})))

    def also_published(self, source: str) -> list[str]:
        """Who else published the story indexed as ``source`` (sorted, each once)."""
        return sorted(set(self._also.get(source, [])))

    def annotate(self, answer: Answer) -> Answer:
        """``answer`` with each citation naming the other publishers of its article."""
        if not self._also or not any(c.source in self._also for c in answer.citations):
            return answer
        cited = [c.model_copy(update={"also_published": self.also_published(c.source)}) for c in answer.citations]
        return answer.model_copy(update={"citations": cited})
