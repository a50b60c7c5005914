"""Conversations, turns and feedback: the schema the store had before it was versioned.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
    )
    op.create_index("conversations_owner", "conversations", ["owner", "updated"])
    for name, columns in (
        ("turns", [sa.Column("question", sa.Text, nullable=False), sa.Column("answer", sa.Text, nullable=False)]),
        ("feedback", [sa.Column("rating", sa.Text, nullable=False), sa.Column("comment", sa.Text, nullable=False)]),
    ):
        op.create_table(
            name,
            sa.Column(
                "conversation_id",
                sa.String(32),
                sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("turn", sa.Integer, primary_key=True, autoincrement=False),
            *columns,
            sa.Column("created", sa.Text, nullable=False),
        )


def downgrade() -> None:
    for name in ("feedback", "turns", "conversations"):
        op.drop_table(name)
