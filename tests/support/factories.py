"""Factories for the message contracts, one per model, shared by every test layer.

Each takes the fields a test cares about and fills the rest with valid, fixed values,
so a test says only what it is about and a new required field is added in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orewatch_common.contracts import (
    CleanArticle,
    ContentType,
    ExtractedArticle,
    RawArticle,
    SourceKind,
    article_id_for,
    sha256_hex,
)

FETCHED_AT = datetime(2026, 11, 1, tzinfo=UTC)
TEXT = "Текст статьи."


def make_raw_article(
    content: str = TEXT,
    *,
    source_kind: SourceKind = SourceKind.FILE,
    source_uri: str = "article.txt",
    source_name: str = "seeds",
    fetched_at: datetime = FETCHED_AT,
    content_type: ContentType = ContentType.TEXT,
    encoding: str = "utf-8",
    article_id: str | None = None,
    content_sha256: str | None = None,
    **fields: Any,
) -> RawArticle:
    """A fetched document; its id and hash follow from its source and content unless given."""
    return RawArticle(
        article_id=article_id or article_id_for(source_kind, source_uri),
        source_kind=source_kind,
        source_uri=source_uri,
        source_name=source_name,
        fetched_at=fetched_at,
        content_type=content_type,
        content=content,
        encoding=encoding,
        content_sha256=content_sha256 or sha256_hex(content),
        **fields,
    )


def make_clean_article(
    body: str = TEXT,
    *,
    source_kind: SourceKind = SourceKind.FILE,
    source_uri: str = "article.txt",
    source_name: str = "seeds",
    fetched_at: datetime = FETCHED_AT,
    raw_sha256: str = "0" * 64,
    article_id: str | None = None,
    **fields: Any,
) -> CleanArticle:
    """A cleaned article; its id follows from its source unless given."""
    return CleanArticle(
        article_id=article_id or article_id_for(source_kind, source_uri),
        source_kind=source_kind,
        source_uri=source_uri,
        source_name=source_name,
        fetched_at=fetched_at,
        raw_sha256=raw_sha256,
        body=body,
        **fields,
    )


def make_extracted_article(
    article: CleanArticle | None = None,
    *,
    extracted_at: datetime = FETCHED_AT,
    extractor_version: str = "test",
    **fields: Any,
) -> ExtractedArticle:
    """An extraction of `article` (a default clean article), empty unless actors etc. are given."""
    return ExtractedArticle(
        article=article or make_clean_article(),
        extracted_at=extracted_at,
        extractor_version=extractor_version,
        **fields,
    )


def raw_article_for(extraction: ExtractedArticle) -> RawArticle:
    """The raw article an extraction's clean article could have come from (its body as content)."""
    article = extraction.article
    return make_raw_article(
        article.body,
        article_id=article.article_id,
        source_kind=article.source_kind,
        source_uri=article.source_uri,
        source_name=article.source_name,
        fetched_at=article.fetched_at,
        content_sha256=article.raw_sha256,
    )
