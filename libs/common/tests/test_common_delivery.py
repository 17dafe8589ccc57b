"""The delivery policy on a real nats-server: ack after success, retry transient failures,
dead-letter invalid or hopeless messages. A small FastStream app stands in for a service."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from faststream.nats.annotations import NatsMessage
from orewatch_common.bus import build_broker, build_stream, subscriber_options
from orewatch_common.contracts import (
    DEAD_LETTER,
    RAW_ARTICLE,
    DeadLetter,
    RawArticle,
)
from orewatch_common.failures import UnexpectedFailure, permanent_on_failure
from orewatch_common.settings import Settings

from tests.support.factories import make_raw_article

pytestmark = pytest.mark.slow

SLACK = 0.3  # scheduling and the server's redelivery timer

ARTICLE = make_raw_article("Текст.", article_id="d" * 32, source_uri="x.txt", content_sha256="0" * 64)


def settings_for(nats_url: str) -> Settings:
    return Settings(
        _env_file=None, nats_url=nats_url, ack_wait_s=2, max_deliver=3, retry_base_s=0.4, retry_max_s=0.8
    )


class CoreFailed(UnexpectedFailure):
    pass


@permanent_on_failure(CoreFailed)
def buggy_core(article: RawArticle) -> None:
    raise KeyError(article.source_uri)


def deadlock(article: RawArticle) -> None:
    import psycopg.errors
    import sqlalchemy.exc

    raise sqlalchemy.exc.OperationalError(
        "UPDATE …", {}, psycopg.errors.DeadlockDetected("deadlock detected")
    )


def database_down(article: RawArticle) -> None:
    raise ConnectionError("database is down")


@dataclass(frozen=True)
class Delivery:
    """What the handler saw of one delivery, as JetStream numbered it."""

    stream_seq: int
    num_delivered: int
    source_uri: str


async def run_failing_service(
    nats_url: str,
    failures: int,
    fail: Callable[[RawArticle], None] = deadlock,
    deliveries: list[Delivery] | None = None,
) -> tuple[list[float], object]:
    """Start a consumer whose handler fails `failures` times; return when it was called and the
    broker. Each call's JetStream metadata goes to `deliveries`, when given."""
    settings = settings_for(nats_url)
    broker = build_broker(settings, "test")
    attempts: list[float] = []

    @broker.subscriber(RAW_ARTICLE, **subscriber_options(settings, build_stream(settings), durable="test"))
    async def handle(article: RawArticle, message: NatsMessage) -> None:
        attempts.append(time.monotonic())
        if deliveries is not None:
            metadata = message.raw_message.metadata
            deliveries.append(Delivery(metadata.sequence.stream, metadata.num_delivered, article.source_uri))
        if len(attempts) <= failures:
            fail(article)

    await broker.start()
    return attempts, broker


async def test_transient_failure_is_retried_then_acked(bus, wait):
    """Two deadlocks, then success: the one message is delivered three times (the server numbers
    each redelivery), naked with the backoff rather than left to the 2 s ack wait, then acked."""
    deliveries: list[Delivery] = []
    attempts, broker = await run_failing_service(
        bus.client.connected_url.geturl(), failures=2, deliveries=deliveries
    )
    try:
        await bus.publish(RAW_ARTICLE, ARTICLE)
        await wait(lambda: len(attempts) == 3, timeout=20)
        info = await wait(lambda: _settled(bus), timeout=10)
        assert deliveries == [Delivery(1, 1, "x.txt"), Delivery(1, 2, "x.txt"), Delivery(1, 3, "x.txt")]
        assert (info.delivered.stream_seq, info.delivered.consumer_seq) == (1, 3)  # 1 message, 3 deliveries
        assert (info.ack_floor.stream_seq, info.ack_floor.consumer_seq) == (1, 3)  # the third was acked
        gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
        assert 0.2 <= gaps[0] < 0.4 + SLACK  # the retry backoff, not the 2 s ack wait
        assert 0.4 <= gaps[1] < 0.8 + SLACK
        await asyncio.sleep(2 + SLACK)  # an ack wait: an unacked message would come back now
        assert len(attempts) == 3
        assert await bus.count(DEAD_LETTER) == 0
    finally:
        await broker.stop()


async def test_hopeless_message_becomes_a_dead_letter_after_max_deliver(bus, wait):
    attempts, broker = await run_failing_service(bus.client.connected_url.geturl(), failures=99)
    try:
        await bus.publish(RAW_ARTICLE, ARTICLE)
        [data] = await bus.read(DEAD_LETTER, 1, timeout=20)
        letter = DeadLetter.model_validate_json(data)
        assert len(attempts) == 3
        assert letter.service == "test"
        assert letter.deliveries == 3
        assert letter.reason.startswith(
            "gave up after 3 deliveries: OperationalError: (psycopg.errors.DeadlockDetected)"
            " deadlock detected"
        )
        assert letter.source_uri == "x.txt"
        assert (letter.subject, letter.stream_sequence, letter.error_class) == (
            RAW_ARTICLE,
            1,
            "DeadlockDetected",
        )
        # capped exponential backoff, equal jitter: naks of [0.2, 0.4] then [0.4, 0.8] s, no
        # server-side backoff added on top (it once made these 1, 65, 195… s)
        gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
        assert 0.2 <= gaps[0] < 0.4 + SLACK
        assert 0.4 <= gaps[1] < 0.8 + SLACK
    finally:
        await broker.stop()


async def test_invalid_message_is_dead_lettered_without_retry(bus, wait):
    attempts, broker = await run_failing_service(bus.client.connected_url.geturl(), failures=0)
    try:
        await bus.publish(RAW_ARTICLE, b'{"source_uri": "bad.txt"}', msg_id="bad")
        [data] = await bus.read(DEAD_LETTER, 1, timeout=20)
        letter = DeadLetter.model_validate_json(data)
        assert attempts == []
        assert letter.deliveries == 1
        assert letter.source_uri == "bad.txt"
        assert letter.reason.startswith("invalid message")
    finally:
        await broker.stop()


def duplicate_key(article: RawArticle) -> None:
    import psycopg.errors
    import sqlalchemy.exc

    violation = psycopg.errors.UniqueViolation('duplicate key value violates unique constraint "actors_pkey"')
    raise sqlalchemy.exc.IntegrityError("INSERT INTO actors …", {}, violation)


@pytest.mark.parametrize(
    ("fail", "reason"),
    [
        # the core's guard makes a bug a permanent error, named
        (buggy_core, "CoreFailed: KeyError: 'x.txt'"),
        # a constraint the data violates fails the same way on every delivery
        (
            duplicate_key,
            "IntegrityError: (psycopg.errors.UniqueViolation) duplicate key value violates unique"
            ' constraint "actors_pkey"',
        ),
    ],
)
async def test_a_permanent_failure_is_a_dead_letter_at_once(bus, wait, fail, reason):
    """One delivery, no retry, the failure named."""
    attempts, broker = await run_failing_service(bus.client.connected_url.geturl(), failures=99, fail=fail)
    try:
        await bus.publish(RAW_ARTICLE, ARTICLE)
        [data] = await bus.read(DEAD_LETTER, 1, timeout=20)
        letter = DeadLetter.model_validate_json(data)
        assert len(attempts) == 1
        assert letter.deliveries == 1
        assert letter.source_uri == "x.txt"
        assert letter.reason.startswith(reason)
        assert letter.stream_sequence == 1
    finally:
        await broker.stop()


async def test_a_dependency_down_spends_no_delivery_however_long_it_lasts(bus, wait):
    """Ten failures 'database is down' (more than max_deliver=3) while the message is held:
    it is then processed on its first delivery, no dead letter, and nothing is redelivered
    meanwhile (in_progress heartbeats; ack_wait is 2 s, the hold lasts longer)."""
    attempts, broker = await run_failing_service(
        bus.client.connected_url.geturl(), failures=10, fail=database_down
    )
    try:
        await bus.publish(RAW_ARTICLE, ARTICLE)
        await wait(lambda: len(attempts) == 11, timeout=30)
        info = await wait(lambda: _settled(bus), timeout=10)
        assert info.num_redelivered == 0
        assert info.delivered.consumer_seq == 1  # one delivery only
        assert attempts[-1] - attempts[0] > 2 * 2  # held past ack_wait twice over
        assert await bus.count(DEAD_LETTER) == 0
    finally:
        await broker.stop()


async def _settled(bus):
    info = await bus.js.consumer_info("OREWATCH", "test")
    return info if info.num_ack_pending == 0 and info.num_pending == 0 else None


async def test_a_handler_slower_than_the_ack_wait_is_not_redelivered_to_another_replica(bus, wait):
    settings = Settings(
        _env_file=None, nats_url=bus.client.connected_url.geturl(), ack_wait_s=1, max_deliver=3
    )
    deliveries: list[str] = []
    brokers = []
    for replica in ("first", "second"):  # two replicas of one service share the durable
        broker = build_broker(settings, "test")
        _slow_handler(broker, settings, replica, deliveries)
        await broker.start()
        brokers.append(broker)
    try:
        await bus.publish(RAW_ARTICLE, ARTICLE)
        info = await wait(lambda: _acked(bus), timeout=20)
        assert len(deliveries) == 1, f"delivered once, however long it took: {deliveries}"
        assert info.num_redelivered == 0
        assert await bus.count(DEAD_LETTER) == 0
    finally:
        for broker in brokers:
            await broker.stop()


def _slow_handler(broker, settings: Settings, replica: str, deliveries: list[str]) -> None:
    durable = subscriber_options(settings, build_stream(settings), durable="slow")

    @broker.subscriber(RAW_ARTICLE, **durable)
    async def handle(article: RawArticle) -> None:
        deliveries.append(replica)
        await asyncio.sleep(3.5)  # three and a half ack waits


async def _acked(bus):
    info = await bus.js.consumer_info("OREWATCH", "slow")
    return info if info.delivered.consumer_seq >= 1 and info.num_ack_pending == 0 else None
