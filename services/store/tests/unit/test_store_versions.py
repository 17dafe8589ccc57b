"""Which version of an article wins: later fetch first, then higher processing version (hand-written)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_store.versions import ArticleVersion, Verdict, verdict, waits_for_extraction, writes_rows

from tests.support.factories import make_clean_article

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stored", "incoming", "expected"),
    [
        (None, ArticleVersion(MONDAY), Verdict.NEW),
        (None, ArticleVersion(MONDAY, 4), Verdict.NEW),  # first stored by a reprocess (dead-lettered before)
        (ArticleVersion(MONDAY), ArticleVersion(MONDAY), Verdict.SAME),  # redelivery / extraction after clean
        (ArticleVersion(MONDAY), ArticleVersion(MONDAY, 1), Verdict.NEWER),  # first reprocess
        (ArticleVersion(MONDAY, 1), ArticleVersion(MONDAY, 3), Verdict.NEWER),  # versions may skip
        (ArticleVersion(MONDAY, 3), ArticleVersion(MONDAY, 3), Verdict.SAME),  # redelivered reprocess
        (ArticleVersion(MONDAY, 3), ArticleVersion(MONDAY, 2), Verdict.OLDER),  # an older run, late
        (ArticleVersion(MONDAY, 3), ArticleVersion(MONDAY), Verdict.OLDER),  # the first processing, late
        (ArticleVersion(MONDAY, 3), ArticleVersion(TUESDAY), Verdict.NEWER),  # a new fetch beats any run
        (ArticleVersion(TUESDAY), ArticleVersion(MONDAY, 9), Verdict.OLDER),  # a run of the old fetch
        (ArticleVersion(TUESDAY, 1), ArticleVersion(TUESDAY, 2), Verdict.NEWER),
    ],
)
def test_verdict(stored: ArticleVersion | None, incoming: ArticleVersion, expected: Verdict) -> None:
    assert verdict(stored, incoming) is expected


@pytest.mark.parametrize(
    ("found", "written"),
    [(Verdict.NEW, True), (Verdict.NEWER, True), (Verdict.SAME, False), (Verdict.OLDER, False)],
)
def test_only_a_new_or_newer_version_writes_rows(found: Verdict, written: bool) -> None:
    assert writes_rows(found) is written


@pytest.mark.parametrize(
    ("processing_version", "version", "waits"),
    [(None, ArticleVersion(MONDAY, 0), False), (1, ArticleVersion(MONDAY, 1), True)],
)
def test_the_version_of_a_clean_article(
    processing_version: int | None, version: ArticleVersion, waits: bool
) -> None:
    article = make_clean_article(fetched_at=MONDAY, processing_version=processing_version)
    assert ArticleVersion.of(article) == version
    assert waits_for_extraction(article) is waits
