"""Main text and metadata of an HTML page, via trafilatura.

trafilatura drops navigation, comments and most link lists; what it keeps still carries
text-level tails ("Читайте также: …", subscribe prompts), so its output goes through the
same rules as a plain-text article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orewatch_cleaner.metadata import parse_date, without_author_label
from orewatch_cleaner.sentences import blank_to_none

_WHOLE_PAGE = re.compile(r"<(?:html|body)[\s>]", re.IGNORECASE)
# "20250212T1405": ISO 8601's basic format in a publication meta tag (RIA Novosti writes it so),
# which trafilatura reads as the day alone.
_BASIC_FORMAT_META = re.compile(
    r"<meta\b(?=[^>]*\b(?:property|name|itemprop)=[\"'](?:article:published_time|og:published_time|"
    r"datePublished|pubdate)[\"'])[^>]*\bcontent=[\"'](\d{8}T\d{4}(?:\d{2})?)[\"']",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PageText:
    """What trafilatura found on a page: paragraphs one per line, and its metadata."""

    text: str
    title: str | None
    published: datetime | None
    author: str | None


def extract_page(html: str, url: str | None = None) -> PageText:
    """Main text of a page with its title, date and author; empty text when nothing was found."""
    if not _WHOLE_PAGE.search(html):
        html = f"<html><body>{html}</body></html>"  # a feed's summary is a fragment
    document = _extract(html, url, favor_recall=False)
    if document is None or not (getattr(document, "text", None) or "").strip():
        document = _extract(html, url, favor_recall=True)  # thin pages: try harder
    if document is None:
        return PageText(text="", title=None, published=None, author=None)
    date_text = getattr(document, "date", None)
    author = blank_to_none(getattr(document, "author", None))
    return PageText(
        text=getattr(document, "text", None) or "",
        title=blank_to_none(getattr(document, "title", None)),
        published=_with_basic_format_time(parse_date(date_text) if date_text else None, html),
        author=without_author_label(author) if author else None,
    )


def _with_basic_format_time(published: datetime | None, html: str) -> datetime | None:
    """The time of a basic-format meta date, where trafilatura kept only its day."""
    found = _BASIC_FORMAT_META.search(html)
    if found is None:
        return published
    digits = found.group(1)
    exact = datetime.strptime(digits, "%Y%m%dT%H%M%S" if len(digits) == 15 else "%Y%m%dT%H%M")
    if published is None or (published.time() == datetime.min.time() and published.date() == exact.date()):
        return exact
    return published


def _extract(html: str, url: str | None, favor_recall: bool) -> Any:
    import trafilatura  # imported on first use: plain-text articles never need it

    return trafilatura.bare_extraction(
        html,
        url=url,
        favor_recall=favor_recall,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        deduplicate=False,
        # markup only (meta tags, JSON-LD, <time>): a free-text search could pick a teaser's date
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",  # the offset, where the markup gives one
        },
    )
