"""Conversations that persist, and feedback on their answers: SQLite (WAL) in ``RAG_DATA_DIR``.

Kept apart from the index (``RAG_INDEX_DIR``), so a re-index never touches them. Each
conversation belongs to an owner: the API key that made it (as a hash; the key is never
stored), or ``"local"`` when the server has no key. A turn stores the question and the whole
answer contract, so a reopened conversation shows its citations exactly as they were; a
rating stores the answer it rates. Every call opens its own connection (safe across threads
and processes; WAL lets readers and one writer work at once, ``busy_timeout`` queues writers).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from rag.contract import Answer, Message

LOCAL_OWNER = "local"
MAX_COMMENT_CHARS = 2000
MAX_TITLE_CHARS = 200
ID_PATTERN = r"^[0-9a-f]{32}$"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS turns (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, turn INTEGER NOT NULL,
  question TEXT NOT NULL, answer TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (conversation_id, turn));
CREATE TABLE IF NOT EXISTS feedback (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, turn INTEGER NOT NULL,
  rating TEXT NOT NULL, comment TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (conversation_id, turn));
"""


class StoreUnavailableError(RuntimeError):
    """The conversation database cannot be used (locked, corrupt, unwritable); the message says why."""


class ConversationNotFoundError(KeyError):
    """No conversation with that id belongs to this owner."""


class Turn(BaseModel):
    """One question and its answer (the whole contract)."""

    turn: int = Field(description="0-based position in the conversation.")
    question: str
    answer: Answer
    created: str
    rating: Literal["up", "down"] | None = None
    comment: str | None = None


class ConversationSummary(BaseModel):
    """A conversation in a list: its title is its first question unless renamed."""

    id: str
    title: str
    created: str
    updated: str
    turns: int


class Conversation(ConversationSummary):
    """A conversation with its turns, oldest first."""

    items: list[Turn] = Field(default_factory=list)

    def history(self) -> list[Message]:
        """The turns as chat history, for a follow-up question."""
        out: list[Message] = []
        for t in self.items:
            out += [Message(role="user", content=t.question), Message(role="assistant", content=t.answer.answer)]
        return out

    def history_dicts(self) -> list[dict[str, str]]:
        """:meth:`history` as plain dicts (what the chat UI keeps)."""
        return [m.model_dump() for m in self.history()]


class Feedback(BaseModel):
    """A rating of one answer, with the conversation up to it (what ``rag feedback`` lists and exports)."""

    conversation_id: str
    turn: int
    rating: Literal["up", "down"]
    comment: str
    created: str
    question: str
    answer: Answer
    history: list[Message]


def owner_of(api_key: str | None) -> str:
    """The owner a key's conversations are filed under (a hash: the key itself is never stored)."""
    return LOCAL_OWNER if not api_key else "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ConversationStore:
    """Conversations, turns and feedback in one SQLite file."""

    def __init__(self, path: Path, timeout_s: float = 10.0):
        self.path = path
        self._timeout = timeout_s
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailableError(f"cannot open the conversation store {self.path}: {exc}") from exc
        try:
            db.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(_SCHEMA)
                self._ready = True
            yield db
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"the conversation store {self.path} failed: {exc}") from exc
        finally:
            db.close()

    def create(self, owner: str, title: str = "") -> ConversationSummary:
        """A new, empty conversation."""
        now, cid = _now(), uuid.uuid4().hex
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (cid, owner, title[:MAX_TITLE_CHARS], now, now)
            )
        return ConversationSummary(id=cid, title=title, created=now, updated=now, turns=0)

    def summaries(self, owner: str) -> list[ConversationSummary]:
        """The owner's conversations, most recently used first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.turn) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id WHERE c.owner = ? GROUP BY c.id ORDER BY c.updated DESC",
                (owner,),
            ).fetchall()
        return [ConversationSummary(id=r[0], title=r[1], created=r[2], updated=r[3], turns=r[4]) for r in rows]

    def get(self, owner: str, cid: str) -> Conversation:
        """One conversation with its turns and their ratings; :class:`ConversationNotFoundError` otherwise."""
        with self._db() as db:
            head = db.execute(
                "SELECT id, title, created, updated FROM conversations WHERE id = ? AND owner = ?", (cid, owner)
            ).fetchone()
            if head is None:
                raise ConversationNotFoundError(cid)
            rows = db.execute(
                "SELECT t.turn, t.question, t.answer, t.created, f.rating, f.comment FROM turns t "
                "LEFT JOIN feedback f ON f.conversation_id = t.conversation_id AND f.turn = t.turn "
                "WHERE t.conversation_id = ? ORDER BY t.turn",
                (cid,),
            ).fetchall()
        items = [
            Turn(
                turn=r[0],
                question=r[1],
                answer=Answer.model_validate_json(r[2]),
                created=r[3],
                rating=r[4],
                comment=r[5],
            )
            for r in rows
        ]
        return Conversation(id=head[0], title=head[1], created=head[2], updated=head[3], turns=len(items), items=items)

    def rename(self, owner: str, cid: str, title: str) -> None:
        with self._db() as db:
            done = db.execute(
                "UPDATE conversations SET title = ? WHERE id = ? AND owner = ?", (title[:MAX_TITLE_CHARS], cid, owner)
            )
            if done.rowcount == 0:
                raise ConversationNotFoundError(cid)

    def delete(self, owner: str, cid: str) -> None:
        """The conversation, its turns and its feedback, gone."""
        with self._db() as db:
            if db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (cid, owner)).rowcount == 0:
                raise ConversationNotFoundError(cid)

    def add_turn(self, owner: str, cid: str, question: str, answer: Answer) -> int:
        """Append a turn (atomically: concurrent writers each get their own number); its 0-based index."""
        now = _now()
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # the write lock before reading the count: no two turns get one number
            try:
                head = db.execute("SELECT title FROM conversations WHERE id = ? AND owner = ?", (cid, owner)).fetchone()
                if head is None:
                    raise ConversationNotFoundError(cid)
                (n,) = db.execute("SELECT COUNT(*) FROM turns WHERE conversation_id = ?", (cid,)).fetchone()
                db.execute(
                    "INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (cid, n, question, answer.model_dump_json(), now)
                )
                title = head[0] or question[:MAX_TITLE_CHARS]  # the first question names the conversation
                db.execute("UPDATE conversations SET updated = ?, title = ? WHERE id = ?", (now, title, cid))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return int(n)

    def rate(self, owner: str, cid: str, turn: int, rating: Literal["up", "down"], comment: str = "") -> None:
        """Record (or replace) the rating of one answer."""
        with self._db() as db:
            known = db.execute(
                "SELECT 1 FROM turns t JOIN conversations c ON c.id = t.conversation_id "
                "WHERE c.id = ? AND c.owner = ? AND t.turn = ?",
                (cid, owner, turn),
            ).fetchone()
            if known is None:
                raise ConversationNotFoundError(f"{cid} turn {turn}")
            db.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?)",
                (cid, turn, rating, comment[:MAX_COMMENT_CHARS], _now()),
            )

    def feedback(self) -> list[Feedback]:
        """Every rating (of any owner: this is the team's view), oldest first, with what it rates."""
        with self._db() as db:
            rows = db.execute(
                "SELECT f.conversation_id, f.turn, f.rating, f.comment, f.created, c.owner FROM feedback f "
                "JOIN conversations c ON c.id = f.conversation_id ORDER BY f.created"
            ).fetchall()
        out = []
        for cid, turn, rated, comment, created, owner in rows:
            conversation = self.get(owner, cid)
            rated_turn = conversation.items[turn]
            before = conversation.model_copy(update={"items": conversation.items[:turn]}).history()
            out.append(
                Feedback(
                    conversation_id=cid,
                    turn=turn,
                    rating=rated,
                    comment=comment,
                    created=created,
                    question=rated_turn.question,
                    answer=rated_turn.answer,
                    history=before,
                )
            )
        return out


def as_markdown(conversation: Conversation) -> str:
    """The conversation as Markdown: each question, its answer, and its numbered sources with quotes."""
    lines = [f"# {conversation.title or 'Conversation'}", "", f"_{conversation.created}, {conversation.turns} turns_"]
    for t in conversation.items:
        lines += ["", f"## {t.question}", "", answer_markdown(t.answer)]
    return "\n".join(lines) + "\n"


def answer_markdown(answer: Answer) -> str:
    """One answer as Markdown, with numbered sources (file, date, offsets, quote)."""
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "Sources:", ""]
        for c in answer.citations:
            dated = f", {c.date}" if c.date else ""
            quote = " ".join(c.quote.split())
            lines.append(f"{c.id}. `{c.source}`{dated}, characters {c.start}–{c.end}: “{quote}”")
    return "\n".join(lines)


def as_json(conversation: Conversation) -> str:
    """The conversation with every answer contract, as JSON."""
    return json.dumps(conversation.model_dump(mode="json"), ensure_ascii=False, indent=2)
