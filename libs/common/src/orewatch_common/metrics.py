"""orewatch's own Prometheus metrics, defined here and nowhere else.

FastStream's NATS middleware (installed by `bus.build_broker`) already counts messages in
and out, errors and handler latency. What only orewatch knows is added here, in the same
per-service registry the health server serves on `/metrics`:

* `orewatch_redeliveries_total{service, subject}`: messages handled again (JetStream
  delivery count > 1): a retry after a transient failure, or a redelivery after a crash;
* `orewatch_dead_letters_total{service, subject, reason}`: dead letters the service
  published (or, for max-deliveries advisories, stored), `reason` a `DeadLetterReason`;
* `orewatch_consumer_{pending,ack_pending,redelivered}_messages{service, stream, consumer}`:
  the backlog of each durable consumer the service reads, from JetStream's consumer info,
  refreshed every `CONSUMER_REFRESH_S` by `ConsumerWatch` (a scrape never waits for NATS);
* `orewatch_extractor_{documents,characters}_total`: the extractor's work; `rate()` gives
  documents and characters per second.

Every label takes few values: services and reasons are enums, subjects are the pipeline's
(`subject_label` folds anything else), consumers are the service's own durables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from orewatch_common.contracts import PIPELINE_SUBJECTS
from orewatch_common.failures import DeadLetterReason

log = logging.getLogger(__name__)

CONSUMER_REFRESH_S = 5.0  # how old a pending gauge may be; Prometheus scrapes every 15 s
CONSUMER_INFO_TIMEOUT_S = 3.0
ADVISORY_PREFIX = "$JS.EVENT.ADVISORY."
# The reasons the delivery policy dead-letters a consumed message for (bus.DeliveryPolicy).
POLICY_REASONS = (
    DeadLetterReason.INVALID,
    DeadLetterReason.REFUSED,
    DeadLetterReason.BUG,
    DeadLetterReason.CONSTRAINT,
    DeadLetterReason.RETRIES_EXHAUSTED,
)
NO_SUBJECT = "none"  # a dead letter of the fetcher: no message came in, a source was refused


def subject_label(subject: str | None) -> str:
    """The subject as a label value: a pipeline subject, `advisory`, `none`, or `other`, so a
    stray subject cannot grow the number of series."""
    if subject is None or subject == "":
        return NO_SUBJECT
    if subject in PIPELINE_SUBJECTS:
        return subject
    if subject.startswith(ADVISORY_PREFIX):
        return "advisory"
    return "other"


class PipelineMetrics:
    """The metrics every service has, bound to its registry and its name (the `service` label)."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        self.service = service
        self.redeliveries = Counter(
            "orewatch_redeliveries",
            "Messages handled again (JetStream delivery count > 1): retries and redeliveries after a crash",
            ["service", "subject"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "orewatch_dead_letters",
            "Dead letters this service published (or stored, for max-deliveries advisories), by reason",
            ["service", "subject", "reason"],
            registry=registry,
        )
        consumer = ["service", "stream", "consumer"]
        self.pending = Gauge(
            "orewatch_consumer_pending_messages",
            "Messages of the stream the durable consumer has not delivered yet (its backlog)",
            consumer,
            registry=registry,
        )
        self.ack_pending = Gauge(
            "orewatch_consumer_ack_pending_messages",
            "Messages delivered to the durable consumer and not acknowledged yet (in hand)",
            consumer,
            registry=registry,
        )
        self.redelivered = Gauge(
            "orewatch_consumer_redelivered_messages",
            "Messages of the durable consumer delivered more than once and not acknowledged yet",
            consumer,
            registry=registry,
        )

    def expect(self, subjects: Iterable[str]) -> None:
        """Series at 0 for the subjects the service reads, so rate() and increase() see the
        first redelivery or dead letter (a series born at 1 shows no increase): the reasons
        its delivery policy can give."""
        for subject in {subject_label(s) for s in subjects}:
            self.redeliveries.labels(self.service, subject)
            self.expect_dead_letters(subject, POLICY_REASONS)

    def expect_dead_letters(self, subject: str | None, reasons: Iterable[DeadLetterReason]) -> None:
        for reason in reasons:
            self.dead_letters.labels(self.service, subject_label(subject), reason.value)

    def redelivery(self, subject: str | None) -> None:
        self.redeliveries.labels(self.service, subject_label(subject)).inc()

    def dead_letter(self, subject: str | None, reason: DeadLetterReason) -> None:
        self.dead_letters.labels(self.service, subject_label(subject), reason.value).inc()

    def consumer_state(self, consumer: DurableConsumer, info: Any) -> None:
        """Set the gauges of one consumer from its JetStream `ConsumerInfo`."""
        labels = (self.service, consumer.stream, consumer.durable)
        self.pending.labels(*labels).set(info.num_pending or 0)
        self.ack_pending.labels(*labels).set(info.num_ack_pending or 0)
        self.redelivered.labels(*labels).set(info.num_redelivered or 0)


class ExtractorMetrics:
    """The extractor's throughput, counted by its FastStream module (the core stays pure)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.documents = Counter(
            "orewatch_extractor_documents",
            "Articles extracted and published; rate() gives documents per second",
            registry=registry,
        )
        self.characters = Counter(
            "orewatch_extractor_characters",
            "Characters of the article bodies extracted; rate() gives characters per second",
            registry=registry,
        )

    def extracted(self, body: str) -> None:
        self.documents.inc()
        self.characters.inc(len(body))


def subscribed_subjects(subscribers: Iterable[Any]) -> list[str]:
    """The subjects a broker's subscribers read (FastStream 0.7 wraps each in an `Address`)."""
    found: set[str] = set()
    for subscriber in subscribers:
        subject = getattr(subscriber, "subject", None)
        subject = getattr(subject, "broker_address", subject)
        if isinstance(subject, str):
            found.add(subject)
    return sorted(found)


@dataclass(frozen=True, order=True)
class DurableConsumer:
    stream: str
    durable: str


def durable_consumers(subscribers: Iterable[Any]) -> list[DurableConsumer]:
    """The durable consumers of a broker's JetStream subscribers (stream and durable name)."""
    found: set[DurableConsumer] = set()
    for subscriber in subscribers:
        stream = getattr(getattr(subscriber, "stream", None), "name", None)
        durable = getattr(getattr(subscriber, "config", None), "durable_name", None)
        if isinstance(stream, str) and isinstance(durable, str):
            found.add(DurableConsumer(stream, durable))
    return sorted(found)


class ConsumerWatch:
    """Keeps the consumer gauges fresh with a periodic `consumer_info`: a scrape is answered
    from memory (the health server cannot await NATS), at most `interval_s` old."""

    def __init__(self, metrics: PipelineMetrics, interval_s: float = CONSUMER_REFRESH_S) -> None:
        self.metrics = metrics
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def refresh(self, js: Any, consumers: Sequence[DurableConsumer]) -> None:
        """One round; a consumer NATS cannot describe now keeps its last values."""
        for consumer in consumers:
            try:
                info = await js.consumer_info(
                    consumer.stream, consumer.durable, timeout=CONSUMER_INFO_TIMEOUT_S
                )
            except Exception as exc:
                log.debug("no consumer info for %s/%s: %s", consumer.stream, consumer.durable, exc)
                continue
            self.metrics.consumer_state(consumer, info)

    def start(self, js: Any, consumers: Sequence[DurableConsumer]) -> None:
        if not consumers or self._task is not None:
            return
        stopping = self._stopping = asyncio.Event()

        async def loop() -> None:
            while not stopping.is_set():
                await self.refresh(js, consumers)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self.interval_s)

        self._task = asyncio.create_task(loop(), name="consumer-watch")

    async def stop(self) -> None:
        """Ends the loop by its event as well as by cancelling it: on Python 3.11 a cancel that
        meets a `consumer_info` reply at its timeout's edge is lost inside `wait_for`, and a loop
        stopped by cancelling alone then ran on, and the broker's stop waited for it forever."""
        if self._task is None:
            return
        self._stopping.set()
        self._task.cancel()
        await asyncio.wait({self._task}, timeout=CONSUMER_INFO_TIMEOUT_S + 1)
        self._task = None
