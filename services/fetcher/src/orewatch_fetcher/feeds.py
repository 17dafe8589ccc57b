"""Feeds as data: which feeds to poll and how often, and feed entries -> RawArticle.

Configuration, one feed per item:

* `OREWATCH_FEEDS`: comma-separated, an interval after a bar: `https://a/rss|60,https://b/atom`;
* the feeds file (`OREWATCH_FEEDS_FILE`): one feed a line, `#` starts a comment (at the
  start of a line or after a space), an interval as `interval=60`: `https://a/rss interval=5m`.

Both forms are accepted in both places. An interval is seconds, or a number with
`s`, `m` or `h`; feeds without one use `OREWATCH_FEED_INTERVAL_S` (5 minutes).

Pure functions only; fetching and the polling loop live in `http_client.py` and `poller.py`.
"""

from __future__ import annotations

import calendar
import codecs
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
from orewatch_common.contracts import ContentType, RawArticle, SourceKind, article_id_for, sha256_hex

from orewatch_fetcher.decoding import decode_document

MIN_INTERVAL_S = 1.0
_INTERVAL = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?$", re.IGNORECASE)
_UNIT_S = {None: 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_ABSOLUTE_URI = re.compile(r"^[a-z][a-z0-9+.\-]*:\S", re.IGNORECASE)
_COMMENT = re.compile(r"(^|\s)#.*$")
_TRACKING_PARAM = re.compile(r"^(utm_\w+|fbclid|gclid|yclid|_openstat)$", re.IGNORECASE)


class BadFeedConfig(ValueError):
    """A feed line that cannot be understood; the message says which and why."""


class MalformedFeed(ValueError):
    """Bytes that are not an RSS or Atom feed with entries; the message is the reason."""


@dataclass(frozen=True)
class FeedSpec:
    url: str
    interval_s: float


def parse_interval(text: str) -> float:
    """'60' / '60s' / '5m' / '1h' -> seconds (at least MIN_INTERVAL_S)."""
    match = _INTERVAL.match(text.strip())
    if not match:
        raise BadFeedConfig(f"interval {text!r} is not a number of seconds, or a number with s, m or h")
    seconds = float(match.group(1)) * _UNIT_S[match.group(2).lower() if match.group(2) else None]
    return max(seconds, MIN_INTERVAL_S)


def parse_feed_line(line: str, default_interval_s: float) -> FeedSpec | None:
    """One configured feed, or None for a blank or comment line."""
    text = _COMMENT.sub("", line).strip()
    if not text:
        return None
    url, interval = text, None
    if "|" in text:
        url, interval = (part.strip() for part in text.rsplit("|", 1))
    else:
        words = text.split()
        url = words[0]
        for word in words[1:]:
            key, sep, value = word.partition("=")
            if not sep or key.lower() != "interval":
                raise BadFeedConfig(
                    f"feed line {line.strip()!r}: unknown option {word!r} (expected interval=N)"
                )
            interval = value
    if not re.match(r"^https?://", url, re.IGNORECASE):
        raise BadFeedConfig(f"feed line {line.strip()!r}: {url!r} is not an http(s) URL")
    try:
        interval_s = parse_interval(interval) if interval else default_interval_s
    except BadFeedConfig as exc:
        raise BadFeedConfig(f"feed line {line.strip()!r}: {exc}") from exc
    return FeedSpec(url=url, interval_s=interval_s)


def feed_specs(
    feeds: str, feeds_file: Path | None, default_interval_s: float
) -> tuple[list[FeedSpec], list[str]]:
    """Feeds from OREWATCH_FEEDS and the feeds file, first mention wins; plus the lines refused."""
    lines = feeds.split(",")
    if feeds_file is not None and feeds_file.exists():
        lines += feeds_file.read_text(encoding="utf-8-sig").splitlines()
    specs: dict[str, FeedSpec] = {}
    problems: list[str] = []
    for line in lines:
        try:
            spec = parse_feed_line(line, default_interval_s)
        except BadFeedConfig as exc:
            problems.append(str(exc))
            continue
        if spec and spec.url not in specs:
            specs[spec.url] = spec
    return list(specs.values()), problems


def canonical_url(url: str) -> str:
    """The same article behind cosmetic URL differences: host case, default port, fragment, utm_*."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAM.match(k)]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@dataclass(frozen=True)
class FeedEntry:
    """What the fetcher keeps of a feed entry: enough to fetch its page, or publish it alone."""

    key: str
    feed_url: str
    source_name: str
    entry_id: str | None = None
    link: str | None = None
    title: str | None = None
    published: str | None = None
    author: str | None = None
    content: str | None = None
    content_is_html: bool = False
    encoding: str = "utf-8"

    @property
    def published_at(self) -> datetime | None:
        return datetime.fromisoformat(self.published) if self.published else None

    @property
    def source_uri(self) -> str:
        if self.link:
            return self.link
        return self.entry_id or f"{self.feed_url}#{self.key[:16]}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeedEntry:
        return cls(**data)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    encoding: str
    entries: list[FeedEntry]
    warning: str | None = None


def parse_feed(
    data: bytes,
    *,
    feed_url: str,
    source_name: str | None = None,
    base_url: str | None = None,
    content_type: str | None = None,
) -> ParsedFeed:
    """RSS 0.9x/1.0/2.0 or Atom bytes -> entries, oldest first; raise MalformedFeed when none.

    feedparser finds the encoding (XML declaration, BOM, HTTP charset) and, for a
    feed that is not well-formed, falls back to a lenient parser: entries it can
    still read are kept, with the problem as `warning`.
    """
    headers = {"content-location": base_url or feed_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}" if parsed.bozo else None
    if not parsed.get("version") and not parsed.entries:
        raise MalformedFeed(f"not an RSS or Atom feed ({problem or 'no feed element'})")
    encoding = _codec_name(str(parsed.get("encoding") or "utf-8"))
    name = source_name or host_of(feed_url) or feed_url
    entries = [e for e in (_entry(raw, feed_url, name, encoding) for raw in parsed.entries) if e]
    if not entries and parsed.bozo:
        raise MalformedFeed(f"feed has no readable entries ({problem})")
    entries.reverse()  # feeds list newest first; publish in the order things happened
    title = parsed.feed.get("title") or None
    return ParsedFeed(title=title, encoding=encoding, entries=entries, warning=problem)


def _codec_name(encoding: str) -> str:
    """'windows-1251' -> 'cp1251': the same names as seeds files get from `decoding`."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()


def _entry(raw: Any, feed_url: str, source_name: str, encoding: str) -> FeedEntry | None:
    link = _link(raw)
    entry_id = (raw.get("id") or "").strip() or None
    if entry_id and not _ABSOLUTE_URI.match(entry_id):
        entry_id = f"{feed_url}#{entry_id}"  # a bare guid ("12345") is unique only within its feed
    content, is_html = _body(raw)
    title = (raw.get("title") or "").strip() or None
    if not (link or entry_id or content or title):
        return None
    identity = entry_id or link or sha256_hex(title or "", content or "")
    return FeedEntry(
        key=sha256_hex(identity),
        feed_url=feed_url,
        source_name=host_of(link) if link else source_name,
        entry_id=entry_id,
        link=link,
        title=title,
        published=_when(raw),
        author=(raw.get("author") or "").strip() or None,
        content=content,
        content_is_html=is_html,
        encoding=encoding,
    )


def _link(raw: Any) -> str | None:
    candidates = [raw.get("link")] + [
        link.get("href") for link in raw.get("links", []) if link.get("rel", "alternate") == "alternate"
    ]
    for candidate in candidates:
        if candidate and re.match(r"^https?://", candidate.strip(), re.IGNORECASE):
            return canonical_url(candidate)
    return None


def _body(raw: Any) -> tuple[str | None, bool]:
    """The entry's full content if it has some, else its summary; and whether it is HTML."""
    options = [(c.get("value") or "", c.get("type") or "") for c in raw.get("content", [])]
    detail = raw.get("summary_detail") or {}
    options.append((raw.get("summary") or "", detail.get("type") or "text/html"))
    value, media = max(options, key=lambda option: len(option[0].strip()))
    if not value.strip():
        return None, False
    return value.strip(), "html" in media


def _when(raw: Any) -> str | None:
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()


def _article(entry: FeedEntry, **fields: Any) -> RawArticle:
    return RawArticle(
        article_id=article_id_for(SourceKind.FEED, entry.source_uri),
        source_kind=SourceKind.FEED,
        source_uri=entry.source_uri,
        source_name=entry.source_name,
        fetched_at=datetime.now(UTC),
        content_sha256=sha256_hex(fields["content"]),
        url=entry.link,
        title_hint=entry.title,
        published_hint=entry.published_at,
        author_hint=entry.author,
        feed_url=entry.feed_url,
        **fields,
    )


def article_from_page(entry: FeedEntry, page: bytes, http_charset: str | None = None) -> RawArticle:
    """The entry's page as HTML; raises UndecodableDocument when the page is not text."""
    decoded = decode_document(page, http_charset)
    return _article(entry, content_type=ContentType.HTML, content=decoded.text, encoding=decoded.encoding)


def article_from_summary(entry: FeedEntry) -> RawArticle | None:
    """The entry's own content or summary (`is_feed_summary`), or None when it has neither."""
    if not entry.content:
        return None
    return _article(
        entry,
        content_type=ContentType.HTML if entry.content_is_html else ContentType.TEXT,
        content=entry.content,
        encoding=entry.encoding,
        is_feed_summary=True,
    )


def entry_summary_json(entry: FeedEntry) -> str:
    """The entry as JSON, the payload of a dead letter about it."""
    return json.dumps(entry.to_json(), ensure_ascii=False)
