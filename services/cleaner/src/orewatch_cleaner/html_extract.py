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

from orewatch_cleaner.metadata import (
    DATE,
    ZONE_MARK,
    byline_parts,
    parse_date,
    with_printed_zone,
    without_author_label,
)
from orewatch_cleaner.sentences import blank_to_none
from orewatch_cleaner.thresholds import thresholds

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


def extract_page(html: str, url: str | None = None, fetched_at: datetime | None = None) -> PageText:
    """Main text of a page with its title, date and author; empty text when nothing was found.

    Without a date in the markup, the date printed beside the headline is taken
    ("10:32, 5 марта 2025" above the <h1>); `fetched_at` anchors "вчера, 21:40".
    """
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
        published=_with_printed_time(
            _with_basic_format_time(parse_date(date_text) if date_text else None, html), html, fetched_at
        ),
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


def _with_printed_time(published: datetime | None, html: str, fetched_at: datetime | None) -> datetime | None:
    """A markup date with its offset; else the date printed by the headline, which is the
    article's own, where a zoneless markup date may be a day alone or a teaser's <time>."""
    if published is not None and published.tzinfo is not None:
        return published  # meta tags and JSON-LD with their offset
    printed = printed_header_date(html, fetched_at)
    return printed or published


_PAGE = thresholds().page
_DATE_FURNITURE = " ,.|·•—–-/()"


def printed_header_date(html: str, fetched_at: datetime | None = None) -> datetime | None:
    """The date printed beside the page's <h1>, as its own text: the headline's date, not a
    teaser's (teasers sit in lists far from the headline, each under its own title)."""
    import lxml.html  # imported on first use, like trafilatura: plain-text articles never need it

    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    headline = next(iter(root.iter("h1")), None)
    if headline is None:
        return None
    for element in _around(headline):
        for piece in element.itertext():
            byline = byline_parts(piece)
            found = DATE.search(piece)
            if byline is not None and byline[1] is not None:
                date_text = byline[1]  # "Автор: Пётр Семёнов | 31.03.2025, 18:28"
            elif (
                found is not None
                and len(ZONE_MARK.sub("", piece).strip(_DATE_FURNITURE))
                <= len(found.group(0)) + _PAGE.date_furniture_max_chars
            ):
                date_text = found.group(0)
            else:
                continue
            published = with_printed_zone(parse_date(date_text, fetched_at), piece)
            if published is not None:
                return published
    return None


_LISTS = frozenset({"ul", "ol", "nav", "footer", "menu", "table"})


def _around(headline: Any) -> list[Any]:
    """Short siblings of the headline, nearest first, then those of its container. A side
    stops at the article text or at a list: what lies beyond belongs to other stories."""
    out: list[Any] = []
    for element in (headline, headline.getparent()):
        if element is None or element.tag in ("body", "html"):
            break
        sides = [_header_side(element.itersiblings()), _header_side(element.itersiblings(preceding=True))]
        for k in range(_PAGE.header_siblings):
            out += [side[k] for side in sides if k < len(side)]
    return out


def _header_side(siblings: Any) -> list[Any]:
    side: list[Any] = []
    for sibling in siblings:
        if not isinstance(sibling.tag, str):
            continue
        if (
            sibling.tag in _LISTS
            or len(sibling.text_content()) > _PAGE.header_text_max_chars
            or len(side) == _PAGE.header_siblings
        ):
            break
        side.append(sibling)
    return side


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
