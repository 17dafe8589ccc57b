"""JetStream wiring shared by every service: stream, durable consumers, delivery policy.

The delivery policy replaces FastStream's default (which terminates a message on
any exception):

* success: ack, after the handler returned, i.e. after its output was published
  (JetStream publish awaits the server's PubAck) or, in the store, committed;
* a permanent failure (`failures.classify`: invalid input, a core's `PermanentError`,
  undecodable data, a constraint the data violates): record a dead letter with the
  reason, then terminate the message so it is not redelivered;
* anything else is transient: nak with a growing delay, and dead-letter once
  `max_deliver` deliveries have failed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from faststream import FastStream
from faststream.middlewares import AckPolicy, BaseMiddleware
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.security import SASLPlaintext
from faststream.specification import AsyncAPI
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig, StreamInfo
from nats.js.errors import BadRequestError
from pydantic import BaseModel, ValidationError

from orewatch_common.contracts import DEAD_LETTER, PIPELINE_SUBJECTS, Contract, DeadLetter
from orewatch_common.failures import Failure, classify
from orewatch_common.logs import BUS_LOGGER
from orewatch_common.permissions import inbox_prefix
from orewatch_common.settings import Settings

if TYPE_CHECKING:
    from faststream._internal.context.repository import ContextRepo
    from faststream.message import StreamMessage
    from faststream.nats.publisher.usecase import LogicPublisher
    from nats.js.client import JetStreamContext

log = logging.getLogger(__name__)

DEAD_LETTER_PAYLOAD_CAP = 200_000


# JetStream's error code for "stream name already in use with a different configuration".
STREAM_NAME_IN_USE = 10058


def stream_config(settings: Settings) -> StreamConfig:
    """The one stream that holds every pipeline subject, on disk, with a dedup window."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=list(PIPELINE_SUBJECTS),
        storage=StorageType.FILE,
        duplicate_window=settings.duplicate_window_s,
        description="orewatch pipeline: raw.article -> clean.article -> extracted.statement",
    )


def build_stream(settings: Settings) -> JStream:
    """The pipeline stream as subscribers and publishers name it.

    FastStream does not declare it: its own declaration creates a stream with only the
    subjects of the app that starts first (and the config of whichever `JStream` it saw
    first), then merges subjects read back from the server, so two services starting at
    once can drop each other's subjects. `ensure_stream` declares the whole config instead.
    """
    return JStream(name=settings.stream_name, declare=False)


async def ensure_stream(js: JetStreamContext, settings: Settings) -> StreamInfo:
    """Create the pipeline stream, or bring an existing one to this config.

    Every service writes the same whole config, so services starting together converge.
    """
    config = stream_config(settings)
    try:
        return await js.add_stream(config)
    except BadRequestError as exc:
        if exc.err_code != STREAM_NAME_IN_USE:
            raise
        log.info("stream %s had another config; updating it to this one", settings.stream_name)
        return await js.update_stream(config)


def consumer_config(settings: Settings, durable: str) -> ConsumerConfig:
    """Durable pull consumer shared by all replicas of a service, with explicit acks."""
    return ConsumerConfig(
        durable_name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=settings.ack_wait_s,
        max_deliver=settings.max_deliver,
        backoff=redelivery_backoff(settings),
        max_ack_pending=1000,
    )


def redelivery_backoff(settings: Settings) -> list[float]:
    """Server-side redelivery delays for a consumer that died holding a message (no ack, no nak).

    The first step is the ack wait; each next one doubles, one step per further delivery.
    """
    return [settings.ack_wait_s * 2**step for step in range(max(settings.max_deliver - 1, 1))]


def subscriber_options(settings: Settings, stream: JStream, durable: str) -> dict[str, Any]:
    """Keyword arguments of `broker.subscriber` for a durable, manually acked pull consumer."""
    options: dict[str, Any] = {
        "stream": stream,
        "durable": durable,
        "config": consumer_config(settings, durable),
        "pull_sub": PullSub(batch_size=1, timeout=5.0),
        "ack_policy": AckPolicy.MANUAL,
    }
    credentials = settings.nats_credentials()
    if credentials is not None:
        # FastStream gives each pull subscription `_INBOX.` unless told: the user's own prefix
        options["inbox_prefix"] = f"{inbox_prefix(credentials[0])}.".encode()
    return options


def message_headers(message: Contract) -> dict[str, str]:
    """Headers of a published contract: its content hash as `Nats-Msg-Id` for dedup."""
    return {"Nats-Msg-Id": message.message_id(), "Orewatch-Schema": str(type(message).__name__)}


async def publish(publisher: LogicPublisher, message: Contract) -> None:
    """Publish a contract to JetStream and wait for the stream's acknowledgement."""
    await publisher.publish(message, headers=message_headers(message))


class PipelineBroker(NatsBroker):
    """A NATS broker that declares the pipeline stream (`ensure_stream`) before its consumers start."""

    def __init__(self, settings: Settings, service: str, **options: Any) -> None:
        bus_log = logging.getLogger(BUS_LOGGER)
        super().__init__(
            settings.nats_url,
            name=f"orewatch-{service}",
            logger=bus_log,
            # nats-py gives up after 60 attempts (about two minutes); an outage may last longer
            max_reconnect_attempts=-1,
            # FastStream annotates an int; nats-py sleeps any float, as tests need
            reconnect_time_wait=settings.nats_reconnect_wait_s,  # type: ignore[arg-type]
            **nats_auth_options(settings),
            **options,
        )
        self.pipeline_settings = settings

    async def start(self) -> None:
        await self.connect()
        await ensure_stream(self.connection.jetstream(), self.pipeline_settings)
        await super().start()


def nats_auth_options(settings: Settings) -> dict[str, Any]:
    """Broker options of the service's NATS user: its password, never part of the URL, and its
    own inbox prefix, the only replies its permissions let it read (orewatch_common.permissions)."""
    credentials = settings.nats_credentials()
    if credentials is None:
        return {}
    user, password = credentials
    return {"security": SASLPlaintext(username=user, password=password), "inbox_prefix": inbox_prefix(user)}


def build_broker(settings: Settings, service: str) -> NatsBroker:
    """Broker of one service, with the delivery policy installed and dead.letter declared.

    Every service may dead-letter what it cannot process, so each one documents the
    `dead.letter` channel in its AsyncAPI.
    """
    policy = DeliveryPolicy(service=service, settings=settings)
    broker = PipelineBroker(settings, service, middlewares=[policy])
    broker.publisher(
        DEAD_LETTER,
        stream=build_stream(settings),
        schema=DeadLetter,
        title="dead.letter",
        description=f"Inputs the {service} could not process, with the reason.",
    )
    policy.broker = broker
    return broker


def retry_delay(settings: Settings, deliveries: int) -> float:
    """Nak delay after the given number of failed deliveries."""
    delays = settings.retry_delays_s or (1.0,)
    return delays[min(max(deliveries, 1), len(delays)) - 1]


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
) -> DeadLetter:
    """Build a dead letter that keeps the input (capped) and the reason."""
    raw = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else payload
    # Undecodable bytes and NUL (which PostgreSQL text cannot hold) are escaped as \xNN.
    text = raw[:DEAD_LETTER_PAYLOAD_CAP].decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
    return DeadLetter(
        service=service,
        subject=subject,
        source_uri=source_uri,
        reason=reason,
        payload=text,
        payload_size=len(raw),
        deliveries=max(deliveries, 1),
        failed_at=datetime.now(UTC),
    )


class DeliveryPolicy:
    """Broker middleware factory: ack, retry or dead-letter each JetStream message."""

    def __init__(self, *, service: str, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.broker: NatsBroker | None = None

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> _DeliveryMiddleware:
        return _DeliveryMiddleware(msg, context=context, policy=self)

    async def send_dead_letter(self, letter: DeadLetter) -> None:
        assert self.broker is not None, "DeliveryPolicy is not bound to a broker"
        await send_dead_letter(self.broker, self.settings, letter)


async def send_dead_letter(broker: NatsBroker, settings: Settings, letter: DeadLetter) -> None:
    """Publish a dead letter on the channel `build_broker` declared, and wait for the stream's ack."""
    await broker.publish(letter, DEAD_LETTER, headers=message_headers(letter), stream=settings.stream_name)


def _deliveries(msg: StreamMessage[Any]) -> int:
    metadata = getattr(msg.raw_message, "metadata", None)
    return int(getattr(metadata, "num_delivered", 1) or 1)


class _DeliveryMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: ContextRepo, policy: DeliveryPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        policy = self.policy
        deliveries = _deliveries(msg)
        try:
            result = await call_next(msg)
        except Exception as exc:
            if classify(exc) is Failure.PERMANENT:
                await self._give_up(msg, describe_error(exc), deliveries)
                return None
            if deliveries >= policy.settings.max_deliver:
                reason = f"gave up after {deliveries} deliveries: {describe_error(exc)}"
                await self._give_up(msg, reason, deliveries)
                return None
            delay = retry_delay(policy.settings, deliveries)
            log.warning(
                "%s: transient failure on %s (delivery %d), retry in %.0fs: %s",
                policy.service,
                msg.raw_message.subject,
                deliveries,
                delay,
                describe_error(exc),
                exc_info=exc,
            )
            await msg.nack(delay=delay)  # type: ignore[call-arg]  # NatsMessage.nack takes a delay
            return None
        await msg.ack()
        return result

    async def _give_up(self, msg: StreamMessage[Any], reason: str, deliveries: int) -> None:
        """Record the dead letter first; only then drop the message, so nothing is lost."""
        policy = self.policy
        subject = getattr(msg.raw_message, "subject", None)
        log.error("%s: dead letter from %s: %s", policy.service, subject, reason)
        letter = dead_letter_for(
            policy.service,
            reason=reason,
            payload=msg.body,
            subject=subject,
            source_uri=_source_uri(msg.body),
            deliveries=deliveries,
        )
        await policy.send_dead_letter(letter)
        await msg.reject()


class _SourceProbe(BaseModel):
    source_uri: str | None = None


def _source_uri(body: bytes) -> str | None:
    """Best-effort source URI of an invalid message, for the dead-letter record."""
    try:
        return _SourceProbe.model_validate_json(body).source_uri
    except ValidationError:
        return None


def service_app(broker: NatsBroker, service: str, description: str, **hooks: Any) -> FastStream:
    """The FastStream app of a service, with its AsyncAPI description (`faststream docs gen`)."""
    spec = AsyncAPI(title=f"orewatch {service}", version="0.1.0", description=description)
    return FastStream(broker, specification=spec, logger=logging.getLogger(BUS_LOGGER), **hooks)
