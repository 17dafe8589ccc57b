"""One Extractor per test session: loading the natasha models takes seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from orewatch_common.contracts import CleanArticle, ExtractedArticle, SourceKind
from orewatch_extractor.core import Extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="session")
def extract(extractor: Extractor) -> Callable[..., ExtractedArticle]:
    def run(body: str, title: str | None = None, published_at: datetime | None = None) -> ExtractedArticle:
        article = CleanArticle(
            article_id="a" * 32,
            source_kind=SourceKind.FILE,
            source_uri="test.txt",
            source_name="tests",
            fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
            raw_sha256="0" * 64,
            title=title,
            published_at=published_at,
            body=body,
        )
        return extractor.extract(article)

    return run


def _speaker_of(extraction: ExtractedArticle, needle: str) -> str | None:
    """The canonical name of the speaker of the one statement holding `needle`: the name the
    store and the views show (None when the statement has no speaker)."""
    [statement] = [s for s in extraction.statements if needle in s.text]
    if statement.speaker is None:
        return None
    [actor] = [
        a for a in extraction.actors if (a.name, a.type) == (statement.speaker.name, statement.speaker.type)
    ]
    return actor.canonical_name


@pytest.fixture(scope="session")
def speaker_of() -> Callable[[ExtractedArticle, str], str | None]:
    return _speaker_of
