"""Which version of an article wins: the pure rule the store's writes follow.

An article is replaced by a later fetch of its source, and, for the same fetch, by a higher
processing version (`orewatch reprocess`). So a version is ordered by (fetched_at,
processing_version), the first processing being version 0. A redelivery carries the stored
version itself and changes nothing; an older version that arrives late is ignored, whatever
order the messages come in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orewatch_common.contracts import CleanArticle

FIRST_PROCESSING = 0  # articles.processing_version of an article as it was first processed


class Verdict(StrEnum):
    """What an incoming version of an article is to the stored one."""

    NEW = "new"  # nothing stored yet: its rows are written
    NEWER = "newer"  # replaces the stored rows, which go to the history
    SAME = "same"  # the stored version itself: a redelivery, or its extraction after its clean article
    OLDER = "older"  # stale: ignored


@dataclass(frozen=True, order=True)
class ArticleVersion:
    """Where one version of an article stands: later fetches first, then higher processing versions."""

    fetched_at: datetime
    processing_version: int = FIRST_PROCESSING

    @classmethod
    def of(cls, article: CleanArticle) -> ArticleVersion:
        return cls(article.fetched_at, article.processing_version or FIRST_PROCESSING)


def verdict(stored: ArticleVersion | None, incoming: ArticleVersion) -> Verdict:
    """The incoming version against the stored one (None: no row yet)."""
    if stored is None:
        return Verdict.NEW
    if incoming > stored:
        return Verdict.NEWER
    if incoming == stored:
        return Verdict.SAME
    return Verdict.OLDER


def writes_rows(found: Verdict) -> bool:
    """Whether the article's clean rows are (re)written: a new or newer version only."""
    return found in (Verdict.NEW, Verdict.NEWER)


def waits_for_extraction(article: CleanArticle) -> bool:
    """A reprocessed clean.article is not stored on its own: its extraction carries it whole and
    replaces the clean and extraction rows in one transaction, so no reader sees the body of one
    version with the statements of another, and an extraction that fails leaves the article as
    it was. A first-time clean article is stored at once, as before (its text before its
    statements)."""
    return article.processing_version is not None
