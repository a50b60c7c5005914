"""Conversations that persist, and feedback on their answers, in one database: an SQLite file
(WAL) in ``RAG_DATA_DIR`` by default, or PostgreSQL (``RAG_DATABASE_URL``) shared by every app
server (:mod:`rag.conversation_db`: engine, tables, migrations).

Kept apart from the index (``RAG_INDEX_DIR``), so a re-index never touches them. Each
conversation belongs to an owner: the API key that made it (as a hash; the key is never
stored), or ``"local"`` when the server has no key. A turn stores the question and the whole
answer contract, so a reopened conversation shows its citations exactly as they were; a
rating stores the answer it rates. Every call is one transaction; the database being down or
unusable is a :class:`StoreUnavailableError` (the server answers 503 and goes on answering).
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from rag.contract import Answer, Message
from rag.conversation_db import conversations, feedback, make_engine, migrate, turns
from rag.settings import Settings

LOCAL_OWNER = "local"
MAX_COMMENT_CHARS = 2000
MAX_TITLE_CHARS = 200
ID_PATTERN = r"^[0-9a-f]{32}$"


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
    """Conversations, turns and feedback in one database (an SQLite file, or a database URL)."""

    def __init__(self, target: Path | str, timeout_s: float = 10.0):
        """``target``: an SQLite file, or a SQLAlchemy URL (``postgresql+psycopg://user@host/db``)."""
        self.url = target if isinstance(target, str) else f"sqlite:///{target}"
        self._path = None if isinstance(target, str) else target
        self._timeout = timeout_s
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def _where(self) -> str:
        """The database, for messages: never its password."""
        from sqlalchemy.engine import make_url

        return str(self._path) if self._path else make_url(self.url).render_as_string(hide_password=True)

    def _ready(self) -> Engine:
        with self._lock:
            if self._engine is None:
                if self._path is not None:
                    self._path.parent.mkdir(parents=True, exist_ok=True)
                engine = make_engine(self.url, self._timeout)
                try:
                    migrate(engine)  # the schema at its newest revision before the first use
                except BaseException:
                    engine.dispose()
                    raise
                self._engine = engine
            return self._engine

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[Connection]:
        """One transaction (a write one takes the write lock first on SQLite)."""
        try:
            with self._ready().connect() as conn:
                conn = conn.execution_options(write=write)
                with conn.begin():
                    yield conn
        except ImportError as exc:  # the URL names a driver that is not installed
            hint = "pip install 'newsdesk-qa[postgres]'" if "psycopg" in self.url else "install its driver"
            raise StoreUnavailableError(f"the conversation store {self._where()} needs {exc.name}: {hint}") from exc
        except (OSError, SQLAlchemyError) as exc:
            reason = getattr(exc, "orig", None) or exc
            raise StoreUnavailableError(f"the conversation store {self._where()} failed: {reason}") from exc

    def create(self, owner: str, title: str = "") -> ConversationSummary:
        """A new, empty conversation."""
        now, cid = _now(), uuid.uuid4().hex
        row = {"id": cid, "owner": owner, "title": title[:MAX_TITLE_CHARS], "created": now, "updated": now}
        with self._db(write=True) as db:
            db.execute(conversations.insert().values(**row))
        return ConversationSummary(id=cid, title=title, created=now, updated=now, turns=0)

    def summaries(self, owner: str) -> list[ConversationSummary]:
        """The owner's conversations, most recently used first."""
        c, t = conversations.c, turns.c
        query = (
            select(c.id, c.title, c.created, c.updated, func.count(t.turn))
            .select_from(conversations.outerjoin(turns, t.conversation_id == c.id))
            .where(c.owner == owner)
            .group_by(c.id, c.title, c.created, c.updated)
            .order_by(c.updated.desc())
        )
        with self._db() as db:
            rows = db.execute(query).all()
        return [ConversationSummary(id=r[0], title=r[1], created=r[2], updated=r[3], turns=r[4]) for r in rows]

    def get(self, owner: str, cid: str) -> Conversation:
        """One conversation with its turns and their ratings; :class:`ConversationNotFoundError` otherwise."""
        c, t, f = conversations.c, turns.c, feedback.c
        with self._db() as db:
            head = db.execute(select(c.id, c.title, c.created, c.updated).where(c.id == cid, c.owner == owner)).first()
            if head is None:
                raise ConversationNotFoundError(cid)
            joined = turns.outerjoin(feedback, (f.conversation_id == t.conversation_id) & (f.turn == t.turn))
            rows = db.execute(
                select(t.turn, t.question, t.answer, t.created, f.rating, f.comment)
                .select_from(joined)
                .where(t.conversation_id == cid)
                .order_by(t.turn)
            ).all()
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
        c = conversations.c
        with self._db(write=True) as db:
            done = db.execute(
                conversations.update().where(c.id == cid, c.owner == owner).values(title=title[:MAX_TITLE_CHARS])
            )
            if done.rowcount == 0:
                raise ConversationNotFoundError(cid)

    def delete(self, owner: str, cid: str) -> None:
        """The conversation, its turns and its feedback, gone."""
        c = conversations.c
        with self._db(write=True) as db:
            if db.execute(conversations.delete().where(c.id == cid, c.owner == owner)).rowcount == 0:
                raise ConversationNotFoundError(cid)

    def add_turn(self, owner: str, cid: str, question: str, answer: Answer) -> int:
        """Append a turn (atomically: concurrent writers, on any app server, each get their own number);
        its 0-based index."""
        now, c = _now(), conversations.c
        with self._db(write=True) as db:
            # The conversation's row locked before the count (PostgreSQL; SQLite holds its write lock).
            head = db.execute(select(c.title).where(c.id == cid, c.owner == owner).with_for_update()).first()
            if head is None:
                raise ConversationNotFoundError(cid)
            n = db.execute(select(func.count()).select_from(turns).where(turns.c.conversation_id == cid)).scalar_one()
            db.execute(
                turns.insert().values(
                    conversation_id=cid, turn=n, question=question, answer=answer.model_dump_json(), created=now
                )
            )
            title = head[0] or question[:MAX_TITLE_CHARS]  # the first question names the conversation
            db.execute(conversations.update().where(c.id == cid).values(updated=now, title=title))
        return int(n)

    def rate(self, owner: str, cid: str, turn: int, rating: Literal["up", "down"], comment: str = "") -> None:
        """Record (or replace) the rating of one answer."""
        c, t = conversations.c, turns.c
        row = {"rating": rating, "comment": comment[:MAX_COMMENT_CHARS], "created": _now()}
        with self._db(write=True) as db:
            known = db.execute(
                select(t.turn)
                .select_from(turns.join(conversations, c.id == t.conversation_id))
                .where(c.id == cid, c.owner == owner, t.turn == turn)
            ).first()
            if known is None:
                raise ConversationNotFoundError(f"{cid} turn {turn}")
            db.execute(feedback.delete().where(feedback.c.conversation_id == cid, feedback.c.turn == turn))
            db.execute(feedback.insert().values(conversation_id=cid, turn=turn, **row))

    def feedback(self) -> list[Feedback]:
        """Every rating (of any owner: this is the team's view), oldest first, with what it rates."""
        c, f = conversations.c, feedback.c
        with self._db() as db:
            rows = db.execute(
                select(f.conversation_id, f.turn, f.rating, f.comment, f.created, c.owner)
                .select_from(feedback.join(conversations, c.id == f.conversation_id))
                .order_by(f.created)
            ).all()
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


def store_for(settings: Settings) -> ConversationStore:
    """The store the settings name: ``RAG_DATABASE_URL``, else the SQLite file in ``RAG_DATA_DIR``."""
    url = settings.database_url
    return ConversationStore(url.get_secret_value() if url else settings.conversations_path)


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
