"""FastStream module of the cleaner: raw.article in, clean.article out.

A thin shell around `core.clean_article`; acks, retries and dead letters are the
shared delivery policy's job (orewatch_common.bus).
"""

from __future__ import annotations

import asyncio

from faststream import FastStream
from orewatch_common.bus import build_broker, build_stream, publish, service_app, subscriber_options
from orewatch_common.contracts import CLEAN_ARTICLE, RAW_ARTICLE, CleanArticle, RawArticle
from orewatch_common.logs import configure_logging
from orewatch_common.settings import Settings, get_settings

from orewatch_cleaner.core import clean_article
from orewatch_cleaner.kv_memory import BUCKET, KvSegmentMemory
from orewatch_cleaner.language import load_detector


def build_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    broker = build_broker(settings, "cleaner")
    stream = build_stream(settings)
    clean_out = broker.publisher(
        CLEAN_ARTICLE,
        stream=stream,
        schema=CleanArticle,
        title="clean.article",
        description="The article without site furniture, with title, date, author and the removals.",
    )
    memories: dict[str, KvSegmentMemory] = {}

    async def segment_memory() -> KvSegmentMemory:
        """The bucket is opened on first use: the broker is connected by then."""
        if "segments" not in memories:
            memories["segments"] = KvSegmentMemory(
                await broker.key_value(BUCKET, replicas=settings.stream_replicas)
            )
        return memories["segments"]

    @broker.subscriber(
        RAW_ARTICLE,
        title="raw.article",
        description="Documents to clean.",
        **subscriber_options(settings, stream, durable="cleaner"),
    )
    async def on_raw_article(raw: RawArticle) -> None:
        memory = await segment_memory()
        await memory.load(raw.source_name)
        cleaned = clean_article(raw, memory)
        # Counts are merged before the article goes on, so whoever cleans this source's next
        # article (any replica) already learns from this one. A redelivery after a failed
        # publish counts the article twice, which the share thresholds absorb.
        await memory.flush(raw.source_name)
        await publish(clean_out, cleaned)

    app = service_app(
        broker, "cleaner", description="Strips boilerplate and news-feed tails; publishes clean.article."
    )

    @app.on_startup
    async def load_language_detector() -> None:
        configure_logging("cleaner", settings.log_level, settings.log_format)
        await asyncio.to_thread(load_detector)

    return app


app = build_app()
