"""The extractor's /metrics, scraped over HTTP from the service process: documents and
characters after one article, and the pending gauges of its consumer."""

from __future__ import annotations

import asyncio

import pytest
from orewatch_cli.servers import free_port
from orewatch_common.contracts import CLEAN_ARTICLE, EXTRACTED_STATEMENT

from tests.support.factories import make_clean_article
from tests.support.metrics import scrape, value, values

pytestmark = pytest.mark.slow

BODY = "Глава Минприроды Александр Козлов заявил, что запасы лития в стране превышают 3 млн тонн."
PENDING = "orewatch_consumer_pending_messages"
ARTICLE = make_clean_article(BODY, article_id="f" * 32, source_uri="metrics.txt", title="Литий")


async def test_one_article_counts_one_document_and_its_characters(bus, start_service, wait):  # type: ignore[no-untyped-def]
    port = free_port()
    start_service("extractor", OREWATCH_HEALTH_PORT=str(port))
    await bus.publish(CLEAN_ARTICLE, ARTICLE)
    assert len(await bus.read(EXTRACTED_STATEMENT, 1, timeout=60)) == 1

    consumer = {"service": "extractor", "stream": "OREWATCH", "consumer": "extractor"}

    async def extracted() -> str | None:
        """Counted after the publish; the gauges within a refresh (5 s) of the consumer's start."""
        text = await asyncio.to_thread(scrape, port)
        done = (
            text
            and value(text, "orewatch_extractor_documents_total") == 1
            and values(text, PENDING, **consumer) == [0.0]  # a refresh after the message was taken
        )
        return text if done else None

    text = await wait(extracted, timeout=30)
    assert value(text, "orewatch_extractor_characters_total") == len(BODY)
    assert value(text, "faststream_received_messages_total", handler=CLEAN_ARTICLE) == 1
    assert value(text, "faststream_published_messages_total", destination=EXTRACTED_STATEMENT) == 1
    assert values(text, PENDING, **consumer) == [0.0]
    assert value(text, "orewatch_dead_letters_total", service="extractor") == 0
