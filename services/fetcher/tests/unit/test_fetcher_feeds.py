"""Feed configuration and feed parsing: intervals, lines, canonical URLs, RSS/Atom in any encoding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from orewatch_common.contracts import ContentType, SourceKind, article_id_for
from orewatch_fetcher.feeds import (
    BadFeedConfig,
    FeedSpec,
    MalformedFeed,
    article_from_page,
    article_from_summary,
    canonical_url,
    feed_specs,
    parse_feed,
    parse_feed_line,
    parse_interval,
)

DEFAULT = 300.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("60", 60.0),
        ("60s", 60.0),
        ("90 sec", 90.0),
        ("5m", 300.0),
        ("2min", 120.0),
        ("1h", 3600.0),
        ("1.5", 1.5),
        ("0", 1.0),
        ("0.2", 1.0),
    ],
)
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5", "5d", "m5"])
def test_parse_interval_refuses(text: str) -> None:
    with pytest.raises(BadFeedConfig):
        parse_interval(text)


@pytest.mark.parametrize(
    ("line", "spec"),
    [
        ("https://lenta.ru/rss", FeedSpec("https://lenta.ru/rss", DEFAULT)),
        ("  https://lenta.ru/rss  ", FeedSpec("https://lenta.ru/rss", DEFAULT)),
        ("https://lenta.ru/rss interval=60", FeedSpec("https://lenta.ru/rss", 60.0)),
        ("https://lenta.ru/rss interval=10m # news", FeedSpec("https://lenta.ru/rss", 600.0)),
        ("https://lenta.ru/rss|60", FeedSpec("https://lenta.ru/rss", 60.0)),
        ("https://lenta.ru/rss | 2m", FeedSpec("https://lenta.ru/rss", 120.0)),
        ("https://x.ru/a#frag interval=5", FeedSpec("https://x.ru/a#frag", 5.0)),
        ("# a comment", None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_feed_line(line: str, spec: FeedSpec | None) -> None:
    assert parse_feed_line(line, DEFAULT) == spec


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("lenta.ru/rss", "not an http"),
        ("file:///etc/passwd", "not an http"),
        ("https://lenta.ru/rss every=60", "unknown option"),
        ("https://lenta.ru/rss|often", "interval"),
    ],
)
def test_parse_feed_line_refuses(line: str, reason: str) -> None:
    with pytest.raises(BadFeedConfig, match=reason):
        parse_feed_line(line, DEFAULT)


def test_feed_specs_from_env_and_file(tmp_path: Path) -> None:
    feeds_file = tmp_path / "feeds.txt"
    feeds_file.write_text(
        "# feeds\nhttps://b.ru/rss interval=60\n\nhttps://a.ru/rss   # again, ignored\nnot a url\n",
        encoding="utf-8",
    )
    specs, problems = feed_specs("https://a.ru/rss|30, https://c.ru/atom", feeds_file, DEFAULT)
    assert specs == [
        FeedSpec("https://a.ru/rss", 30.0),
        FeedSpec("https://c.ru/atom", DEFAULT),
        FeedSpec("https://b.ru/rss", 60.0),
    ]
    assert len(problems) == 1 and "not a url" in problems[0]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Lenta.RU/news/1/", "https://lenta.ru/news/1/"),
        ("https://lenta.ru:443/news/1#comments", "https://lenta.ru/news/1"),
        ("http://lenta.ru:80", "http://lenta.ru/"),
        ("http://lenta.ru:8080/a", "http://lenta.ru:8080/a"),
        ("https://ria.ru/a?utm_source=rss&utm_medium=x&id=5", "https://ria.ru/a?id=5"),
        ("https://ria.ru/a?id=5&yclid=1&fbclid=2", "https://ria.ru/a?id=5"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


RSS20 = """<?xml version="1.0" encoding="{enc}"?>
<rss version="2.0"><channel><title>Новости</title><link>https://news.example/</link>
<item><title>Второе</title><link>https://news.example/2?utm_source=rss</link><guid>n-2</guid>
 <pubDate>Tue, 01 Apr 2025 09:00:00 +0300</pubDate><author>ivanov@news.example (Иван Иванов)</author>
 <description>&lt;p&gt;Краткое &lt;b&gt;описание&lt;/b&gt;&lt;/p&gt;</description></item>
<item><title>Первое</title><link>https://news.example/1</link><guid>n-1</guid>
 <pubDate>Mon, 31 Mar 2025 18:28:00 GMT</pubDate><description>Министр заявил о металлах.</description></item>
</channel></rss>"""

RSS10 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/a"><title>Статья</title><link>https://rdf.example/a</link>
 <description>Текст статьи.</description><dc:date>2025-03-31T10:00:00Z</dc:date>
 <dc:creator>Петров</dc:creator></item>
</rdf:RDF>"""

RSS091 = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="0.91"><channel><title>Старый</title><link>http://old.example/</link>
<description>x</description><language>ru</language>
<item><title>Заметка</title><link>http://old.example/n/1</link>
<description>Старая заметка о нефти.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Атом</title><id>urn:feed</id>
<link href="https://atom.example/"/><updated>2025-04-01T10:00:00Z</updated>
<entry><title>Запись</title><id>urn:uuid:1</id><link rel="alternate" href="/posts/1"/>
 <link rel="enclosure" href="https://atom.example/pic.jpg"/>
 <updated>2025-04-01T10:00:00+03:00</updated><author><name>Сидорова</name></author>
 <summary>Кратко.</summary>
 <content type="html">&lt;p&gt;Полный текст записи о литии.&lt;/p&gt;</content></entry>
<entry><title>Без ссылки</title><id>urn:uuid:2</id><updated>2025-04-01T11:00:00Z</updated>
 <content type="text">Только текст.</content></entry>
</feed>"""


def test_rss20_entries_oldest_first_with_metadata() -> None:
    feed = parse_feed(RSS20.format(enc="utf-8").encode(), feed_url="https://news.example/rss")
    assert feed.title == "Новости"
    assert [e.title for e in feed.entries] == ["Первое", "Второе"]
    first, second = feed.entries
    assert (first.link, first.source_name) == ("https://news.example/1", "news.example")
    assert first.entry_id == "https://news.example/n-1"  # feedparser resolves a permalink guid
    assert first.published_at == datetime(2025, 3, 31, 18, 28, tzinfo=UTC)
    assert second.published_at == datetime(2025, 4, 1, 6, 0, tzinfo=UTC)
    assert second.link == "https://news.example/2"  # utm_* dropped
    assert second.author and "Иван Иванов" in second.author
    assert second.content == "<p>Краткое <b>описание</b></p>" and second.content_is_html


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-8", "utf-8"), ("windows-1251", "cp1251"), ("koi8-r", "koi8-r")]
)
def test_declared_encodings(encoding: str, name: str) -> None:
    feed = parse_feed(RSS20.format(enc=encoding).encode(encoding), feed_url="https://news.example/rss")
    assert [e.title for e in feed.entries] == ["Первое", "Второе"]
    assert feed.entries[0].content == "Министр заявил о металлах."
    assert feed.encoding == name
    assert feed.warning is None


def test_rss10_rdf() -> None:
    (entry,) = parse_feed(RSS10.encode(), feed_url="https://rdf.example/rss").entries
    assert (entry.title, entry.link, entry.author) == ("Статья", "https://rdf.example/a", "Петров")
    assert entry.published_at == datetime(2025, 3, 31, 10, 0, tzinfo=UTC)


def test_rss091_cp1251() -> None:
    (entry,) = parse_feed(RSS091.encode("cp1251"), feed_url="http://old.example/rss").entries
    assert (entry.title, entry.content) == ("Заметка", "Старая заметка о нефти.")


def test_atom_relative_links_content_and_entry_without_link() -> None:
    feed = parse_feed(ATOM.encode(), feed_url="https://atom.example/feed")
    second, first = feed.entries  # oldest first: feeds list the newest first
    assert first.link == "https://atom.example/posts/1"
    assert first.content == "<p>Полный текст записи о литии.</p>" and first.content_is_html
    assert (first.author, first.published_at) == ("Сидорова", datetime(2025, 4, 1, 7, 0, tzinfo=UTC))
    assert (second.link, second.source_uri, second.content_is_html) == (None, "urn:uuid:2", False)
    assert second.source_name == "atom.example"


def test_malformed_feed_is_read_leniently() -> None:
    broken = RSS20.format(enc="utf-8").replace("</channel></rss>", "<item><title>Оборван")
    feed = parse_feed(broken.encode(), feed_url="https://news.example/rss")
    assert {"Первое", "Второе"} <= {e.title for e in feed.entries}
    assert feed.warning


@pytest.mark.parametrize(
    "data",
    [b"<html><body><p>Not a feed</p></body></html>", b"just text", b"", b"<rss version='2.0'><channel>"],
)
def test_not_a_feed(data: bytes) -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(data, feed_url="https://x.example/rss")


@pytest.mark.parametrize(
    ("guid", "entry_id"),
    [
        ("12345", "https://f.example/rss#12345"),
        ("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
        ("tag:lenta.ru,2025:1", "tag:lenta.ru,2025:1"),
        ("https://lenta.ru/news/1", "https://lenta.ru/news/1"),
    ],
)
def test_bare_guids_are_scoped_to_their_feed(guid: str, entry_id: str) -> None:
    data = f"<rss version='2.0'><channel><item><guid isPermaLink='false'>{guid}</guid>"
    data += "<description>x</description>"
    (entry,) = parse_feed(
        (data + "</item></channel></rss>").encode(), feed_url="https://f.example/rss"
    ).entries
    assert (entry.entry_id, entry.source_uri) == (entry_id, entry_id)


def test_entry_to_articles() -> None:
    feed = parse_feed(RSS20.format(enc="utf-8").encode(), feed_url="https://news.example/rss")
    entry = feed.entries[1]
    page = article_from_page(entry, "<html><p>Страница целиком.</p></html>".encode("cp1251"), "windows-1251")
    assert page.source_kind is SourceKind.FEED
    assert page.article_id == article_id_for(SourceKind.FEED, "https://news.example/2")
    assert (page.source_uri, page.url, page.source_name) == (
        "https://news.example/2",
        "https://news.example/2",
        "news.example",
    )
    assert (page.content_type, page.encoding, page.is_feed_summary) == (ContentType.HTML, "cp1251", False)
    assert (page.title_hint, page.feed_url) == ("Второе", "https://news.example/rss")
    assert page.published_hint == datetime(2025, 4, 1, 6, 0, tzinfo=UTC)
    summary = article_from_summary(entry)
    assert summary is not None
    assert (summary.content, summary.is_feed_summary, summary.content_type) == (
        "<p>Краткое <b>описание</b></p>",
        True,
        ContentType.HTML,
    )
    assert summary.article_id == page.article_id  # the page, once fetched, replaces the summary
