"""Feeds on a real nats-server: polled from a loopback web server, each entry published once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from orewatch_common.contracts import DEAD_LETTER, RAW_ARTICLE, DeadLetter, RawArticle
from orewatch_fetcher.feed_state import FEED_STATE_BUCKET, FeedState
from orewatch_fetcher.http_client import HttpClient
from orewatch_fetcher.poller import FeedPoller
from orewatch_fetcher.robots import HostThrottle, RobotsCache

pytestmark = pytest.mark.slow

PROSE = "Министр заявил, что поставки редкоземельных металлов вырастут в следующем году."


def page(title: str, charset: str = "utf-8") -> bytes:
    return (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{PROSE}</p></body></html>"
    ).encode(charset)


def rss(items: list[tuple[str, str | None, str]], encoding: str = "utf-8") -> bytes:
    body = "".join(
        f"<item><title>{title}</title>{f'<link>{link}</link>' if link else ''}"
        f"<guid isPermaLink='false'>{title}</guid>"
        f"<pubDate>Mon, 31 Mar 2025 18:28:00 GMT</pubDate><description>{summary}</description></item>"
        for title, link, summary in items
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>Лента</title>'
        f"{body}</channel></rss>"
    ).encode(encoding)


def atom(entries: list[tuple[str, str | None, str]]) -> bytes:
    body = "".join(
        f"<entry><title>{title}</title><id>urn:{title}</id>{_atom_link(link)}"
        f"<updated>2025-04-01T10:00:00Z</updated><author><name>Автор</name></author>"
        f"<content type='text'>{content}</content></entry>"
        for title, link, content in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Атом</title><id>urn:feed</id>{body}</feed>"
    ).encode()


def _atom_link(link: str | None) -> str:
    return f'<link href="{link}"/>' if link else ""


def serve_feeds(web) -> list[str]:  # type: ignore[no-untyped-def]
    """The web of the end-to-end test: 5 feeds (one malformed, one redirecting) and their pages."""
    web.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    web.add("/a/1.html", page("Первая"))
    web.add("/a/2.html", page("Вторая", "windows-1251"), content_type="text/html; charset=windows-1251")
    web.add("/b/1.html", page("Атомная"))
    web.add("/k/1.html", page("Кои", "koi8-r"), content_type="text/html")  # charset only in the page
    web.add("/m/1.html", page("Переехавшая"))
    web.add("/slow.html", page("Медленная"), delay_s=3.0)
    web.add(
        "/rss.xml",
        rss(
            [
                ("Первая", web.url("/a/1.html"), "Кратко 1"),
                ("Вторая", web.url("/a/2.html?utm_source=rss"), "Кратко 2"),
                ("Закрытая", web.url("/private/x.html"), "Только анонс закрытой"),
                ("Медленная", web.url("/slow.html"), "Анонс медленной"),
            ]
        ),
        content_type="application/rss+xml",
        etag='"rss-1"',
    )
    web.add(
        "/atom.xml",
        atom([("Атомная", web.url("/b/1.html"), "Кратко"), ("Безссылочная", None, PROSE)]),
        content_type="application/atom+xml",
        headers={"Last-Modified": "Mon, 31 Mar 2025 18:28:00 GMT"},
    )
    web.add(
        "/koi.xml",
        rss([("Кои", web.url("/k/1.html"), "Кратко"), ("Кои без ссылки", None, PROSE)], "koi8-r"),
        content_type="text/xml",
        etag='"koi-1"',
    )
    web.add("/broken.xml", "<html><body>Это не лента <b>", content_type="text/xml")
    web.add("/old.xml", status=301, headers={"Location": "/moved.xml"})
    web.add("/moved.xml", rss([("Переехавшая", web.url("/m/1.html"), "Кратко")]), content_type="text/xml")
    return [web.url(p) for p in ("/rss.xml", "/atom.xml|1", "/koi.xml", "/broken.xml", "/old.xml")]


async def _count_is(bus, subject: str, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await bus.count(subject) == expected


async def test_feeds_end_to_end_with_two_replicas_and_restart(bus, web, start_service, wait) -> None:  # type: ignore[no-untyped-def]
    feeds = serve_feeds(web)
    env = {
        "OREWATCH_FEEDS": ",".join(feeds),
        "OREWATCH_ALLOW_PRIVATE_URLS": "1",
        "OREWATCH_FEED_INTERVAL_S": "1",
        "OREWATCH_HTTP_TIMEOUT_S": "1",
        "OREWATCH_FETCH_DELAY_S": "0.05",
        "OREWATCH_FEED_MAX_ATTEMPTS": "2",
        "OREWATCH_FEED_RETRY_DELAY_S": "0.5",
    }
    replicas = [start_service("fetcher", **env), start_service("fetcher", **env)]
    await wait(lambda: _count_is(bus, RAW_ARTICLE, 9), timeout=40)
    await wait(lambda: _count_is(bus, DEAD_LETTER, 1), timeout=10)
    articles = {
        a.title_hint: a for a in (RawArticle.model_validate_json(m) for m in await bus.read(RAW_ARTICLE, 9))
    }
    assert sorted(articles) == sorted(
        [
            "Первая",
            "Вторая",
            "Закрытая",
            "Медленная",
            "Атомная",
            "Безссылочная",
            "Кои",
            "Кои без ссылки",
            "Переехавшая",
        ]
    )
    pages = {t for t, a in articles.items() if not a.is_feed_summary}
    assert pages == {"Первая", "Вторая", "Атомная", "Кои", "Переехавшая"}
    for title in pages:
        article = articles[title]
        assert article.content_type == "text/html" and PROSE in article.content and title in article.content
        assert (article.source_kind, article.source_name) == ("feed", "127.0.0.1")
    assert articles["Вторая"].encoding == "cp1251" and articles["Вторая"].source_uri == web.url("/a/2.html")
    assert articles["Кои"].encoding == "koi8-r" and articles["Кои"].feed_url == web.url("/koi.xml")
    assert articles["Первая"].published_hint is not None and articles["Первая"].url == web.url("/a/1.html")
    assert articles["Атомная"].author_hint == "Автор"
    assert articles["Переехавшая"].feed_url == web.url("/old.xml")
    # robots.txt refuses one page, another times out twice: their summaries stand in
    assert (articles["Закрытая"].content, articles["Закрытая"].is_feed_summary) == (
        "Только анонс закрытой",
        True,
    )
    assert (articles["Медленная"].content, articles["Медленная"].is_feed_summary) == ("Анонс медленной", True)
    assert articles["Кои без ссылки"].content == PROSE and articles["Кои без ссылки"].encoding == "koi8-r"
    assert web.hits_of("/private/x.html") == []
    assert len(web.hits_of("/slow.html")) == 2
    (letter,) = [DeadLetter.model_validate_json(m) for m in await bus.read(DEAD_LETTER, 1)]
    assert letter.source_uri == web.url("/broken.xml") and letter.reason.startswith("malformed feed")
    # conditional GET: later polls are answered 304, pages are fetched once across both replicas
    await wait(lambda: any(h.status == 304 for h in web.hits_of("/rss.xml")), timeout=10)
    assert all(h.headers["if-none-match"] == '"rss-1"' for h in web.hits_of("/rss.xml") if h.status == 304)
    assert any(h.headers.get("if-modified-since") for h in web.hits_of("/atom.xml"))
    assert len(web.hits_of("/a/1.html")) == 1 and len(web.hits_of("/b/1.html")) == 1

    for replica in replicas:
        replica.stop()
        assert replica.process.returncode == 0, replica.log()
    polls = len(web.hits_of("/moved.xml"))
    start_service("fetcher", **env)
    await wait(lambda: len(web.hits_of("/moved.xml")) >= polls + 2, timeout=20)
    assert await bus.count(RAW_ARTICLE) == 9
    assert await bus.count(DEAD_LETTER) == 1


@pytest.fixture
async def poller(out, web) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    """A FeedPoller in this process, on the test's JetStream and KV."""
    clients: list[HttpClient] = []

    async def make(**options: Any) -> FeedPoller:
        client = HttpClient(timeout_s=1, max_bytes=100_000, user_agent="orewatch-test/1", allow_private=True)
        clients.append(client)
        return FeedPoller(
            client=client,
            robots=RobotsCache(client, "orewatch-test"),
            throttle=HostThrottle(0.0),
            state=FeedState(await out.kv(FEED_STATE_BUCKET), lease_s=options.pop("lease_s", 30)),
            publish_article=out.article,
            publish_dead_letter=out.dead_letter,
            **options,
        )

    yield make
    for client in clients:
        await client.aclose()


async def test_failed_page_is_retried_then_published(bus, web, poller) -> None:  # type: ignore[no-untyped-def]
    web.add("/p.html", status=503)
    feed = web.add(
        "/f.xml", rss([("Позже", web.url("/p.html"), "Анонс")]), content_type="text/xml", etag='"1"'
    )
    feeds = await poller(max_attempts=3, retry_delay_s=0.2)
    assert await feeds.poll(feed) == 0
    assert await feeds.poll(feed) == 0  # 304, and the retry is not due yet
    assert [h.status for h in web.hits_of("/f.xml")] == [200, 304]
    web.add("/p.html", page("Позже"))
    await asyncio.sleep(0.3)
    assert await feeds.retry_due() == 1
    (article,) = [RawArticle.model_validate_json(m) for m in await bus.read(RAW_ARTICLE, 1)]
    assert (article.title_hint, article.is_feed_summary) == ("Позже", False)
    assert await feeds.retry_due() == 0


async def test_entry_without_anything_to_publish_is_a_dead_letter(bus, web, poller) -> None:  # type: ignore[no-untyped-def]
    web.add("/gone.html", status=404)
    feed = web.add("/f.xml", rss([("Пусто", web.url("/gone.html"), "")]), content_type="text/xml")
    feeds = await poller()
    assert await feeds.poll(feed) == 0
    (letter,) = [DeadLetter.model_validate_json(m) for m in await bus.read(DEAD_LETTER, 1)]
    assert letter.source_uri == web.url("/gone.html") and "HTTP 404" in letter.reason
    assert await feeds.poll(feed) == 0
    await asyncio.sleep(0.3)
    assert await bus.count(DEAD_LETTER) == 1


async def test_replicas_racing_on_one_feed_publish_each_entry_once(bus, web, poller) -> None:  # type: ignore[no-untyped-def]
    items = [(f"Новость {i}", web.url(f"/n/{i}.html"), f"Анонс {i}") for i in range(6)]
    for title, link, _ in items:
        web.add(link.removeprefix(web.base), page(title))
    feed = web.add("/f.xml", rss(items), content_type="text/xml")
    replicas = [await poller() for _ in range(3)]
    published = await asyncio.gather(*(r.poll(feed) for r in replicas))
    assert sum(published) == 6
    assert await bus.count(RAW_ARTICLE) == 6
    assert sorted(len(web.hits_of(f"/n/{i}.html")) for i in range(6)) == [1] * 6


async def test_abandoned_claim_is_taken_over_after_its_lease(bus, web, poller, out) -> None:  # type: ignore[no-untyped-def]
    web.add("/n.html", page("Брошенная"))
    feed = web.add("/f.xml", rss([("Брошенная", web.url("/n.html"), "Анонс")]), content_type="text/xml")
    crashed = await poller(lease_s=2.0)  # long enough for a loaded machine to reach the next poll
    parsed_entries = []

    async def die(claim) -> int:  # type: ignore[no-untyped-def]
        parsed_entries.append(claim)
        raise RuntimeError("killed mid-download")

    crashed._process = die  # type: ignore[method-assign]
    with contextlib.suppress(RuntimeError):
        await crashed.poll(feed)
    assert parsed_entries and await bus.count(RAW_ARTICLE) == 0
    survivor = await poller(lease_s=2.0)
    assert await survivor.poll(feed) == 0  # the lease still holds
    await asyncio.sleep(2.1)
    taken_over = await survivor.retry_due()
    for _ in range(40):  # a loaded machine may need a few more rounds past the lease
        if taken_over:
            break
        await asyncio.sleep(0.25)
        taken_over = await survivor.retry_due()
    assert taken_over == 1
    assert await bus.count(RAW_ARTICLE) == 1


async def test_links_to_private_or_metadata_addresses_are_never_opened(bus, web, out) -> None:  # type: ignore[no-untyped-def]
    from orewatch_fetcher.feeds import parse_feed

    items = [
        ("Внутренняя", "http://10.0.0.1/admin", "Анонс внутренней"),
        ("Метаданные", "http://169.254.169.254/latest/meta-data/", "Анонс метаданных"),
        ("Локальная", web.url("/local.html"), "Анонс локальной"),
        ("Файл", "file:///etc/passwd", "Анонс файла"),
    ]
    web.add("/local.html", page("Локальная"))
    client = HttpClient(timeout_s=1, max_bytes=100_000, user_agent="orewatch-test/1", allow_private=False)
    try:
        guarded = FeedPoller(
            client=client,
            robots=RobotsCache(client, "orewatch-test"),
            throttle=HostThrottle(0.0),
            state=FeedState(await out.kv(FEED_STATE_BUCKET), lease_s=30),
            publish_article=out.article,
            publish_dead_letter=out.dead_letter,
        )
        assert await guarded.ingest_entries(parse_feed(rss(items), feed_url="dropped.xml")) == 4
    finally:
        await client.aclose()
    articles = [RawArticle.model_validate_json(m) for m in await bus.read(RAW_ARTICLE, 4)]
    assert {(a.title_hint, a.is_feed_summary, a.content) for a in articles} == {
        ("Внутренняя", True, "Анонс внутренней"),
        ("Метаданные", True, "Анонс метаданных"),
        ("Локальная", True, "Анонс локальной"),
        ("Файл", True, "Анонс файла"),
    }
    assert web.hits == []  # loopback refused too, without a connection
