"""Poll feeds and turn their new entries into raw.article messages.

Each feed has its own loop (its own interval); a sweep retries entries whose page
download failed. Per entry: claim it in the KV state (one replica wins), check
robots.txt, download the page (one request at a time per host, a pause between),
publish it as HTML; when the page cannot be had, publish the entry's own content
(`is_feed_summary`) - at once if retrying cannot help (404, robots.txt, not a
page), after `max_attempts` tries if it might (timeouts, 5xx). An entry with
nothing to fall back on becomes a dead letter. Nothing is marked done before
its message has been acknowledged by JetStream.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable

from orewatch_common.bus import dead_letter_for
from orewatch_common.contracts import RawArticle, sha256_hex
from orewatch_common.logs import get_logger

from orewatch_fetcher.decoding import UndecodableDocument
from orewatch_fetcher.feed_state import Claim, FeedState
from orewatch_fetcher.feeds import (
    FeedEntry,
    FeedSpec,
    MalformedFeed,
    ParsedFeed,
    article_from_page,
    article_from_summary,
    entry_summary_json,
    parse_feed,
)
from orewatch_fetcher.http_client import FEED_ACCEPT, FetchError, HttpClient
from orewatch_fetcher.outputs import PublishArticle, PublishDeadLetter
from orewatch_fetcher.robots import HostThrottle, RobotsCache
from orewatch_fetcher.seeds import RefusedSeed, SeedFile, source_name_of

log = get_logger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class PageUnavailable(Exception):
    """The entry's page cannot be used; `transient` says whether a later try may succeed."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


class FeedPoller:
    def __init__(
        self,
        *,
        client: HttpClient,
        robots: RobotsCache,
        throttle: HostThrottle,
        state: FeedState,
        publish_article: PublishArticle,
        publish_dead_letter: PublishDeadLetter,
        max_attempts: int = 5,
        retry_delay_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.robots = robots
        self.throttle = throttle
        self.state = state
        self.publish_article = publish_article
        self.publish_dead_letter = publish_dead_letter
        self.max_attempts = max(1, max_attempts)
        self.retry_delay_s = retry_delay_s
        self.clock = clock

    async def poll(self, feed_url: str) -> int:
        """Fetch the feed (conditionally) and ingest its new entries; returns how many were published."""
        etag, last_modified = await self.state.validators(feed_url)
        try:
            result = await self.client.get(
                feed_url, accept=FEED_ACCEPT, etag=etag, last_modified=last_modified
            )
        except FetchError as exc:
            log.warning("feed %s not fetched, next poll will try again: %s", feed_url, exc)
            return 0
        if result.not_modified:
            log.debug("feed %s not modified", feed_url)
            return 0
        try:
            parsed = await asyncio.to_thread(
                parse_feed,
                result.content,
                feed_url=feed_url,
                base_url=result.url,
                content_type=result.headers.get("content-type"),
            )
        except MalformedFeed as exc:
            await self._report_bad_feed(feed_url, str(exc), result.content)
            await self.state.save_validators(feed_url, result.etag, result.last_modified)
            return 0
        if parsed.warning:
            log.info("feed %s is not well-formed, read leniently: %s", feed_url, parsed.warning)
        published = await self.ingest_entries(parsed)
        # Only now: a crash before this line makes the next poll see the entries again.
        await self.state.save_validators(feed_url, result.etag, result.last_modified)
        return published

    async def ingest_entries(self, parsed: ParsedFeed) -> int:
        published = 0
        for entry in parsed.entries:
            published += await self.ingest_entry(entry)
        return published

    async def ingest_feed_file(self, seed: SeedFile, data: bytes) -> None:
        """A feed file dropped into seeds/: each entry as if polled (its page fetched when allowed)."""
        try:
            parsed = await asyncio.to_thread(
                parse_feed, data, feed_url=seed.relative, source_name=source_name_of(seed.relative)
            )
        except MalformedFeed as exc:
            raise RefusedSeed(f"feed file {exc}") from exc
        except Exception as exc:
            raise RefusedSeed(f"feed file could not be parsed: {type(exc).__name__}: {exc}") from exc
        await self.ingest_entries(parsed)

    async def _report_bad_feed(self, feed_url: str, reason: str, body: bytes) -> None:
        if await self.state.first_report(f"feed:{feed_url}", sha256_hex(body.decode("latin-1"))):
            log.warning("feed %s refused: %s", feed_url, reason)
            await self.publish_dead_letter(
                dead_letter_for(
                    "fetcher", reason=f"malformed feed: {reason}", payload=body, source_uri=feed_url
                )
            )

    async def ingest_entry(self, entry: FeedEntry) -> int:
        """Claim, fetch and publish one entry; 1 if something was published, else 0."""
        claim = await self.state.claim(entry, self.clock())
        if claim is None:
            return 0
        return await self._process(claim)

    async def retry_due(self) -> int:
        """Try again the entries whose retry time has come (or whose owner died)."""
        published = 0
        for entry in await self.state.pending(self.clock()):
            published += await self.ingest_entry(entry)
        return published

    async def _process(self, claim: Claim) -> int:
        entry = claim.entry
        if not entry.link:
            return await self._fallback(claim, "entry has no link")
        try:
            article = await self._guarded_page_article(entry)
        except PageUnavailable as exc:
            if not exc.transient:
                return await self._fallback(claim, str(exc))
            attempts = await self.state.fail(claim, str(exc), self.clock() + self._delay(claim.attempts + 1))
            if attempts >= self.max_attempts:
                return await self._fallback(claim, f"gave up after {attempts} attempts: {exc}")
            log.info(
                "page of %s failed (attempt %d/%d), will retry: %s",
                entry.link,
                attempts,
                self.max_attempts,
                exc,
            )
            return 0
        return await self._publish(claim, article, "page")

    async def _guarded_page_article(self, entry: FeedEntry) -> RawArticle:
        """The page article; an unexpected error (a bug) costs this page, not the feed's next entries."""
        try:
            return await self._page_article(entry)
        except PageUnavailable:
            raise
        except Exception as exc:
            log.exception("unexpected error on the page of %s", entry.link)
            raise PageUnavailable(f"unexpected error: {type(exc).__name__}: {exc}", transient=False) from exc

    def _delay(self, attempts: int) -> float:
        return float(self.retry_delay_s * 2 ** max(attempts - 1, 0))

    async def _page_article(self, entry: FeedEntry) -> RawArticle:
        url = entry.link or ""
        async with self.throttle.host_lock(url):
            try:
                if not await self.robots.allowed(url):
                    raise PageUnavailable(f"robots.txt disallows {url}", transient=False)
                await self.throttle.wait_turn(url, await self.robots.crawl_delay(url))
                result = await self.client.get(url)
            except FetchError as exc:
                raise PageUnavailable(str(exc), transient=exc.transient) from exc
        if result.media_type not in HTML_TYPES and result.headers.get("content-type"):
            raise PageUnavailable(f"{url} is {result.media_type}, not an HTML page", transient=False)
        try:
            return article_from_page(entry, result.content, result.charset)
        except UndecodableDocument as exc:
            raise PageUnavailable(f"{url}: {exc}", transient=False) from exc

    async def _fallback(self, claim: Claim, reason: str) -> int:
        entry = claim.entry
        article = article_from_summary(entry)
        if article is not None:
            log.info("published the feed's summary of %s: %s", entry.source_uri, reason)
            return await self._publish(claim, article, "summary")
        log.warning("dead letter for entry %s: %s", entry.source_uri, reason)
        await self.publish_dead_letter(
            dead_letter_for(
                "fetcher",
                reason=f"feed entry without content, and its page is unavailable: {reason}",
                payload=entry_summary_json(entry),
                source_uri=entry.source_uri,
                deliveries=claim.attempts + 1,
            )
        )
        await self.state.finish(claim, "dead-letter")
        return 0

    async def _publish(self, claim: Claim, article: RawArticle, outcome: str) -> int:
        digest = sha256_hex(article.title_hint or "", article.content_sha256)
        if await self.state.content_seen(digest):
            log.info(
                "same content already published, skipped: %s",
                article.source_uri,
                article_id=article.article_id,
            )
            await self.state.finish(claim, "duplicate")
            return 0
        await self.publish_article(article)
        await self.state.mark_content(digest, article.source_uri)
        await self.state.finish(claim, outcome)
        log.info(
            "published %s (%s, %s)",
            article.source_uri,
            outcome,
            article.encoding,
            article_id=article.article_id,
        )
        return 1

    async def run_feed(self, spec: FeedSpec, stop: asyncio.Event) -> None:
        """Poll one feed every `interval_s` until stopped; a failed poll is logged and the loop goes on."""
        await _sleep_or_stop(stop, random.uniform(0, min(spec.interval_s, 3.0)))
        while not stop.is_set():
            try:
                await self.poll(spec.url)
            except Exception:
                log.exception("polling %s failed; next poll in %.0fs", spec.url, spec.interval_s)
            await _sleep_or_stop(stop, spec.interval_s)

    async def run_retries(self, stop: asyncio.Event, every_s: float) -> None:
        while not stop.is_set():
            await _sleep_or_stop(stop, every_s)
            if stop.is_set():
                return
            try:
                await self.retry_due()
            except Exception:
                log.exception("retry sweep failed; next one in %.0fs", every_s)

    async def run(self, specs: list[FeedSpec], stop: asyncio.Event, retry_every_s: float) -> None:
        """All feed loops and the retry sweep; returns when stopped, raises if one of them crashed."""
        loops = [self.run_feed(spec, stop) for spec in specs]
        loops.append(self.run_retries(stop, retry_every_s))
        async with asyncio.TaskGroup() as group:
            for loop in loops:
                group.create_task(loop)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))
