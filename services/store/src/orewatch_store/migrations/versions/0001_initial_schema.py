"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Parents before the tables that refer to them, then the indexes of the joins."""
    _create_actors()
    _create_articles()
    _create_dead_letters()
    _create_minerals()
    _create_raw_articles()
    _create_actor_aliases()
    _create_article_actors()
    _create_article_minerals()
    _create_article_removals()
    _create_statements()
    _create_statement_actors()
    _create_statement_minerals()
    _create_indexes()


def _create_actors() -> None:
    op.create_table(
        "actors",
        sa.Column("actor_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column(
            "first_stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("actor_id"),
        sa.UniqueConstraint("name", "type", name="uq_actors_name_type"),
    )


def _create_articles() -> None:
    op.create_table(
        "articles",
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("source_kind", sa.Text(), nullable=False),
        sa.Column("source_uri", sa.Text(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw_sha256", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extractor_version", sa.Text(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("article_id"),
    )


def _create_dead_letters() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("dead_letter_id", sa.Text(), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("source_uri", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_size", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("dead_letter_id"),
    )


def _create_minerals() -> None:
    op.create_table(
        "minerals",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def _create_raw_articles() -> None:
    op.create_table(
        "raw_articles",
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("source_kind", sa.Text(), nullable=False),
        sa.Column("source_uri", sa.Text(), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("encoding", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.Text(), nullable=False),
        sa.Column("title_hint", sa.Text(), nullable=True),
        sa.Column("published_hint", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author_hint", sa.Text(), nullable=True),
        sa.Column("feed_url", sa.Text(), nullable=True),
        sa.Column("is_feed_summary", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("article_id"),
    )


def _create_actor_aliases() -> None:
    op.create_table(
        "actor_aliases",
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.actor_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("actor_id", "alias"),
    )


def _create_article_actors() -> None:
    op.create_table(
        "article_actors",
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("aliases", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.actor_id"],
        ),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "actor_id"),
    )


def _create_article_minerals() -> None:
    op.create_table(
        "article_minerals",
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("mineral_key", sa.Text(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("forms", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["mineral_key"],
            ["minerals.key"],
        ),
        sa.PrimaryKeyConstraint("article_id", "mineral_key"),
    )


def _create_article_removals() -> None:
    op.create_table(
        "article_removals",
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "position"),
    )


def _create_statements() -> None:
    op.create_table(
        "statements",
        sa.Column("statement_id", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("speaker_actor_id", sa.BigInteger(), nullable=True),
        sa.Column("verb", sa.Text(), nullable=True),
        sa.Column("is_quote", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["speaker_actor_id"],
            ["actors.actor_id"],
        ),
        sa.PrimaryKeyConstraint("statement_id"),
        sa.UniqueConstraint("article_id", "position", name="uq_statements_article_position"),
    )


def _create_statement_actors() -> None:
    op.create_table(
        "statement_actors",
        sa.Column("statement_id", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.actor_id"],
        ),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.statement_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("statement_id", "actor_id"),
    )


def _create_statement_minerals() -> None:
    op.create_table(
        "statement_minerals",
        sa.Column("statement_id", sa.Text(), nullable=False),
        sa.Column("mineral_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mineral_key"],
            ["minerals.key"],
        ),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.statement_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("statement_id", "mineral_key"),
    )


def _create_indexes() -> None:
    op.create_index("ix_statements_article_id", "statements", ["article_id"])
    op.create_index("ix_statements_speaker_actor_id", "statements", ["speaker_actor_id"])
    op.create_index("ix_article_actors_actor_id", "article_actors", ["actor_id"])
    op.create_index("ix_statement_actors_actor_id", "statement_actors", ["actor_id"])
    op.create_index("ix_statement_minerals_mineral_key", "statement_minerals", ["mineral_key"])
    op.create_index("ix_dead_letters_service", "dead_letters", ["service", "stored_at"])


def downgrade() -> None:
    op.drop_table("statement_minerals")
    op.drop_table("statement_actors")
    op.drop_table("statements")
    op.drop_table("article_removals")
    op.drop_table("article_minerals")
    op.drop_table("article_actors")
    op.drop_table("actor_aliases")
    op.drop_table("raw_articles")
    op.drop_table("minerals")
    op.drop_table("dead_letters")
    op.drop_table("articles")
    op.drop_table("actors")
