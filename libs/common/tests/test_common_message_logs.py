"""On a real nats-server: every line logged while a message is handled names it (service,
article_id, subject, stream seq): FastStream's own "Received"/"Processed", the handler's plain
line, the delivery policy's dead-letter line. The handler binds nothing itself."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from orewatch_common.bus import (
    ARTICLE_HEADER,
    build_broker,
    build_stream,
    message_headers,
    subscriber_options,
)
from orewatch_common.contracts import DEAD_LETTER, RAW_ARTICLE, PermanentError, RawArticle
from orewatch_common.logs import LogFormat, configure_logging, get_logger
from orewatch_common.settings import Settings

from tests.support.factories import make_raw_article

pytestmark = pytest.mark.slow

GOOD = make_raw_article("Текст.", source_uri="good.txt")
BAD = make_raw_article("Текст.", source_uri="bad.txt")
handler_log = get_logger("orewatch_test.handler")


class Refused(PermanentError):
    pass


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The service's log, as JSON lines, in memory; the root logger restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure_logging("tester", "INFO", LogFormat.JSON, stream=out)
    yield out
    structlog.contextvars.clear_contextvars()
    root.handlers[:], root.level = handlers, level


async def test_every_line_about_a_message_names_it(bus: Any, wait: Any, captured: io.StringIO) -> None:
    settings = Settings(_env_file=None, nats_url=bus.client.connected_url.geturl())
    broker = build_broker(settings, "tester")

    @broker.subscriber(RAW_ARTICLE, **subscriber_options(settings, build_stream(settings), durable="tester"))
    async def handle(article: RawArticle) -> None:
        handler_log.info("handling %s", article.source_uri)
        if article.source_uri == "bad.txt":
            raise Refused("no text")

    await broker.start()
    try:
        await bus.publish(RAW_ARTICLE, GOOD)  # a test client's message: no article header
        await bus.ensure_stream()  # as a service publishes: with the header
        await bus.js.publish(RAW_ARTICLE, BAD.model_dump_json().encode(), headers=message_headers(BAD))
        await bus.read(DEAD_LETTER, 1, timeout=20)
        [letter] = await (await bus.js.pull_subscribe(DEAD_LETTER, stream=settings.stream_name)).fetch(1)
        await wait(lambda: captured.getvalue().count('"event": "Processed"') == 2, timeout=20)
    finally:
        await broker.stop()

    print(captured.getvalue())
    # the dead letter names the article too, so the store's lines about it do
    assert (letter.headers or {}).get(ARTICLE_HEADER) == BAD.article_id
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    about = [line for line in lines if "seq" in line]
    assert {line["subject"] for line in about} == {RAW_ARTICLE}
    by_seq = {seq: [line for line in about if line["seq"] == seq] for seq in (1, 2)}
    for seq, article in ((1, GOOD), (2, BAD)):
        events = [line["event"] for line in by_seq[seq]]
        assert events[0] == "Received" and events[-1] == "Processed", events
        assert f"handling {article.source_uri}" in events
        for line in by_seq[seq]:
            assert (line["service"], line["article_id"]) == ("tester", article.article_id), line
    [refused] = [line for line in by_seq[2] if line["level"] == "error" and "dead letter" in line["event"]]
    assert "Refused: no text" in refused["event"]
    # lines outside a handler (start, stop) carry no stale binding
    assert all("article_id" not in line for line in lines if line not in about)
