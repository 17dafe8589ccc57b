"""HttpClient against a loopback server: conditional GET, size cap, redirects re-checked, timeouts."""

from __future__ import annotations

import gzip

import pytest
from orewatch_fetcher.http_client import FetchError, HttpClient, HttpStatusError, RefusedUrl, TooLarge
from orewatch_fetcher.robots import HostThrottle, RobotsCache, RobotsUnavailable


@pytest.fixture
async def client():  # type: ignore[no-untyped-def]
    http = HttpClient(timeout_s=1.0, max_bytes=10_000, user_agent="orewatch-test/1", allow_private=True)
    yield http
    await http.aclose()


async def test_conditional_get_and_user_agent(web, client) -> None:  # type: ignore[no-untyped-def]
    url = web.add(
        "/rss",
        "<rss/>",
        content_type="application/rss+xml; charset=koi8-r",
        etag='"v1"',
        headers={"Last-Modified": "Mon, 31 Mar 2025 18:28:00 GMT"},
    )
    first = await client.get(url)
    assert (first.status, first.content, first.etag, first.charset) == (200, b"<rss/>", '"v1"', "koi8-r")
    assert first.media_type == "application/rss+xml"
    second = await client.get(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.content == b""
    sent = web.hits_of("/rss")[1].headers
    assert (sent["if-none-match"], sent["if-modified-since"]) == ('"v1"', "Mon, 31 Mar 2025 18:28:00 GMT")
    assert sent["user-agent"] == "orewatch-test/1"


@pytest.mark.parametrize(
    ("options", "error", "transient"),
    [
        ({"body": b"x" * 10_001}, TooLarge, False),
        ({"body": gzip.compress(b"x" * 50_000), "headers": {"Content-Encoding": "gzip"}}, TooLarge, False),
        ({"status": 404}, HttpStatusError, False),
        ({"status": 410}, HttpStatusError, False),
        ({"status": 503}, HttpStatusError, True),
        ({"status": 429}, HttpStatusError, True),
        ({"delay_s": 2.0}, FetchError, True),
        ({"status": 302}, HttpStatusError, False),  # redirect without Location
    ],
)
async def test_failures(web, client, options, error, transient) -> None:  # type: ignore[no-untyped-def]
    body = options.pop("body", b"ok")
    url = web.add("/page", body, **options)
    with pytest.raises(error) as raised:
        await client.get(url)
    assert raised.value.transient is transient


async def test_redirects_followed_and_rechecked(web, client) -> None:  # type: ignore[no-untyped-def]
    web.add("/final", "готово")
    web.add("/hop", headers={"Location": "/final"}, status=301)
    result = await client.get(web.url("/hop"))
    assert (result.url, result.content.decode()) == (web.url("/final"), "готово")

    web.add("/to-metadata", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(RefusedUrl, match="metadata"):
        await client.get(web.url("/to-metadata"))
    web.add("/to-file", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(RefusedUrl, match="scheme"):
        await client.get(web.url("/to-file"))
    web.add("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="redirects"):
        await client.get(web.url("/loop"))
    assert len(web.hits_of("/loop")) == 6


async def test_private_address_refused_without_connecting(web) -> None:  # type: ignore[no-untyped-def]
    guarded = HttpClient(timeout_s=1.0, max_bytes=1000, user_agent="t", allow_private=False)
    try:
        with pytest.raises(RefusedUrl, match="SSRF"):
            await guarded.get(web.add("/x", "secret"))
    finally:
        await guarded.aclose()
    assert web.hits == []


async def test_robots(web, client) -> None:  # type: ignore[no-untyped-def]
    robots = RobotsCache(client, "orewatch-test/1")
    assert await robots.allowed(web.url("/anything"))  # 404: no rules
    web.add("/robots.txt", "User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n", content_type="text/plain")
    robots = RobotsCache(client, "orewatch-test/1")
    assert not await robots.allowed(web.url("/private/a.html"))
    assert await robots.allowed(web.url("/news/a.html"))
    assert await robots.crawl_delay(web.url("/news/a.html")) == 3.0
    assert [h.status for h in web.hits_of("/robots.txt")] == [404, 200]  # then cached
    web.add("/robots.txt", status=503)
    with pytest.raises(RobotsUnavailable):
        await RobotsCache(client, "orewatch-test/1").allowed(web.url("/news/a.html"))


async def test_host_throttle_spaces_requests() -> None:
    import time

    throttle = HostThrottle(0.3)
    started = time.monotonic()
    for _ in range(3):
        async with throttle.host_lock("http://a.example/x"):
            await throttle.wait_turn("http://a.example/x")
    async with throttle.host_lock("http://b.example/x"):
        await throttle.wait_turn("http://b.example/x")  # another host: no wait
    assert 0.55 < time.monotonic() - started < 1.0
