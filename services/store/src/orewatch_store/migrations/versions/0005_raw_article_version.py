"""raw article version: the fetcher's count of versions of one seeds path

A file edited A -> B -> A is three versions, and the version is part of the message
id, so JetStream's dedup window no longer swallows the third. NULL for feed entries
and for rows stored before this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("raw_articles", sa.Column("version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("raw_articles", "version")
