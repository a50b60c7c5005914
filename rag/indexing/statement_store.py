"""The quotes index: every statement of the indexed articles, and the titles they give people
("US President Donald Trump": the roles a question may name), in SQLite beside the index.

Like the BM25 index, it is derived, not a second source of truth: each indexed article's
statements are stored with the article's version (file hash + extractor version), and
:func:`sync_statements` brings the store in step with what Chroma holds: statements of
articles no longer indexed are deleted, articles whose version differs are extracted
again (from the file, only when it still has the indexed hash). It runs after every
ingest and whenever an engine loads, so a killed ingest, an ingest by another process
or another app server sharing a Chroma server all end with the store in step. Each
article is replaced in one transaction; WAL mode lets readers read while it writes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Collection, Iterable
from contextlib import closing
from pathlib import Path

from rag.components.store import IndexedSource
from rag.contract import newest_first
from rag.indexing.corpus import Article, FileProblem, read_article
from rag.indexing.speakers import People
from rag.indexing.statements import Statement, extract, renamed, speaker_aliases

log = logging.getLogger(__name__)

# Bump when the extractor changes what it finds: every article is extracted again.
# 3: the titles the article gives people ("US President Donald Trump") are stored too.
# 4: who relayed a statement (``via``); a continued quotation keeps its addressee.
# 5: "…," said museum director Helena Marsh: a role before the name after the verb.
EXTRACTOR_VERSION = 5
_FIELDS = (
    "source",
    "start",
    "end",
    "text",
    "speaker",
    "speaker_words",
    "kind",
    "verb",
    "addressee",
    "date",
    "context_start",
    "context_end",
    "via",
)
_COLUMNS = ", ".join(f'"{f}"' for f in _FIELDS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS articles (source TEXT PRIMARY KEY, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statements ({_COLUMNS},
    PRIMARY KEY (source, start, end, speaker));
CREATE INDEX IF NOT EXISTS statements_speaker ON statements (speaker);
CREATE TABLE IF NOT EXISTS titles (source TEXT NOT NULL, title TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (source, title));
CREATE TABLE IF NOT EXISTS generation (id INTEGER PRIMARY KEY CHECK (id = 0), value INTEGER NOT NULL);
INSERT OR IGNORE INTO generation VALUES (0, 0);
"""
_BUMP = "UPDATE generation SET value = value + 1 WHERE id = 0"


def version_of(sha16: str) -> str:
    """What the store records for an article: its file hash (16 hex digits) and the extractor's version."""
    return f"{sha16}:{EXTRACTOR_VERSION}"


class StatementStore:
    """Statements of the indexed articles (``INDEX_DIR/statements.sqlite3``); thread-safe."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cached: tuple[int, list[Statement]] | None = None  # (generation, statements) read last
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            columns = [row[1] for row in db.execute("PRAGMA table_info(statements)")]
            if columns and tuple(columns) != _FIELDS:  # made by an older extractor: derived, so rebuilt
                db.executescript("DROP TABLE statements; DROP TABLE articles; DROP TABLE titles;")
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def versions(self) -> dict[str, str]:
        """Article → the version its statements were extracted from."""
        with closing(self._connect()) as db:
            return dict(db.execute("SELECT source, version FROM articles").fetchall())

    def replace(
        self, source: str, version: str, statements: Iterable[Statement], titles: dict[str, str] | None = None
    ) -> None:
        """The statements of ``source`` and the titles it gives people (title → name), all at once
        (a crash leaves the old ones or the new ones)."""
        rows = [tuple(getattr(s, f) for f in _FIELDS) for s in statements]
        with self._lock, closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM statements WHERE source = ?", (source,))
            db.execute("DELETE FROM titles WHERE source = ?", (source,))
            db.executemany(f"INSERT OR REPLACE INTO statements VALUES ({', '.join('?' * len(_FIELDS))})", rows)
            db.executemany("INSERT INTO titles VALUES (?, ?, ?)", [(source, t, n) for t, n in (titles or {}).items()])
            db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?)", (source, version))
            db.execute(_BUMP)
            db.execute("COMMIT")

    def remove(self, sources: Iterable[str]) -> None:
        """Forget articles that are no longer indexed."""
        with self._lock, closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            for source in sources:
                for table in ("statements", "titles", "articles"):
                    db.execute(f"DELETE FROM {table} WHERE source = ?", (source,))
            db.execute(_BUMP)
            db.execute("COMMIT")

    def all(self) -> list[Statement]:
        """Every statement, speakers named as the corpus names them ("Trump" → "Donald Trump").

        Read again only when the store changed since (any process's write bumps its generation)."""
        with closing(self._connect()) as db:
            db.execute("BEGIN")  # one snapshot for the generation and the rows
            generation = db.execute("SELECT value FROM generation WHERE id = 0").fetchone()[0]
            cached = self._cached
            if cached is not None and cached[0] == generation:
                return cached[1]
            rows = db.execute(f"SELECT {_COLUMNS} FROM statements").fetchall()
        statements = [Statement(**dict(zip(_FIELDS, row))) for row in rows]
        aliases = speaker_aliases([s.speaker for s in statements])
        result = [renamed(s, aliases) for s in statements]
        self._cached = (generation, result)
        return result

    def titles(self) -> dict[str, str]:
        """Title → the person the articles most often give it ("us president" → "Donald Trump",
        "special envoy" → "Steve Witkoff"; of equals, the one of the first article by name)."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT title, name FROM titles ORDER BY source").fetchall()
        votes: dict[str, Counter[str]] = {}
        for title, name in rows:
            votes.setdefault(title, Counter())[name] += 1
        return {title: names.most_common(1)[0][0] for title, names in votes.items()}

    def query(self, speaker: str | None = None, sources: Collection[str] | None = None) -> list[Statement]:
        """Statements by ``speaker`` (every word of it in the name or the words used: "Witkoff",
        "European official"), from ``sources`` (``None``: all); newest article first, then in
        reading order."""
        words = speaker.lower().split() if speaker else []
        out = []
        for s in self.all():
            who = f"{s.speaker} {s.speaker_words}".lower()
            if words and not all(w in who.replace("’s", "").split() or w in who for w in words):
                continue
            if sources is not None and s.source not in sources:
                continue
            out.append(s)
        return sorted(out, key=lambda s: (newest_first(s.date), s.source, s.start))


def sync_statements(store: StatementStore, corpus_dir: Path, indexed: list[IndexedSource], max_bytes: int) -> int:
    """Bring ``store`` in step with the indexed articles; returns how many were extracted again."""
    have = store.versions()
    wanted = {s.source: s for s in indexed}
    store.remove(sorted(set(have) - set(wanted)))
    done = 0
    for source, meta in sorted(wanted.items()):
        if have.get(source) == version_of(meta.sha16):
            continue
        article = read_article(corpus_dir, corpus_dir / source, max_bytes)
        if isinstance(article, FileProblem) or article.sha16 != meta.sha16:
            log.warning("statements of %s not indexed: the file changed or vanished since ingest", source)
            store.remove([source])
            continue
        store_statements(store, article)
        done += 1
    return done


def store_statements(store: StatementStore, article: Article) -> None:
    """Extract the statements and titles of an article already read, and store them."""
    people = People(article.text)
    store.replace(article.source, version_of(article.sha16), extract(article, people), people.titles)
