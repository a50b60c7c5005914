"""Alembic's entry: migrations run on the connection :func:`rag.conversation_db.migrate` gives."""

from alembic import context

from rag.conversation_db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
