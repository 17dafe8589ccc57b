"""FastStream module of the extractor: clean.article in, extracted.statement out.

natasha's models load once per process, in the app's startup, and each article
is extracted in a worker thread so the connection keeps answering pings while
the CPU-heavy work runs. Set OMP_NUM_THREADS=1: one BLAS thread per process.
"""

from __future__ import annotations

import asyncio

from faststream import FastStream
from orewatch_common.bus import build_broker, build_stream, publish, service_app, subscriber_options
from orewatch_common.contracts import CLEAN_ARTICLE, EXTRACTED_STATEMENT, CleanArticle, ExtractedArticle
from orewatch_common.logs import configure_logging
from orewatch_common.metrics import ExtractorMetrics
from orewatch_common.settings import Settings, get_settings

from orewatch_extractor.core import Extractor, freeze_loaded


def build_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    broker = build_broker(settings, "extractor")
    stream = build_stream(settings)
    extracted_out = broker.publisher(
        EXTRACTED_STATEMENT,
        stream=stream,
        schema=ExtractedArticle,
        title="extracted.statement",
        description="One article's actors, minerals and attributed statements, together.",
    )
    models: dict[str, Extractor] = {}
    throughput = ExtractorMetrics(broker.metrics)  # counted here: the core stays pure

    @broker.subscriber(
        CLEAN_ARTICLE,
        title="clean.article",
        description="Clean articles to extract from.",
        **subscriber_options(settings, stream, durable="extractor"),
    )
    async def on_clean_article(article: CleanArticle) -> None:
        extraction = await asyncio.to_thread(models["extractor"].extract, article)
        await publish(extracted_out, extraction)
        throughput.extracted(article.body)

    app = service_app(
        broker,
        "extractor",
        description="Tags actors and minerals and attributes statements; publishes extracted.statement.",
    )

    @app.on_startup
    async def load_models() -> None:
        configure_logging("extractor", settings.log_level, settings.log_format)
        models["extractor"] = await asyncio.to_thread(Extractor)
        freeze_loaded()

    return app


app = build_app()
