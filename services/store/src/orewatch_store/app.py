"""FastStream module of the store: every subject in, rows in PostgreSQL out.

Each message is written in its own transaction; the delivery policy acks only
after the commit, so a crash between the two redelivers the message and the
idempotent upserts make the second write a no-op.

A clean article or extraction whose raw article is not stored is held while a
raw.article published before it still waits for `store-raw` (the durables run
independently, so it may legitimately come first), and refused as a dead letter
once every earlier raw.article has been handled. Max-deliveries advisories become
dead letters too, so a message whose handler never finished is not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable

from faststream import ContextRepo, FastStream
from faststream.nats import JStream
from faststream.nats.annotations import NatsMessage
from nats.js.errors import NotFoundError
from orewatch_common import payloads
from orewatch_common.bus import (
    MaxDeliveriesAdvisory,
    PipelineBroker,
    advisory_stream_config,
    advisory_stream_name,
    advisory_subject,
    build_broker,
    build_stream,
    dead_letter_from_advisory,
    service_app,
    stream_sequence,
    subscriber_options,
)
from orewatch_common.contracts import (
    CLEAN_ARTICLE,
    DEAD_LETTER,
    EXTRACTED_STATEMENT,
    PIPELINE_SUBJECTS,
    RAW_ARTICLE,
    CleanArticle,
    DeadLetter,
    ExtractedArticle,
    PermanentError,
    RawArticle,
)
from orewatch_common.failures import DeadLetterReason, DependencyUnavailable
from orewatch_common.health import Dependency
from orewatch_common.logs import configure_logging, get_logger
from orewatch_common.settings import Settings, get_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from orewatch_store.repository import (
    RawArticleMissing,
    store_clean_article,
    store_dead_letter,
    store_extraction,
    store_raw_article,
)

log = get_logger(__name__)

PROBE_INTERVAL_S = 2.0  # how often the store checks that PostgreSQL answers (readiness)


class RawArticleNotStoredYet(DependencyUnavailable):
    """Its raw.article is in the stream, before it, and store-raw has not handled it yet."""


class UnknownRawArticle(PermanentError):
    """No raw.article before it is still to be stored: the store never saw its raw article."""


def create_engine(settings: Settings) -> AsyncEngine:
    """The store's engine, with connect, pool and statement timeouts: a hung server or a
    runaway statement fails (and is retried) instead of holding a consumer for ever."""
    return create_async_engine(
        settings.sqlalchemy_url(),
        pool_size=4,
        pool_pre_ping=True,
        pool_timeout=settings.db_pool_timeout_s,
        connect_args=connect_args(settings),
    )


def connect_args(settings: Settings) -> dict[str, object]:
    """libpq parameters of every connection: its connect timeout, the session's statement timeout."""
    statement_ms = max(int(settings.db_statement_timeout_s * 1000), 1)
    return {
        # libpq takes whole seconds, and treats anything under 2 as 2
        "connect_timeout": max(math.ceil(settings.db_connect_timeout_s), 2),
        "options": f"-c statement_timeout={statement_ms}",
    }


async def raw_article_pending(broker: PipelineBroker, settings: Settings, before: int | None) -> bool:
    """Is a raw.article published before stream sequence `before` not yet handled by store-raw?

    Everything at or below store-raw's ack floor is handled (stored or dead-lettered); the
    first raw.article above it, if any, is the oldest one still on its way.
    """
    js = broker.connection.jetstream()
    try:
        info = await js.consumer_info(settings.stream_name, "store-raw")
        floor = int(info.ack_floor.stream_seq or 0) if info.ack_floor else 0
    except NotFoundError:
        floor = 0  # store-raw is not created yet (the store's consumers start one by one): it handled nothing
    try:
        oldest = await js.get_msg(settings.stream_name, seq=floor + 1, subject=RAW_ARTICLE, next=True)
    except NotFoundError:
        return False
    return before is None or int(oldest.seq or 0) < before


# AsyncAPI channel title of the dead letters the store receives and writes down.
DEAD_LETTER_RECEIVED = "dead.letter (stored)"

Write = Callable[[AsyncSession], Awaitable[object]]
InTransaction = Callable[[Write], Awaitable[None]]


def build_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    broker = build_broker(settings, "store")
    broker.readiness.require(Dependency.POSTGRES)
    broker.extra_streams.append(advisory_stream_config(settings))
    sessions: dict[str, async_sessionmaker[AsyncSession]] = {}

    async def in_transaction(write: Write) -> None:
        async with sessions["db"].begin() as session:
            await write(session)

    _subscribe_pipeline(broker, settings, in_transaction)
    _subscribe_advisories(broker, settings, in_transaction)

    @contextlib.asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        configure_logging("store", settings.log_level, settings.log_format)
        engine = create_engine(settings)
        sessions["db"] = async_sessionmaker(engine, expire_on_commit=False)
        prober = asyncio.create_task(_probe(broker, engine))
        try:
            yield
        finally:
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
            await engine.dispose()

    return service_app(
        broker, "store", lifespan=lifespan, description="Writes every pipeline subject to PostgreSQL."
    )


def _subscribe_pipeline(broker: PipelineBroker, settings: Settings, in_transaction: InTransaction) -> None:
    stream = build_stream(settings)

    async def with_raw_article(write: Write, message: NatsMessage) -> None:
        """Write, or hold the message / refuse it when its raw article is not stored."""
        try:
            await in_transaction(write)
        except RawArticleMissing as missing:
            if await raw_article_pending(broker, settings, stream_sequence(message)):
                raise RawArticleNotStoredYet(str(missing)) from missing
            # store-raw may have committed it between that write and the ack floor just read;
            # whatever is under that floor is committed now, so one more try decides
            try:
                await in_transaction(write)
            except RawArticleMissing as still:
                raise UnknownRawArticle(f"{still}, and no raw.article before it is pending") from still

    @broker.subscriber(
        RAW_ARTICLE,
        title="raw.article",
        description="Kept for re-processing.",
        **subscriber_options(settings, stream, durable="store-raw"),
    )
    async def on_raw_article(raw: RawArticle) -> None:
        await in_transaction(lambda session: store_raw_article(session, raw))

    @broker.subscriber(
        CLEAN_ARTICLE,
        title="clean.article",
        description="Articles and removals; refused when the raw article is unknown.",
        **subscriber_options(settings, stream, durable="store-clean"),
    )
    async def on_clean_article(article: CleanArticle, message: NatsMessage) -> None:
        await with_raw_article(lambda session: store_clean_article(session, article), message)

    @broker.subscriber(
        EXTRACTED_STATEMENT,
        title="extracted.statement",
        description="Actors, minerals and statements, replaced per article; refused when the raw "
        "article is unknown.",
        **subscriber_options(settings, stream, durable="store-extracted"),
    )
    async def on_extraction(extraction: ExtractedArticle, message: NatsMessage) -> None:
        await with_raw_article(lambda session: store_extraction(session, extraction), message)

    @broker.subscriber(
        DEAD_LETTER,
        # Not "dead.letter": that channel title is the store's own dead-letter publisher's
        # (orewatch_common.bus.build_broker), and FastStream keeps one handler per title.
        title=DEAD_LETTER_RECEIVED,
        description="Inputs a service gave up on.",
        **subscriber_options(settings, stream, durable="store-dead-letters"),
    )
    async def on_dead_letter(letter: DeadLetter) -> None:
        await in_transaction(lambda session: store_dead_letter(session, letter))


def _subscribe_advisories(broker: PipelineBroker, settings: Settings, in_transaction: InTransaction) -> None:
    advisories = JStream(name=advisory_stream_name(settings), declare=False)
    for subject in PIPELINE_SUBJECTS:
        broker.telemetry.expect_dead_letters(subject, [DeadLetterReason.HANDLER_KILLED])

    @broker.subscriber(
        advisory_subject(settings),
        title="max-deliveries advisories",
        description="A message that ran out of deliveries without its handler finishing: its dead letter.",
        **subscriber_options(settings, advisories, durable="store-advisories"),
    )
    async def on_max_deliveries(advisory: MaxDeliveriesAdvisory) -> None:
        js = broker.connection.jetstream()
        try:
            original = await js.get_msg(advisory.stream, seq=advisory.stream_seq)
            subject, payload = original.subject, original.data or b""
            # an offloaded body is only its reference in the stream: the letter keeps the body
            with contextlib.suppress(payloads.PayloadMissing):
                payload = await payloads.resolve(js, settings, payload, original.headers or {})
        except NotFoundError:
            subject, payload = None, None
        letter = dead_letter_from_advisory(advisory, subject, payload)
        log.error("store: dead letter from %s: %s", subject, letter.reason)
        await in_transaction(lambda session: store_dead_letter(session, letter))
        # stored, not published: counted here, in the store's registry (service="store")
        broker.telemetry.dead_letter(subject, DeadLetterReason.HANDLER_KILLED)


async def _probe(broker: PipelineBroker, engine: AsyncEngine) -> None:
    """Readiness: does PostgreSQL answer? Checked every few seconds, idle otherwise."""
    while True:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            broker.readiness.set(Dependency.POSTGRES, True)
        except Exception:
            broker.readiness.set(Dependency.POSTGRES, False)
        await asyncio.sleep(PROBE_INTERVAL_S)


app = build_app()
