"""The fetcher publishes from its own loops, outside any handler: its /metrics still counts
each raw.article it published (FastStream's publisher middleware) and each source it refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from orewatch_cli.servers import free_port
from orewatch_common.contracts import DEAD_LETTER, RAW_ARTICLE

from tests.support.metrics import scrape, value

pytestmark = pytest.mark.slow

PROSE = "Правительство одобрило программу освоения месторождений лития. " * 5


async def test_published_articles_and_refused_files_are_counted(bus, start_service, service_env, wait):  # type: ignore[no-untyped-def]
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    (seeds / "a.txt").write_text(PROSE, encoding="utf-8")
    (seeds / "b.txt").write_text(PROSE + " Второй текст.", encoding="utf-8")
    (seeds / "empty.txt").write_bytes(b"")  # refused: a dead letter
    await bus.ensure_stream()
    port = free_port()
    start_service("fetcher", OREWATCH_HEALTH_PORT=str(port))
    await wait(lambda: bus.count(RAW_ARTICLE), timeout=30)
    await wait(lambda: bus.count(DEAD_LETTER), timeout=30)

    async def counted() -> str | None:
        text = await asyncio.to_thread(scrape, port)
        published = value(
            text or "", "faststream_published_messages_total", destination=RAW_ARTICLE, status="success"
        )
        return text if published == 2 and value(text or "", "orewatch_dead_letters_total") == 1 else None

    text = await wait(counted, timeout=20)
    labels = {"service": "fetcher", "subject": "none", "reason": "source_refused"}
    assert value(text, "orewatch_dead_letters_total", **labels) == 1
    assert value(text, "faststream_published_messages_total", destination=DEAD_LETTER, status="success") == 1
