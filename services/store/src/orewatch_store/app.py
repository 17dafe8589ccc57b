"""FastStream module of the store: every subject in, rows in PostgreSQL out.

Each message is written in its own transaction; the delivery policy acks only
after the commit, so a crash between the two redelivers the message and the
idempotent upserts make the second write a no-op.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from faststream import ContextRepo, FastStream
from orewatch_common.bus import build_broker, build_stream, service_app, subscriber_options
from orewatch_common.contracts import (
    CLEAN_ARTICLE,
    DEAD_LETTER,
    EXTRACTED_STATEMENT,
    RAW_ARTICLE,
    CleanArticle,
    DeadLetter,
    ExtractedArticle,
    RawArticle,
)
from orewatch_common.logs import configure_logging
from orewatch_common.settings import Settings, get_settings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from orewatch_store.repository import (
    store_clean_article,
    store_dead_letter,
    store_extraction,
    store_raw_article,
)


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(settings.sqlalchemy_url(), pool_size=4, pool_pre_ping=True)


def build_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    broker = build_broker(settings, "store")
    stream = build_stream(settings)
    sessions: dict[str, async_sessionmaker[AsyncSession]] = {}

    async def in_transaction(write: Callable[[AsyncSession], Awaitable[object]]) -> None:
        async with sessions["db"].begin() as session:
            await write(session)

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
        description="Articles and removals.",
        **subscriber_options(settings, stream, durable="store-clean"),
    )
    async def on_clean_article(article: CleanArticle) -> None:
        await in_transaction(lambda session: store_clean_article(session, article))

    @broker.subscriber(
        EXTRACTED_STATEMENT,
        title="extracted.statement",
        description="Actors, minerals and statements, replaced per article.",
        **subscriber_options(settings, stream, durable="store-extracted"),
    )
    async def on_extraction(extraction: ExtractedArticle) -> None:
        await in_transaction(lambda session: store_extraction(session, extraction))

    @broker.subscriber(
        DEAD_LETTER,
        title="dead.letter",
        description="Inputs a service gave up on.",
        **subscriber_options(settings, stream, durable="store-dead-letters"),
    )
    async def on_dead_letter(letter: DeadLetter) -> None:
        await in_transaction(lambda session: store_dead_letter(session, letter))

    @contextlib.asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        configure_logging("store", settings.log_level)
        engine = create_engine(settings)
        sessions["db"] = async_sessionmaker(engine, expire_on_commit=False)
        try:
            yield
        finally:
            await engine.dispose()

    return service_app(
        broker, "store", lifespan=lifespan, description="Writes every pipeline subject to PostgreSQL."
    )


app = build_app()
