"""Where conversations live: one SQLAlchemy engine over SQLite (the embedded default, a WAL file
in ``RAG_DATA_DIR``) or PostgreSQL (``RAG_DATABASE_URL=postgresql+psycopg://…``: one database
for every app server), its tables, and their schema brought to the newest Alembic revision.

SQLite: every write transaction is ``BEGIN IMMEDIATE`` (the write lock first, so two writers
never read the same turn count); PostgreSQL: the conversation's row is locked (``FOR UPDATE``).
A file made before the schema was versioned (same tables, no ``alembic_version``) is stamped as
revision 0001 and migrated in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, ForeignKey, Index, Integer, MetaData, String, Table, Text, create_engine, event
from sqlalchemy import inspect as inspect_db

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Index("conversations_owner", "owner", "updated"),
)


def _per_turn(name: str, *columns: Column[Any]) -> Table:
    """A table of one row per turn of a conversation (its turns, its feedback)."""
    return Table(
        name,
        metadata,
        Column("conversation_id", String(32), ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True),
        Column("turn", Integer, primary_key=True, autoincrement=False),
        *columns,
        Column("created", Text, nullable=False),
    )


turns = _per_turn("turns", Column("question", Text, nullable=False), Column("answer", Text, nullable=False))
feedback = _per_turn("feedback", Column("rating", Text, nullable=False), Column("comment", Text, nullable=False))
Index("feedback_created", feedback.c.created)  # attaches itself to the table

MIGRATIONS = Path(__file__).with_name("migrations")
UNVERSIONED = "0001"  # the revision a file made before Alembic holds


def make_engine(url: str, timeout_s: float) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and explicit transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": max(1, int(timeout_s))})
    engine = create_engine(url, connect_args={"timeout": timeout_s, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # the driver's own BEGIN would be deferred: ours says which lock
        cursor = dbapi.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creating it in an empty database), one process at
    a time: a file lock beside an SQLite file, an advisory lock on PostgreSQL."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine.dialect.name == "sqlite" and engine.url.database:
        from filelock import FileLock

        with FileLock(f"{engine.url.database}.migrate.lock"):
            _upgrade(engine, config, command)
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(727001)")  # released with the session
        try:
            _upgrade(engine, config, command)
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(727001)")
            conn.commit()


def _upgrade(engine: Engine, config: Any, command: Any) -> None:
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        tables = set(inspect_db(conn).get_table_names())
        if "conversations" in tables and "alembic_version" not in tables:
            command.stamp(config, UNVERSIONED)  # made by the store before its schema had versions
        command.upgrade(config, "head")
