"""An index on feedback's date: `rag feedback list/export` read every rating in that order.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_index("feedback_created", "feedback", ["created"])


def downgrade() -> None:
    op.drop_index("feedback_created", "feedback")
