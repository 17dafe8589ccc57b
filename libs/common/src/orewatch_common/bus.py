"""JetStream wiring shared by every service: stream, durable consumers, delivery policy.

The delivery policy replaces FastStream's default (which terminates a message on
any exception). `failures.classify` decides, in one place, what a failure deserves:

* success: ack, after the handler returned, i.e. after its output was published
  (JetStream publish awaits the server's PubAck) or, in the store, committed;
* PERMANENT (invalid input, a core's `PermanentError`, undecodable data, a constraint the
  data violates): record a dead letter with the reason, error class, subject and stream
  sequence, then terminate the message so it is not redelivered;
* UNAVAILABLE (a dependency is down: Postgres refuses connections, a timeout reaching a
  server, NATS disconnected, the raw article of a clean one not stored yet): the message
  is held and its handler retried in place, with capped exponential backoff and jitter,
  sending `in_progress` heartbeats so the server does not redeliver it. No delivery is
  spent, so an outage of any length ends with the message processed, never dead-lettered;
  the held message also keeps the consumer from pulling more (batch size 1), so nothing
  else burns deliveries meanwhile. A SIGTERM cancels the hold after the broker's short
  graceful timeout; the unacked message is redelivered later.
* TRANSIENT (anything else: a cancelled slow statement, a deadlock, a serialization
  failure, an unknown error): nak with a delay `retry_delay` (capped exponential, equal
  jitter), and dead-letter once `max_deliver` deliveries have failed.

The consumers have no server-side `backoff` list. nats-server computes the redelivery of
a nak with delay d as d + backoff[n] - ack_wait, so a growing backoff compounded with the
nak delays (1, 65, 195, 480, 1020 s were seen). Without it a nak waits exactly its delay,
and a handler that died (no ack, no nak) is redelivered after `ack_wait_s`; one that never
finishes at all (killed for memory on every delivery) ends in JetStream's max-deliveries
advisory, which the store turns into a dead letter (nats-server sends it when the consumer
next pulls after the last delivery's ack wait, i.e. once the restarted service asks again).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic_core
from faststream import FastStream
from faststream.middlewares import AckPolicy, BaseMiddleware
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.prometheus import NatsPrometheusMiddleware
from faststream.security import SASLPlaintext
from faststream.specification import AsyncAPI
from nats.errors import ConnectionClosedError, ConnectionReconnectingError
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import (
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    StorageType,
    StreamConfig,
    StreamInfo,
)
from nats.js.errors import BadRequestError
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orewatch_common.contracts import DEAD_LETTER, PIPELINE_SUBJECTS, Contract, DeadLetter
from orewatch_common.failures import DeadLetterReason, Failure, classify, error_class, permanent_reason
from orewatch_common.health import Dependency, HealthServer, Readiness
from orewatch_common.logs import BUS_LOGGER, bind_message, bound, get_logger
from orewatch_common.metrics import ConsumerWatch, PipelineMetrics, durable_consumers, subscribed_subjects
from orewatch_common.payloads import PayloadResolver
from orewatch_common.permissions import inbox_prefix
from orewatch_common.settings import Settings

if TYPE_CHECKING:
    from types import TracebackType

    from faststream._internal.context.repository import ContextRepo
    from faststream.message import StreamMessage
    from faststream.nats.publisher.usecase import LogicPublisher
    from nats.js.client import JetStreamContext

log = get_logger(__name__)

T = TypeVar("T")

# A dead letter, JSON-encoded, stays under this (NATS refuses payloads over 1 MiB by default).
DEAD_LETTER_MAX_BYTES = 256 * 1024
REASON_MAX_CHARS = 4000
# A SIGTERM waits this long for running handlers, then cancels them (they are redelivered).
GRACEFUL_TIMEOUT_S = 5.0


# JetStream's error code for "stream name already in use with a different configuration".
STREAM_NAME_IN_USE = 10058


def retention(settings: Settings) -> dict[str, Any]:
    """Max age and max bytes of a stream; JetStream's own "no limit" (0 and -1) for a 0 setting."""
    return {
        "max_age": settings.stream_max_age_s or 0.0,
        "max_bytes": settings.stream_max_bytes or -1,
        "discard": DiscardPolicy.OLD,
    }


def stream_config(settings: Settings) -> StreamConfig:
    """The one stream that holds every pipeline subject, on disk, with a dedup window and the
    retention limits of the settings."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=list(PIPELINE_SUBJECTS),
        storage=StorageType.FILE,
        duplicate_window=settings.duplicate_window_s,
        num_replicas=settings.stream_replicas,
        description="orewatch pipeline: raw.article -> clean.article -> extracted.statement",
        **retention(settings),
    )


def build_stream(settings: Settings) -> JStream:
    """The pipeline stream as subscribers and publishers name it.

    FastStream does not declare it: its own declaration creates a stream with only the
    subjects of the app that starts first (and the config of whichever `JStream` it saw
    first), then merges subjects read back from the server, so two services starting at
    once can drop each other's subjects. `ensure_stream` declares the whole config instead.
    """
    return JStream(name=settings.stream_name, declare=False)


async def ensure_stream(
    js: JetStreamContext, settings: Settings, config: StreamConfig | None = None
) -> StreamInfo:
    """Create a stream (the pipeline's by default), or bring an existing one to this config.

    Every service writes the same whole config, so services starting together converge.
    """
    config = config or stream_config(settings)
    try:
        return await js.add_stream(config)
    except BadRequestError as exc:
        if exc.err_code != STREAM_NAME_IN_USE:
            raise
        log.info("stream %s had another config; updating it to this one", config.name)
        return await js.update_stream(config)


# JetStream's advisory when a message ran out of deliveries without an ack or a term
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
MAX_DELIVERIES_EXCEEDED = "MaxDeliveriesExceeded"


def advisory_stream_name(settings: Settings) -> str:
    return f"{settings.stream_name}_ADVISORIES"


def advisory_subject(settings: Settings) -> str:
    """Max-deliveries advisories of every consumer of the pipeline stream."""
    return f"{MAX_DELIVERIES_ADVISORY}.{settings.stream_name}.*"


def advisory_stream_config(settings: Settings) -> StreamConfig:
    """Keeps the advisories (NATS publishes them to no one in particular) until the store reads them."""
    return StreamConfig(
        name=advisory_stream_name(settings),
        subjects=[advisory_subject(settings)],
        storage=StorageType.FILE,
        num_replicas=settings.stream_replicas,
        description="orewatch: messages that ran out of deliveries (a handler killed every time)",
        **retention(settings),
    )


class MaxDeliveriesAdvisory(BaseModel):
    """`io.nats.jetstream.advisory.v1.max_deliver`, the fields the store uses."""

    model_config = ConfigDict(extra="ignore")

    stream: str
    consumer: str
    stream_seq: int = Field(ge=1)
    deliveries: int = Field(default=1, ge=1)


def dead_letter_from_advisory(
    advisory: MaxDeliveriesAdvisory, subject: str | None, payload: bytes | None
) -> DeadLetter:
    """The dead letter of a message no handler ever finished (OOM-killed on every delivery).

    `payload` is the original message fetched by its sequence; None when the stream no
    longer holds it. The consumer's service is its durable's first word (store-raw: store).
    """
    where = f"consumer {advisory.consumer} of stream {advisory.stream}"
    reason = (
        f"no handler finished it in {advisory.deliveries} deliveries ({where}):"
        " the process was killed or hung each time"
    )
    if payload is None:
        reason += f"; the message (sequence {advisory.stream_seq}) is no longer in the stream"
    return dead_letter_for(
        advisory.consumer.split("-")[0],
        reason=reason,
        payload=payload or b"",
        subject=subject,
        source_uri=source_uri_of(payload) if payload else None,
        deliveries=advisory.deliveries,
        stream_sequence=advisory.stream_seq,
        error_class=MAX_DELIVERIES_EXCEEDED,
    )


def consumer_config(settings: Settings, durable: str) -> ConsumerConfig:
    """Durable pull consumer shared by all replicas of a service, with explicit acks."""
    return ConsumerConfig(
        durable_name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=settings.ack_wait_s,
        max_deliver=settings.max_deliver,
        # no server-side backoff list: it compounds with nak delays (see the module docstring)
        max_ack_pending=1000,
    )


def subscriber_options(settings: Settings, stream: JStream, durable: str) -> dict[str, Any]:
    """Keyword arguments of `broker.subscriber` for a durable, manually acked pull consumer."""
    options: dict[str, Any] = {
        "stream": stream,
        "durable": durable,
        "config": consumer_config(settings, durable),
        "pull_sub": PullSub(batch_size=1, timeout=5.0),
        "ack_policy": AckPolicy.MANUAL,
    }
    if settings.nats_user:
        # FastStream gives each pull subscription `_INBOX.` unless told: the user's own prefix
        options["inbox_prefix"] = f"{inbox_prefix(settings.nats_user)}.".encode()
    return options


ARTICLE_HEADER = "Orewatch-Article-Id"
"""The article a message is about, so its consumers' log lines name it without parsing the body."""


def article_id_of(message: Contract) -> str | None:
    """The article a contract is about: its own id (raw, clean) or its article's (an extraction)."""
    found = getattr(message, "article_id", None) or getattr(
        getattr(message, "article", None), "article_id", None
    )
    return str(found) if found else None


def message_headers(message: Contract) -> dict[str, str]:
    """Headers of a published contract: its content hash as `Nats-Msg-Id` for dedup, and the
    article it is about (for the consumers' logs)."""
    headers = {"Nats-Msg-Id": message.message_id(), "Orewatch-Schema": str(type(message).__name__)}
    article_id = article_id_of(message)
    if article_id:
        headers[ARTICLE_HEADER] = article_id
    return headers


async def publish(publisher: LogicPublisher, message: Contract) -> None:
    """Publish a contract to JetStream and wait for the stream's acknowledgement."""
    await publisher.publish(message, headers=message_headers(message))


class PipelineBroker(NatsBroker):
    """A NATS broker that declares the pipeline stream (`ensure_stream`) before its consumers
    start, keeps `readiness` up to date with its connection, and, once started, the pending
    gauges of its durable consumers (`ConsumerWatch`)."""

    def __init__(
        self, settings: Settings, service: str, metrics: CollectorRegistry | None = None, **options: Any
    ) -> None:
        # a structlog logger: FastStream's context (its `extra`) arrives as one key the renderer
        # spreads under the message's binding, so the bound subject (not a wildcard) wins
        bus_log = get_logger(BUS_LOGGER)
        self.readiness = Readiness(Dependency.NATS)
        self.extra_streams: list[StreamConfig] = []
        self.metrics = metrics or CollectorRegistry()  # served on /metrics
        self.telemetry = PipelineMetrics(self.metrics, service)
        self.consumer_watch = ConsumerWatch(self.telemetry)
        super().__init__(
            settings.nats_servers(),
            name=f"orewatch-{service}",
            logger=bus_log,
            # nats-py gives up after 60 attempts (about two minutes); an outage may last longer
            max_reconnect_attempts=-1,
            # FastStream annotates an int; nats-py sleeps any float, as tests need
            reconnect_time_wait=settings.nats_reconnect_wait_s,  # type: ignore[arg-type]
            graceful_timeout=GRACEFUL_TIMEOUT_S,
            disconnected_cb=self.readiness.nats_disconnected,
            reconnected_cb=self.readiness.nats_reconnected,
            **nats_auth_options(settings),
            **options,
        )
        self.pipeline_settings = settings

    async def start(self) -> None:
        await self.connect()
        self.readiness.set(Dependency.NATS, True)
        js = self.connection.jetstream()
        await ensure_stream(js, self.pipeline_settings)
        for config in self.extra_streams:
            await ensure_stream(js, self.pipeline_settings, config)
        await super().start()
        self.telemetry.expect(subscribed_subjects(self.subscribers))
        self.consumer_watch.start(js, durable_consumers(self.subscribers))

    async def stop(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        """Stop cleanly while NATS is down too: nats-py refuses to drain a reconnecting
        connection (the process then exited with status 1), so it is closed instead."""
        await self.consumer_watch.stop()
        try:
            await super().stop(exc_type, exc_val, exc_tb)
        except (ConnectionReconnectingError, ConnectionClosedError):
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await self._connection.close()
                self._connection = None
            self.config.disconnect()


def nats_auth_options(settings: Settings) -> dict[str, Any]:
    """Broker options of the service's NATS user: its password, never part of the URL, and its
    own inbox prefix, the only replies its permissions let it read (orewatch_common.permissions)."""
    credentials = settings.nats_credentials()
    if credentials is None:
        return {}
    user, password = credentials
    return {"security": SASLPlaintext(username=user, password=password), "inbox_prefix": inbox_prefix(user)}


def build_broker(settings: Settings, service: str) -> PipelineBroker:
    """Broker of one service, with the delivery policy installed and dead.letter declared.

    Every service may dead-letter what it cannot process, so each one documents the
    `dead.letter` channel in its AsyncAPI.
    """
    policy = DeliveryPolicy(service=service, settings=settings)
    about = MessageLogContext(service)  # first: every line of the others names the message
    payloads = PayloadResolver(settings)  # inside the policy: a missing body is a dead letter
    # outermost: it sees what the policy made of each message (FastStream's own metrics)
    metrics = CollectorRegistry()
    prometheus = NatsPrometheusMiddleware(registry=metrics, app_name=service)
    broker = PipelineBroker(settings, service, metrics, middlewares=[about, prometheus, policy, payloads])
    payloads.broker = broker
    broker.publisher(
        DEAD_LETTER,
        stream=build_stream(settings),
        schema=DeadLetter,
        title="dead.letter",
        description=f"Inputs the {service} could not process, with the reason.",
    )
    policy.broker = broker
    return broker


def retry_delay(settings: Settings, deliveries: int, jitter: float | None = None) -> float:
    """Delay before the next try after `deliveries` failed ones: capped exponential, equal jitter.

    The ceiling is min(retry_max_s, retry_base_s * 2**(n-1)); the delay is drawn in
    [ceiling/2, ceiling] so replicas that failed together do not retry together, yet never
    retry at once. `jitter` (0..1) fixes the draw, for tests.
    """
    exponent = min(max(deliveries, 1) - 1, 64)
    ceiling = min(settings.retry_max_s, settings.retry_base_s * 2.0**exponent)
    fraction = random.random() if jitter is None else min(max(jitter, 0.0), 1.0)
    return ceiling / 2 + ceiling / 2 * fraction


async def once_available(open_: Callable[[], Awaitable[T]], settings: Settings, what: str) -> T:
    """`open_()` once its server answers: a dependency that is down at start-up (NATS gone while
    a bucket is created) is waited for with the capped backoff, never a crashed service.
    Any other failure is raised as it is."""
    tries = 0
    while True:
        try:
            return await open_()
        except Exception as exc:
            if classify(exc) is not Failure.UNAVAILABLE:
                raise
            tries += 1
            delay = retry_delay(settings, tries)
            log.warning(
                "%s is unavailable (try %d), again in %.1fs: %s", what, tries, delay, describe_error(exc)
            )
            await asyncio.sleep(delay)


def describe_error(exc: BaseException) -> str:
    """A short, readable reason for a dead letter."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:5]
        )
        return f"invalid message ({exc.error_count()} problem(s)): {problems}"
    return f"{type(exc).__name__}: {exc}"


def dead_letter_for(
    service: str,
    *,
    reason: str,
    payload: bytes | str,
    subject: str | None = None,
    source_uri: str | None = None,
    deliveries: int = 1,
    stream_sequence: int | None = None,
    error_class: str | None = None,
    payload_size: int | None = None,
) -> DeadLetter:
    """The one builder of dead letters: the input (capped), the reason and where it came from.

    The cap holds for the JSON-encoded letter, not the characters before escaping: a NUL
    or control character takes six bytes once encoded. `payload_size` is the original size:
    that of `payload`, unless the caller passes only the head of a larger input.
    """
    raw = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else payload
    letter = DeadLetter(
        service=service,
        subject=subject,
        source_uri=source_uri[:REASON_MAX_CHARS] if source_uri else source_uri,
        reason=reason[:REASON_MAX_CHARS],
        payload="",
        payload_size=len(raw) if payload_size is None else payload_size,
        deliveries=max(deliveries, 1),
        failed_at=datetime.now(UTC),
        stream_sequence=stream_sequence,
        error_class=error_class,
    )
    room = DEAD_LETTER_MAX_BYTES - len(letter.model_dump_json().encode())
    # every input byte encodes to at least one output byte, so `room` bytes are enough input
    head = raw[: max(room, 0)]
    if _json_size(_payload_text(head)) > room:
        head = head[: _longest_prefix_within(head, room)]
    return letter.model_copy(update={"payload": _payload_text(head)})


def _payload_text(raw: bytes) -> str:
    """Undecodable bytes and NUL (which PostgreSQL text cannot hold) escaped as \\xNN."""
    return raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def _json_size(text: str) -> int:
    return len(pydantic_core.to_json(text)) - 2  # without the quotes


def _longest_prefix_within(raw: bytes, room: int) -> int:
    """Length of the longest prefix of `raw` whose escaped JSON text fits in `room` bytes.

    Cut in the input, never in its escaped text, so no `\\xNN` is left half-written.
    """
    low, high = 0, len(raw)
    while low < high:
        middle = (low + high + 1) // 2
        if _json_size(_payload_text(raw[:middle])) <= room:
            low = middle
        else:
            high = middle - 1
    return low


class DeliveryPolicy:
    """Broker middleware factory: ack, retry or dead-letter each JetStream message."""

    def __init__(self, *, service: str, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.broker: NatsBroker | None = None

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> _DeliveryMiddleware:
        return _DeliveryMiddleware(msg, context=context, policy=self)

    async def send_dead_letter(self, letter: DeadLetter, reason: DeadLetterReason) -> None:
        assert self.broker is not None, "DeliveryPolicy is not bound to a broker"
        await send_dead_letter(self.broker, self.settings, letter, reason)

    def redelivery(self, subject: str | None) -> None:
        if isinstance(self.broker, PipelineBroker):
            self.broker.telemetry.redelivery(subject)


async def send_dead_letter(
    broker: NatsBroker, settings: Settings, letter: DeadLetter, reason: DeadLetterReason
) -> None:
    """Publish a dead letter on the channel `build_broker` declared, wait for the stream's ack,
    then count it (`orewatch_dead_letters_total`): every published dead letter passes here.
    Sent while a message is handled, it names that message's article, for the store's log."""
    headers = message_headers(letter)
    article_id = bound().get("article_id")
    if article_id:
        headers.setdefault(ARTICLE_HEADER, str(article_id))
    await broker.publish(letter, DEAD_LETTER, headers=headers, stream=settings.stream_name)
    if isinstance(broker, PipelineBroker):
        broker.telemetry.dead_letter(letter.subject, reason)


def jetstream_metadata(msg: StreamMessage[Any]) -> Any:
    """The JetStream metadata of a message; None for a core NATS or test broker message
    (nats-py raises, rather than returns None, when the reply subject is not JetStream's)."""
    try:
        return msg.raw_message.metadata
    except Exception:
        return None


def _deliveries(msg: StreamMessage[Any]) -> int:
    return int(getattr(jetstream_metadata(msg), "num_delivered", 1) or 1)


def stream_sequence(msg: StreamMessage[Any]) -> int | None:
    """Stream sequence of a JetStream message, None when it has none."""
    stream = getattr(getattr(jetstream_metadata(msg), "sequence", None), "stream", None)
    return int(stream) if stream else None


# `"article_id": "…"` in a message published without the header (by hand, by an older service);
# not after a backslash, so an article's text that quotes the key is not taken for it
_ARTICLE_ID = re.compile(rb'(?<!\\)"article_id"\s*:\s*"([^"\\]{1,128})"')


def message_about(raw: Any) -> dict[str, Any]:
    """`article_id`, `subject` and stream `seq` of a NATS message, as its log lines carry them.

    The header says the article; a message without it (or a stub of an offloaded body: the
    article is then unknown until resolved) is searched for the id. None for what is unknown.
    """
    headers = getattr(raw, "headers", None) or {}
    article_id = headers.get(ARTICLE_HEADER)
    if not article_id:
        match = _ARTICLE_ID.search(getattr(raw, "data", b"") or b"")
        article_id = match.group(1).decode("utf-8", "replace") if match else None
    try:
        seq: int | None = int(raw.metadata.sequence.stream)
    except Exception:  # a core NATS message has no JetStream metadata (nats-py raises)
        seq = None
    return {"article_id": article_id, "subject": getattr(raw, "subject", None), "seq": seq}


class MessageLogContext:
    """Broker middleware factory that binds what each message is about to structlog's
    contextvars (`orewatch_common.logs.bind_message`), the one place the bus names it."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> _MessageLogMiddleware:
        return _MessageLogMiddleware(msg, context=context, service=self.service)


class _MessageLogMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: ContextRepo, service: str) -> None:
        super().__init__(msg, context=context)
        self.service = service

    async def on_receive(self) -> None:
        """Bound before FastStream's own "Received"; never unbound, so its "Processed" (logged
        after every middleware has exited) names the message too: the task ends with it."""
        bind_message(service=self.service, **message_about(self.msg))
        await super().on_receive()


# A handler still running after this long is presumed hung: the heartbeats stop, and
# the server redelivers the message (or, after max_deliver, reports it to the store).
HEARTBEAT_LIMIT_S = 30 * 60.0


@contextlib.asynccontextmanager
async def _kept_in_progress(msg: StreamMessage[Any], ack_wait_s: float) -> AsyncIterator[None]:
    """`in_progress` heartbeats while the handler runs, so a long one (a 20 MB article takes
    a minute to clean) is not redelivered to another replica as if its consumer had died."""

    async def beat() -> None:
        interval = max(ack_wait_s / 3, 0.1)
        for _ in range(int(HEARTBEAT_LIMIT_S / interval)):
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):  # NATS may be away; the ack wait then decides
                await msg.raw_message.in_progress()

    heartbeat = asyncio.create_task(beat())
    try:
        yield
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat


class _DeliveryMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: ContextRepo, policy: DeliveryPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        deliveries = _deliveries(msg)
        if deliveries > 1:
            self.policy.redelivery(getattr(msg.raw_message, "subject", None))
        holds = 0
        while True:
            try:
                async with _kept_in_progress(msg, self.policy.settings.ack_wait_s):
                    result = await call_next(msg)
            except Exception as exc:
                failure = classify(exc)
                if failure is Failure.UNAVAILABLE:
                    holds += 1
                    await self._hold(msg, exc, holds)
                    continue
                await self._fail(msg, exc, failure, deliveries)
                return None
            await msg.ack()
            return result

    async def _hold(self, msg: StreamMessage[Any], exc: Exception, holds: int) -> None:
        """A dependency is down: wait (capped backoff), telling the server the message is in hand."""
        settings = self.policy.settings
        delay = retry_delay(settings, holds)
        log.warning(
            "%s: a dependency is unavailable for %s (try %d); holding it %.1fs: %s",
            self.policy.service,
            msg.raw_message.subject,
            holds,
            delay,
            describe_error(exc),
            exc_info=exc if holds == 1 else None,
        )
        # A beat at least once per hold, however short: holds shorter than the handler
        # heartbeat's interval would otherwise never tell the server the message is in hand.
        deadline = asyncio.get_running_loop().time() + delay
        beat = max(settings.ack_wait_s / 3, 0.1)
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            await asyncio.sleep(min(beat, left))
            # NATS may be down too: the server then redelivers after ack_wait (a duplicate the
            # idempotent writes absorb), and the hold goes on
            with contextlib.suppress(Exception):
                await msg.raw_message.in_progress()

    async def _fail(self, msg: StreamMessage[Any], exc: Exception, failure: Failure, deliveries: int) -> None:
        policy = self.policy
        if failure is Failure.PERMANENT:
            await self._give_up(msg, describe_error(exc), deliveries, exc, permanent_reason(exc))
            return
        if deliveries >= policy.settings.max_deliver:
            reason = f"gave up after {deliveries} deliveries: {describe_error(exc)}"
            await self._give_up(msg, reason, deliveries, exc, DeadLetterReason.RETRIES_EXHAUSTED)
            return
        delay = retry_delay(policy.settings, deliveries)
        log.warning(
            "%s: transient failure on %s (delivery %d), retry in %.1fs: %s",
            policy.service,
            msg.raw_message.subject,
            deliveries,
            delay,
            describe_error(exc),
            exc_info=exc,
        )
        await msg.nack(delay=delay)  # type: ignore[call-arg]  # NatsMessage.nack takes a delay

    async def _give_up(
        self, msg: StreamMessage[Any], reason: str, deliveries: int, exc: Exception, why: DeadLetterReason
    ) -> None:
        """Record the dead letter first; only then drop the message, so nothing is lost."""
        policy = self.policy
        subject = getattr(msg.raw_message, "subject", None)
        log.error("%s: dead letter from %s: %s", policy.service, subject, reason)
        letter = dead_letter_for(
            policy.service,
            reason=reason,
            payload=msg.body,
            subject=subject,
            source_uri=source_uri_of(msg.body),
            deliveries=deliveries,
            stream_sequence=stream_sequence(msg),
            error_class=error_class(exc),
        )
        await policy.send_dead_letter(letter, why)
        await msg.reject()


# `"source_uri": "…"` in a message too broken to parse as JSON
_SOURCE_URI = re.compile(rb'"source_uri"\s*:\s*("(?:[^"\\]|\\.){0,4000}")')


def source_uri_of(body: bytes) -> str | None:
    """Source URI of a message that may be invalid, for its dead letter: the message's own
    (raw and clean articles) or its article's (an extraction carries the clean article)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        match = _SOURCE_URI.search(body[:1_000_000])
        with contextlib.suppress(ValueError):
            found = json.loads(match.group(1)) if match else None
            return found if isinstance(found, str) else None
        return None
    holders = [data, data.get("article")] if isinstance(data, dict) else []
    for holder in holders:
        if isinstance(holder, dict) and isinstance(holder.get("source_uri"), str):
            return str(holder["source_uri"])
    return None


def service_app(broker: NatsBroker, service: str, description: str, **hooks: Any) -> FastStream:
    """The FastStream app of a service, with its AsyncAPI description (`faststream docs gen`)
    and, when `health_port` is set, its health endpoints."""
    spec = AsyncAPI(title=f"orewatch {service}", version="0.1.0", description=description)
    app = FastStream(broker, specification=spec, logger=logging.getLogger(BUS_LOGGER), **hooks)
    settings = getattr(broker, "pipeline_settings", None)
    readiness = getattr(broker, "readiness", None)
    if settings is not None and settings.health_port is not None and readiness is not None:
        server = HealthServer(
            readiness,
            settings.health_port,
            host=settings.health_host,
            registry=getattr(broker, "metrics", None),
        )
        readiness.started = False

        async def started() -> None:
            readiness.started = True

        async def serve_health() -> None:
            await server.start()
            # registered now, so it runs after the service's own after_startup hooks
            app.after_startup(started)

        app.on_startup(serve_health)
        app.after_shutdown(server.stop)
    return app
