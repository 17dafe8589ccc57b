"""SQLAlchemy 2 models of the store's tables.

The schema itself is created only by the Alembic migrations; these models mirror
it for the store's writes, and a test checks that the two agree. Analysts read
the views (v_articles, v_statements, v_actor_minerals) described in the README.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RawArticleRow(Base):
    """Every document as fetched, so articles can be re-cleaned and re-extracted later."""

    __tablename__ = "raw_articles"

    article_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_kind: Mapped[str] = mapped_column(Text)
    source_uri: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content_type: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(Text)
    title_hint: Mapped[str | None] = mapped_column(Text)
    published_hint: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    author_hint: Mapped[str | None] = mapped_column(Text)
    feed_url: Mapped[str | None] = mapped_column(Text)
    is_feed_summary: Mapped[bool] = mapped_column(Boolean, server_default="false")
    version: Mapped[int | None] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ArticleRow(Base):
    """The clean article: one row per article id, replaced when the source changes."""

    __tablename__ = "articles"

    article_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source_kind: Mapped[str] = mapped_column(Text)
    source_uri: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raw_sha256: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    author: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # ISO 639-1 code from the cleaner (clean.article version 2); NULL when stored before it
    language: Mapped[str | None] = mapped_column(Text)
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    extractor_version: Mapped[str | None] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # which run of the cleaner and extractor its rows are of: 0 as first processed, else a
    # reprocess_runs row (migration 0006)
    processing_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class ReprocessRunRow(Base):
    """One `orewatch reprocess`: its identity is the processing version it sends articles under."""

    __tablename__ = "reprocess_runs"

    processing_version: Mapped[int] = mapped_column(Integer, Identity(always=True, start=1), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    selection: Mapped[str] = mapped_column(Text)
    articles: Mapped[int] = mapped_column(Integer)


class ArticleVersionRow(Base):
    """Every version of an article the store has had: the current one (`replaced_at` NULL) and
    the ones a newer fetch or processing version replaced, with their provenance."""

    __tablename__ = "article_versions"
    __table_args__ = (Index("ix_article_versions_processing_version", "processing_version", "article_id"),)

    article_id: Mapped[str] = mapped_column(
        Text, ForeignKey("articles.article_id", ondelete="CASCADE"), primary_key=True
    )
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    processing_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_sha256: Mapped[str] = mapped_column(Text)
    extractor_version: Mapped[str | None] = mapped_column(Text)
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RemovalRow(Base):
    """The cleaner's audit trail: what was cut from an article and why."""

    __tablename__ = "article_removals"

    article_id: Mapped[str] = mapped_column(
        Text, ForeignKey("articles.article_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class ActorRow(Base):
    """One row per canonical actor across all articles."""

    __tablename__ = "actors"
    __table_args__ = (UniqueConstraint("name", "type", name="uq_actors_name_type"),)

    actor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    first_stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ActorAliasRow(Base):
    __tablename__ = "actor_aliases"

    actor_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("actors.actor_id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(Text, primary_key=True)


class ArticleActorRow(Base):
    __tablename__ = "article_actors"
    __table_args__ = (Index("ix_article_actors_actor_id", "actor_id"),)

    article_id: Mapped[str] = mapped_column(
        Text, ForeignKey("articles.article_id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("actors.actor_id"), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class MineralRow(Base):
    """Gazetteer concepts seen so far (key, Russian name, category)."""

    __tablename__ = "minerals"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)


class ArticleMineralRow(Base):
    __tablename__ = "article_minerals"

    article_id: Mapped[str] = mapped_column(
        Text, ForeignKey("articles.article_id", ondelete="CASCADE"), primary_key=True
    )
    mineral_key: Mapped[str] = mapped_column(Text, ForeignKey("minerals.key"), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    forms: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class StatementRow(Base):
    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("article_id", "position", name="uq_statements_article_position"),
        Index("ix_statements_article_id", "article_id"),
        Index("ix_statements_speaker_actor_id", "speaker_actor_id"),
    )

    statement_id: Mapped[str] = mapped_column(Text, primary_key=True)
    article_id: Mapped[str] = mapped_column(Text, ForeignKey("articles.article_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    speaker_actor_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("actors.actor_id"))
    verb: Mapped[str | None] = mapped_column(Text)
    is_quote: Mapped[bool] = mapped_column(Boolean)


class StatementActorRow(Base):
    __tablename__ = "statement_actors"
    __table_args__ = (Index("ix_statement_actors_actor_id", "actor_id"),)

    statement_id: Mapped[str] = mapped_column(
        Text, ForeignKey("statements.statement_id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("actors.actor_id"), primary_key=True)


class StatementMineralRow(Base):
    __tablename__ = "statement_minerals"
    __table_args__ = (Index("ix_statement_minerals_mineral_key", "mineral_key"),)

    statement_id: Mapped[str] = mapped_column(
        Text, ForeignKey("statements.statement_id", ondelete="CASCADE"), primary_key=True
    )
    mineral_key: Mapped[str] = mapped_column(Text, ForeignKey("minerals.key"), primary_key=True)


class DeadLetterRow(Base):
    """Inputs a service gave up on, with the reason; nothing is dropped silently."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        Index("ix_dead_letters_service", "service", "stored_at"),
        # one message, one dead letter (the service's or the max-deliveries advisory's)
        Index(
            "uq_dead_letters_subject_sequence",
            "subject",
            "stream_sequence",
            unique=True,
            postgresql_where=text("stream_sequence IS NOT NULL"),
        ),
    )

    dead_letter_id: Mapped[str] = mapped_column(Text, primary_key=True)
    service: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    source_uri: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    payload_size: Mapped[int] = mapped_column(Integer)
    deliveries: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    stream_sequence: Mapped[int | None] = mapped_column(BigInteger)
    error_class: Mapped[str | None] = mapped_column(Text)
