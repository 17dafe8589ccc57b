"""Large message bodies on a real nats-server: offloaded to the object store by the publishing
broker, resolved by the consuming one, so a handler always sees the whole message."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from nats.js.errors import NotFoundError
from orewatch_common.bus import build_broker, build_stream, publish, subscriber_options
from orewatch_common.contracts import (
    DEAD_LETTER,
    RAW_ARTICLE,
    DeadLetter,
    RawArticle,
)
from orewatch_common.payloads import PAYLOAD_HEADER, offload, payload_store, resolve, stub_body
from orewatch_common.settings import Settings

from tests.support.factories import make_raw_article

pytestmark = pytest.mark.slow

BUCKET = "orewatch_payloads"


def article_of(content: str) -> RawArticle:
    return make_raw_article(content, article_id="e" * 32, source_uri="huge.txt")


def settings_for(nats_url: str) -> Settings:
    return Settings(_env_file=None, nats_url=nats_url, ack_wait_s=5, max_deliver=2)


@pytest.fixture
async def fresh_bucket(bus):  # type: ignore[no-untyped-def]
    with contextlib.suppress(NotFoundError, Exception):
        await bus.js.delete_object_store(BUCKET)
    return bus


@pytest.mark.parametrize(
    ("size", "offloaded"),
    [
        (1_000, False),
        (262_144, False),  # exactly the inline limit still travels inline
        (262_145, True),
        (3_000_000, True),
    ],
)
async def test_offload_only_past_the_inline_limit_and_resolve_gives_it_back(fresh_bucket, size, offloaded):  # type: ignore[no-untyped-def]
    settings = settings_for(fresh_bucket.client.connected_url.geturl())
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sent, headers = await offload(fresh_bucket.js, settings, "RawArticle:abc", body)
    assert (PAYLOAD_HEADER in headers) is offloaded
    assert sent == (stub_body("RawArticle:abc", size) if offloaded else body)
    assert await resolve(fresh_bucket.js, settings, sent, headers) == body


async def test_republishing_overwrites_the_same_object(fresh_bucket):  # type: ignore[no-untyped-def]
    settings = settings_for(fresh_bucket.client.connected_url.geturl())
    for body in (b"a" * 300_000, b"b" * 400_000):
        await offload(fresh_bucket.js, settings, "RawArticle:same", body)
    store = await payload_store(fresh_bucket.js, settings)
    names = [info.name for info in await store.list()]
    assert names == ["RawArticle:same"]
    assert (await store.get_info("RawArticle:same")).size == 400_000


async def run_echo(settings: Settings, received: list[RawArticle]):  # type: ignore[no-untyped-def]
    broker = build_broker(settings, "test")
    stream = build_stream(settings)

    @broker.subscriber(RAW_ARTICLE, **subscriber_options(settings, stream, durable="test-payloads"))
    async def handle(article: RawArticle) -> None:
        received.append(article)

    await broker.start()
    return broker


@pytest.mark.parametrize("size", [3_000_000, 20_000_000])
async def test_a_huge_contract_reaches_the_handler_whole(fresh_bucket, wait, size):  # type: ignore[no-untyped-def]
    settings = settings_for(fresh_bucket.client.connected_url.geturl())
    received: list[RawArticle] = []
    broker = await run_echo(settings, received)
    try:
        article = article_of("Министр заявил.\n" * (size // 30))
        out = broker.publisher(RAW_ARTICLE, stream=build_stream(settings))
        await publish(out, article)
        await wait(lambda: received, timeout=60)
        assert received[0].content == article.content
        assert received[0].message_id() == article.message_id()
        assert await fresh_bucket.count(DEAD_LETTER) == 0
    finally:
        await broker.stop()


async def test_a_reference_to_a_missing_object_is_a_dead_letter(fresh_bucket, wait):  # type: ignore[no-untyped-def]
    settings = settings_for(fresh_bucket.client.connected_url.geturl())
    received: list[RawArticle] = []
    await payload_store(fresh_bucket.js, settings)  # the bucket exists, the object does not
    broker = await run_echo(settings, received)
    try:
        await fresh_bucket.ensure_stream()
        await fresh_bucket.js.publish(
            RAW_ARTICLE,
            stub_body("RawArticle:gone", 9_000_000),
            headers={"Nats-Msg-Id": "RawArticle:gone", PAYLOAD_HEADER: "RawArticle:gone"},
        )
        [data] = await fresh_bucket.read(DEAD_LETTER, 1, timeout=20)
        letter = DeadLetter.model_validate_json(data)
        assert letter.reason == (
            "PayloadMissing: payload object 'RawArticle:gone' is not in bucket 'orewatch_payloads'"
        )
        assert letter.subject == RAW_ARTICLE
        await asyncio.sleep(0.5)
        assert received == []
    finally:
        await broker.stop()
