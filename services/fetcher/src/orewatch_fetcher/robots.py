"""Politeness towards a site: its robots.txt, and one download at a time with a pause.

robots.txt is fetched through the fetcher's own HTTP client (so the SSRF guard
and size cap apply) and parsed by protego, which reads it as RFC 9309 does: `*` and
`$` in paths, the longest matching rule wins, Allow over Disallow on a tie, and the
group of the most specific user agent (`urllib.robotparser` knows none of that: it
takes the first rule whose plain prefix matches). Following RFC 9309, a
missing robots.txt (4xx) allows everything, while an unreachable one (5xx,
network error) allows nothing for now: the page is retried later rather than
fetched against rules we could not read. Feeds themselves are not checked:
they are subscriptions the operator configured, like a feed reader's.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from protego import Protego

from orewatch_fetcher.http_client import FetchError, HttpClient, HttpStatusError

ROBOTS_TTL_S = 3600.0
ROBOTS_ACCEPT = "text/plain, */*;q=0.5"


class RobotsUnavailable(FetchError):
    """robots.txt could not be read (server error, timeout): try the page again later."""


def site_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_robots(text: str) -> Protego:
    """The rules of one robots.txt; an empty text allows everything."""
    return Protego.parse(text)


class RobotsCache:
    """robots.txt rules per site, kept for an hour."""

    def __init__(self, client: HttpClient, user_agent: str, ttl_s: float = ROBOTS_TTL_S) -> None:
        self.client = client
        self.agent = user_agent.split("/", 1)[0]
        self.ttl_s = ttl_s
        self._rules: dict[str, tuple[float, Protego]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules(self, url: str) -> Protego:
        site = site_of(url)
        async with self._locks.setdefault(site, asyncio.Lock()):
            cached = self._rules.get(site)
            if cached and cached[0] > time.monotonic():
                return cached[1]
            parser = await self._fetch(site)
            self._rules[site] = (time.monotonic() + self.ttl_s, parser)
            return parser

    async def _fetch(self, site: str) -> Protego:
        try:
            result = await self.client.get(f"{site}/robots.txt", accept=ROBOTS_ACCEPT)
        except HttpStatusError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                return parse_robots("")  # no robots.txt: everything is allowed
            raise RobotsUnavailable(f"robots.txt of {site} unavailable: {exc}") from exc
        except FetchError as exc:
            if exc.transient:
                raise RobotsUnavailable(f"robots.txt of {site} unavailable: {exc}") from exc
            return parse_robots("")  # too large or refused: the page fetch will say why
        return parse_robots(result.content.decode("utf-8", errors="replace"))

    async def allowed(self, url: str) -> bool:
        return bool((await self.rules(url)).can_fetch(url, self.agent))

    async def crawl_delay(self, url: str) -> float | None:
        delay = (await self.rules(url)).crawl_delay(self.agent)
        return float(delay) if delay is not None else None


class HostThrottle:
    """One download at a time per host, `delay_s` apart (or the site's Crawl-delay, if longer)."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    def host_lock(self, url: str) -> asyncio.Lock:
        return self._locks.setdefault(urlsplit(url).netloc.lower(), asyncio.Lock())

    async def wait_turn(self, url: str, crawl_delay: float | None = None) -> None:
        """Sleep until this host may be asked again; call while holding `host_lock(url)`."""
        host = urlsplit(url).netloc.lower()
        delay = max(self.delay_s, min(crawl_delay or 0.0, 60.0))
        pause = self._last.get(host, float("-inf")) + delay - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._last[host] = time.monotonic()
