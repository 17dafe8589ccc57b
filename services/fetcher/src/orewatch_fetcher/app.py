"""FastStream module of the fetcher: wires the seeds watcher and the feed poller to JetStream.

The fetcher only publishes. What it already published is kept in JetStream
key-value buckets (`orewatch_fetcher_seen` for seeds files, `orewatch_feed_state`
for feeds), so restarts and replicas agree. Both loops run supervised: a crash
is logged and the loop restarted, and a loop that keeps crashing ends the
process with a non-zero status.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from faststream import ContextRepo, FastStream
from faststream.nats import NatsBroker
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from orewatch_common.bus import (
    build_broker,
    build_stream,
    once_available,
    publish,
    send_dead_letter,
    service_app,
)
from orewatch_common.contracts import RAW_ARTICLE, DeadLetter, RawArticle
from orewatch_common.failures import DeadLetterReason
from orewatch_common.logs import configure_logging, get_logger
from orewatch_common.settings import Settings, get_settings

from orewatch_fetcher.feed_state import FEED_STATE_BUCKET, FeedState
from orewatch_fetcher.feeds import FeedSpec, feed_specs
from orewatch_fetcher.http_client import HttpClient
from orewatch_fetcher.outputs import PublishArticle, PublishDeadLetter
from orewatch_fetcher.poller import FeedPoller
from orewatch_fetcher.robots import HostThrottle, RobotsCache
from orewatch_fetcher.supervision import supervise
from orewatch_fetcher.watcher import SeedsIngestor

SEEN_BUCKET = "orewatch_fetcher_seen"

log = get_logger(__name__)


class KvSeenStore:
    """SeenStore on a JetStream key-value bucket (durable, shared by replicas)."""

    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    async def get(self, key: str) -> str | None:
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return None
        return entry.value.decode() if entry.value else None

    async def put(self, key: str, value: str) -> None:
        await self.kv.put(key, value.encode())


def build_poller(
    settings: Settings,
    client: HttpClient,
    state: FeedState,
    publish_article: PublishArticle,
    publish_dead_letter: PublishDeadLetter,
) -> FeedPoller:
    return FeedPoller(
        client=client,
        robots=RobotsCache(client, settings.user_agent),
        throttle=HostThrottle(settings.fetch_delay_s),
        state=state,
        publish_article=publish_article,
        publish_dead_letter=publish_dead_letter,
        max_attempts=settings.feed_max_attempts,
        retry_delay_s=settings.feed_retry_delay_s,
    )


def lease_s(settings: Settings) -> float:
    """How long a claimed entry stays with its fetcher: robots.txt and page, plus a margin."""
    return 4 * settings.http_timeout_s + settings.fetch_delay_s + 60.0


async def open_bucket(broker: NatsBroker, settings: Settings, bucket: str) -> KeyValue:
    """A key-value bucket of the fetcher, once NATS answers (it may be away at start-up)."""
    return await once_available(
        lambda: broker.key_value(bucket, replicas=settings.stream_replicas), settings, bucket
    )


def build_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    broker = build_broker(settings, "fetcher")
    raw_out = broker.publisher(
        RAW_ARTICLE,
        stream=build_stream(settings),
        schema=RawArticle,
        title="raw.article",
        description="A fetched document (seeds file, feed entry page or feed summary), decoded to text.",
    )

    async def publish_article(article: RawArticle) -> None:
        await publish(raw_out, article)

    broker.telemetry.expect_dead_letters(None, [DeadLetterReason.SOURCE_REFUSED])

    async def publish_dead_letter(letter: DeadLetter) -> None:
        # every fetcher dead letter is a source it made no article of (a file, a feed, an entry)
        await send_dead_letter(broker, settings, letter, DeadLetterReason.SOURCE_REFUSED)

    @contextlib.asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        configure_logging("fetcher", settings.log_level, settings.log_format)
        yield

    app = service_app(
        broker,
        "fetcher",
        lifespan=lifespan,
        description="Watches seeds/ and polls RSS/Atom feeds; publishes raw.article.",
    )
    loops = FetcherLoops(broker, settings, publish_article, publish_dead_letter)
    app.after_startup(loops.start)
    app.on_shutdown(loops.stop)
    return app


@dataclass
class FetcherLoops:
    """The seeds watcher and the feed poller: started once the broker is up (they need its
    buckets), stopped before it, each supervised in its own task."""

    broker: NatsBroker
    settings: Settings
    publish_article: PublishArticle
    publish_dead_letter: PublishDeadLetter
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    clients: list[HttpClient] = field(default_factory=list)

    async def start(self) -> None:
        settings = self.settings
        client = HttpClient(
            timeout_s=settings.http_timeout_s,
            max_bytes=settings.http_max_bytes,
            user_agent=settings.user_agent,
            allow_private=settings.allow_private_urls,
        )
        self.clients.append(client)
        feed_bucket = await open_bucket(self.broker, settings, FEED_STATE_BUCKET)
        seen_bucket = await open_bucket(self.broker, settings, SEEN_BUCKET)
        state = FeedState(feed_bucket, lease_s=lease_s(settings))
        poller = build_poller(settings, client, state, self.publish_article, self.publish_dead_letter)
        ingestor = SeedsIngestor(
            settings.seeds_dir,
            max_bytes=settings.payload_hard_limit_bytes,
            seen=KvSeenStore(seen_bucket),
            publish_article=self.publish_article,
            publish_dead_letter=self.publish_dead_letter,
            feed_file_handler=poller.ingest_feed_file,
            quiet_s=settings.seeds_quiet_s,
            rescan_s=settings.seeds_rescan_s,
        )
        specs = configured_feeds(settings)
        retry_every = max(1.0, min(settings.feed_retry_delay_s, 60.0))
        self._run("seeds watcher", "seeds-watcher", lambda: ingestor.watch(self.stopping))
        self._run("feed poller", "feed-poller", lambda: poller.run(specs, self.stopping, retry_every))

    def _run(self, what: str, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        self.tasks.append(asyncio.create_task(supervise(what, loop, self.stopping), name=name))

    async def stop(self) -> None:
        self.stopping.set()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)
        for client in self.clients:
            await client.aclose()


def configured_feeds(settings: Settings) -> list[FeedSpec]:
    """The feeds to poll; each unusable one is logged and skipped, never fatal."""
    specs, problems = feed_specs(settings.feeds, settings.feeds_file, settings.feed_interval_s)
    for problem in problems:
        log.error("feed configuration: %s (skipped)", problem)
    if settings.feeds_file is not None and not settings.feeds_file.exists():
        log.error("feeds file %s does not exist", settings.feeds_file)
    log.info("watching %s; polling %d feed(s)", settings.seeds_dir.absolute(), len(specs))
    return specs


app = build_app()
