"""orewatch's own metrics (orewatch_common.metrics): the pure parts table by table, then the
counters and gauges a service's broker keeps on a real nats-server."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import psycopg.errors
import pytest
import sqlalchemy.exc
from orewatch_common.bus import PipelineBroker, build_broker, build_stream, subscriber_options
from orewatch_common.contracts import DEAD_LETTER, RAW_ARTICLE, PermanentError, RawArticle
from orewatch_common.failures import (
    DeadLetterReason,
    Failure,
    UnexpectedFailure,
    classify,
    permanent_reason,
)
from orewatch_common.metrics import (
    POLICY_REASONS,
    ConsumerWatch,
    DurableConsumer,
    PipelineMetrics,
    durable_consumers,
    subject_label,
    subscribed_subjects,
)
from orewatch_common.settings import Settings
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ValidationError

from tests.support.factories import make_raw_article


class _Strict(BaseModel):
    count: int


def _validation_error() -> ValidationError:
    try:
        _Strict.model_validate({"count": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("no validation error")


class CoreFailed(UnexpectedFailure):
    pass


@pytest.mark.parametrize(
    ("subject", "label"),
    [
        ("raw.article", "raw.article"),
        ("dead.letter", "dead.letter"),
        (None, "none"),
        ("", "none"),
        ("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.OREWATCH.cleaner", "advisory"),
        ("orewatch.test.anything", "other"),
        ("raw.article.v2", "other"),
    ],
)
def test_subject_label_keeps_the_series_bounded(subject: str | None, label: str) -> None:
    assert subject_label(subject) == label


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (_validation_error(), DeadLetterReason.INVALID),
        (json.JSONDecodeError("Expecting value", "x", 0), DeadLetterReason.INVALID),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), DeadLetterReason.INVALID),
        (PermanentError("no text left after cleaning"), DeadLetterReason.REFUSED),
        (CoreFailed(KeyError("x")), DeadLetterReason.BUG),
        (
            sqlalchemy.exc.IntegrityError("INSERT …", {}, psycopg.errors.UniqueViolation("duplicate key")),
            DeadLetterReason.CONSTRAINT,
        ),
        (
            sqlalchemy.exc.DataError("INSERT …", {}, psycopg.errors.StringDataRightTruncation("too long")),
            DeadLetterReason.CONSTRAINT,
        ),
    ],
)
def test_each_permanent_failure_has_its_reason(exc: Exception, reason: DeadLetterReason) -> None:
    assert classify(exc) is Failure.PERMANENT  # the only failures dead-lettered at once
    assert permanent_reason(exc) is reason


def test_durable_consumers_are_read_from_the_subscribers() -> None:
    def sub(stream: str | None, durable: str | None) -> SimpleNamespace:
        return SimpleNamespace(
            stream=SimpleNamespace(name=stream) if stream else None,
            config=SimpleNamespace(durable_name=durable),
        )

    subscribers = [sub("S", "b"), sub("S", "a"), sub("S", "a"), sub("A", "z"), sub(None, "x"), sub("S", None)]
    assert durable_consumers(subscribers) == [
        DurableConsumer("A", "z"),
        DurableConsumer("S", "a"),
        DurableConsumer("S", "b"),
    ]


def test_subscribed_subjects_are_read_from_faststream_addresses() -> None:
    from orewatch_cleaner.app import build_app

    broker = build_app(Settings(_env_file=None)).broker
    assert subscribed_subjects(broker.subscribers) == [RAW_ARTICLE]
    assert subscribed_subjects([SimpleNamespace(subject="a"), SimpleNamespace(subject=None)]) == ["a"]


def test_expected_series_start_at_zero_for_every_reason_the_policy_gives() -> None:
    registry = CollectorRegistry()
    PipelineMetrics(registry, "cleaner").expect(["raw.article", "raw.article"])
    for reason in DeadLetterReason:
        labels = {"service": "cleaner", "subject": "raw.article", "reason": reason.value}
        expected = 0.0 if reason in POLICY_REASONS else None  # never given for a consumed message
        assert registry.get_sample_value("orewatch_dead_letters_total", labels) == expected
    labels = {"service": "cleaner", "subject": "raw.article"}
    assert registry.get_sample_value("orewatch_redeliveries_total", labels) == 0.0


class FakeJetStream:
    """consumer_info answers from a table; a missing consumer raises as NATS would."""

    def __init__(self, infos: dict[str, SimpleNamespace]) -> None:
        self.infos = infos

    async def consumer_info(self, stream: str, durable: str, timeout: float) -> SimpleNamespace:
        if durable not in self.infos:
            raise TimeoutError("nats: timeout")
        return self.infos[durable]


async def test_a_refresh_sets_each_gauge_and_keeps_the_last_values_of_a_silent_consumer() -> None:
    registry = CollectorRegistry()
    watch = ConsumerWatch(PipelineMetrics(registry, "store"))
    consumers = [DurableConsumer("OREWATCH", "store-raw"), DurableConsumer("OREWATCH", "store-clean")]
    info = SimpleNamespace(num_pending=7, num_ack_pending=1, num_redelivered=2)
    await watch.refresh(FakeJetStream({"store-raw": info, "store-clean": info}), consumers)
    await watch.refresh(
        FakeJetStream({"store-raw": SimpleNamespace(num_pending=3, num_ack_pending=0, num_redelivered=None)}),
        consumers,
    )

    def value(name: str, durable: str) -> float | None:
        labels = {"service": "store", "stream": "OREWATCH", "consumer": durable}
        return registry.get_sample_value(f"orewatch_consumer_{name}_messages", labels)

    table = {
        ("pending", "store-raw"): 3,
        ("ack_pending", "store-raw"): 0,
        ("redelivered", "store-raw"): 0,
        ("pending", "store-clean"): 7,  # the second refresh could not ask: the last values stay
        ("ack_pending", "store-clean"): 1,
        ("redelivered", "store-clean"): 2,
    }
    assert {key: value(*key) for key in table} == table


class CancelSwallowingJetStream:
    """consumer_info that loses a cancel, as `wait_for` on Python 3.11 may when a reply lands
    at its timeout's edge: the loop around it goes on as if nothing had been asked."""

    async def consumer_info(self, stream: str, durable: str, timeout: float) -> SimpleNamespace:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(timeout)
        return SimpleNamespace(num_pending=0, num_ack_pending=0, num_redelivered=0)


async def test_stop_ends_the_watch_even_when_a_cancel_is_lost() -> None:
    watch = ConsumerWatch(PipelineMetrics(CollectorRegistry(), "store"), interval_s=0.01)
    watch.start(CancelSwallowingJetStream(), [DurableConsumer("OREWATCH", "store-raw")])
    await asyncio.sleep(0.05)  # inside consumer_info
    await asyncio.wait_for(watch.stop(), timeout=5)  # before the fix: forever


# ---- on a real nats-server ----

ARTICLE = make_raw_article("Текст.", article_id="d" * 32, source_uri="x.txt", content_sha256="0" * 64)


def settings_for(nats_url: str) -> Settings:
    return Settings(
        _env_file=None, nats_url=nats_url, ack_wait_s=2, max_deliver=3, retry_base_s=0.2, retry_max_s=0.4
    )


def sample(broker: PipelineBroker, name: str, **labels: str) -> float:
    return broker.metrics.get_sample_value(name, {"service": "test", **labels}) or 0.0


def refuse(article: RawArticle) -> None:
    raise PermanentError("nothing to extract")


def crash(article: RawArticle) -> None:
    raise CoreFailed(KeyError(article.source_uri))


def deadlock(article: RawArticle) -> None:
    raise sqlalchemy.exc.OperationalError("UPDATE …", {}, psycopg.errors.DeadlockDetected("deadlock"))


async def start_consumer(
    nats_url: str, handle: Callable[[RawArticle, int], Any], refresh_s: float = 5.0
) -> PipelineBroker:
    """A service's broker reading raw.article; `handle(article, call)` numbers its calls from 1."""
    settings = settings_for(nats_url)
    broker = build_broker(settings, "test")
    broker.consumer_watch.interval_s = refresh_s
    calls: list[int] = []

    @broker.subscriber(RAW_ARTICLE, **subscriber_options(settings, build_stream(settings), durable="test"))
    async def on_article(article: RawArticle) -> None:
        calls.append(len(calls) + 1)
        result = handle(article, len(calls))
        if asyncio.iscoroutine(result):
            await result

    await broker.start()
    return broker


@pytest.mark.slow
@pytest.mark.parametrize(
    ("poison", "handle", "reason"),
    [
        (b"not json at all", lambda article, call: None, DeadLetterReason.INVALID),
        (ARTICLE, lambda article, call: refuse(article), DeadLetterReason.REFUSED),
        (ARTICLE, lambda article, call: crash(article), DeadLetterReason.BUG),
        (ARTICLE, lambda article, call: deadlock(article), DeadLetterReason.RETRIES_EXHAUSTED),
    ],
    ids=lambda value: value.value if isinstance(value, DeadLetterReason) else None,
)
async def test_a_poison_message_counts_one_dead_letter_by_its_reason(
    bus: Any, wait: Any, poison: Any, handle: Any, reason: DeadLetterReason
) -> None:
    broker = await start_consumer(bus.client.connected_url.geturl(), handle)
    try:
        await bus.publish(RAW_ARTICLE, poison, msg_id="poison")
        await wait(lambda: bus.count(DEAD_LETTER), timeout=20)
        counted = {
            r: sample(broker, "orewatch_dead_letters_total", subject=RAW_ARTICLE, reason=r.value)
            for r in DeadLetterReason
        }
        assert counted == {r: 1.0 if r is reason else 0.0 for r in DeadLetterReason}
        # retries exhausted: max_deliver=3, so two redeliveries before the letter
        expected = 2.0 if reason is DeadLetterReason.RETRIES_EXHAUSTED else 0.0
        assert sample(broker, "orewatch_redeliveries_total", subject=RAW_ARTICLE) == expected
    finally:
        await broker.stop()


@pytest.mark.slow
async def test_a_redelivered_message_is_counted_once_per_redelivery(bus: Any, wait: Any) -> None:
    def fail_first(article: RawArticle, call: int) -> None:
        if call == 1:
            deadlock(article)

    broker = await start_consumer(bus.client.connected_url.geturl(), fail_first)
    try:
        await bus.publish(RAW_ARTICLE, ARTICLE)
        await wait(
            lambda: sample(broker, "orewatch_redeliveries_total", subject=RAW_ARTICLE) == 1.0, timeout=20
        )
        await asyncio.sleep(0.5)
        assert sample(broker, "orewatch_redeliveries_total", subject=RAW_ARTICLE) == 1.0
        assert (
            sum(
                sample(broker, "orewatch_dead_letters_total", subject=RAW_ARTICLE, reason=r.value)
                for r in DeadLetterReason
            )
            == 0
        )
    finally:
        await broker.stop()


@pytest.mark.slow
async def test_the_pending_gauges_show_a_backlog_and_its_end(bus: Any, wait: Any) -> None:
    """Five articles, the handler stuck on the first: one in hand, four waiting; then none."""
    release = asyncio.Event()
    broker = await start_consumer(
        bus.client.connected_url.geturl(), lambda article, call: release.wait(), refresh_s=0.2
    )
    labels = {"stream": "OREWATCH", "consumer": "test"}

    def gauges() -> tuple[float, float]:
        return (
            sample(broker, "orewatch_consumer_pending_messages", **labels),
            sample(broker, "orewatch_consumer_ack_pending_messages", **labels),
        )

    try:
        for n in range(5):
            await bus.publish(RAW_ARTICLE, make_raw_article(f"Текст {n}.", source_uri=f"{n}.txt"))
        await wait(lambda: gauges() == (4.0, 1.0), timeout=20)
        release.set()
        await wait(lambda: gauges() == (0.0, 0.0), timeout=20)
    finally:
        release.set()
        await broker.stop()
