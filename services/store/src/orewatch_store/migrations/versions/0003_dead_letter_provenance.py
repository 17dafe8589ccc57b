"""dead letter provenance: the failed message's stream sequence and error class

A dead letter names the JetStream stream sequence of the message that failed and the
type of its error. One message is one dead letter: the unique index on (subject,
stream_sequence) keeps the max-deliveries advisory from adding a second row for a
message its service already dead-lettered.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dead_letters", sa.Column("stream_sequence", sa.BigInteger(), nullable=True))
    op.add_column("dead_letters", sa.Column("error_class", sa.Text(), nullable=True))
    op.create_index(
        "uq_dead_letters_subject_sequence",
        "dead_letters",
        ["subject", "stream_sequence"],
        unique=True,
        postgresql_where=sa.text("stream_sequence IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_dead_letters_subject_sequence", table_name="dead_letters")
    op.drop_column("dead_letters", "error_class")
    op.drop_column("dead_letters", "stream_sequence")
