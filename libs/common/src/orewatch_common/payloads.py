"""Message bodies of any size: large ones travel through the JetStream Object Store.

A NATS message is capped by the server's `max_payload` (1 MiB by default), while a seeds
file or a long article, and the clean and extracted messages made from it, may be tens
of megabytes. A body over `settings.inline_payload_max_bytes` is therefore written to the
object store bucket `settings.payload_bucket` under the message's id (a retry overwrites
the same object) and the message carries only a small stub and the header
`Orewatch-Payload-Object: <name>`. Every service's broker resolves that header before the
handler runs (`PayloadResolver`), so handlers always see the whole body.

Objects are not deleted on consumption: several durables (the cleaner, the store) read
the same `raw.article`, and a redelivery must find the body again.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from faststream.middlewares import BaseMiddleware
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError, NotFoundError
from pydantic import BaseModel

from orewatch_common.contracts import PermanentError
from orewatch_common.logs import get_logger
from orewatch_common.settings import Settings

if TYPE_CHECKING:
    from faststream._internal.context.repository import ContextRepo
    from faststream.message import StreamMessage
    from faststream.nats import NatsBroker
    from faststream.response import PublishCommand
    from nats.js.client import JetStreamContext
    from nats.js.object_store import ObjectStore

log = get_logger(__name__)

PAYLOAD_HEADER = "Orewatch-Payload-Object"


class PayloadMissing(PermanentError):
    """The message names an offloaded body the object store does not hold (purged or never written)."""


async def payload_store(js: JetStreamContext, settings: Settings) -> ObjectStore:
    """The payload bucket, created on first use (on disk and replicated like the pipeline stream)."""
    try:
        return await js.object_store(settings.payload_bucket)
    except BucketNotFoundError:
        config = ObjectStoreConfig(
            bucket=settings.payload_bucket,
            storage=StorageType.FILE,
            replicas=settings.stream_replicas,
            description="orewatch: message bodies too large to travel inline",
        )
        return await js.create_object_store(settings.payload_bucket, config=config)


def object_name(message_id: str) -> str:
    """The object of a message: its id, so a republished message overwrites its own object."""
    return message_id


def stub_body(name: str, size: int) -> bytes:
    """What an offloaded message carries inline: a readable pointer, never a valid contract."""
    return json.dumps({"payload_object": name, "payload_size": size}).encode()


async def offload(
    js: JetStreamContext, settings: Settings, message_id: str, body: bytes
) -> tuple[bytes, dict[str, str]]:
    """The body and extra headers to publish: the body itself when small, else a stub and the header."""
    if len(body) <= settings.inline_payload_max_bytes:
        return body, {}
    name = object_name(message_id)
    store = await payload_store(js, settings)
    await store.put(name, body)
    log.info("offloaded a %d-byte body to object %s/%s", len(body), settings.payload_bucket, name)
    return stub_body(name, len(body)), {PAYLOAD_HEADER: name}


async def resolve(js: JetStreamContext, settings: Settings, body: bytes, headers: dict[str, str]) -> bytes:
    """The full body of a received message: fetched from the object store when the header names one."""
    name = headers.get(PAYLOAD_HEADER)
    if not name:
        return body
    store = await payload_store(js, settings)
    sink = io.BytesIO()
    try:
        # writeinto: nats-py would otherwise grow a bytes object chunk by chunk (quadratic)
        await store.get(name, writeinto=sink)
    except NotFoundError as exc:
        raise PayloadMissing(f"payload object {name!r} is not in bucket {settings.payload_bucket!r}") from exc
    return sink.getvalue()


class PayloadResolver:
    """Broker middleware factory: offload large outgoing bodies, give handlers whole incoming ones.

    Every publish of the broker passes through it (`bus.publish` and dead letters alike).
    On receipt it runs inside the delivery policy, so a missing object is a dead letter and a lost
    connection a retry, like any other failure of the handler.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.broker: NatsBroker | None = None

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> _ResolvingMiddleware:
        return _ResolvingMiddleware(msg, context=context, resolver=self)

    async def resolve(self, msg: StreamMessage[Any]) -> None:
        headers = msg.headers or {}
        if PAYLOAD_HEADER not in headers:
            return
        assert self.broker is not None, "PayloadResolver is not bound to a broker"
        js = self.broker.connection.jetstream()
        msg.body = await resolve(js, self.settings, msg.body, headers)
        msg.clear_cache()  # a decode before this point saw the stub

    async def offload_command(self, cmd: PublishCommand) -> None:
        """Move a large body of an outgoing message to the object store, in place."""
        body = _encoded(cmd.body)
        if body is None or len(body) <= self.settings.inline_payload_max_bytes:
            return
        assert self.broker is not None, "PayloadResolver is not bound to a broker"
        headers = cmd.headers or {}
        message_id = headers.get("Nats-Msg-Id") or f"sha256:{hashlib.sha256(body).hexdigest()}"
        js = self.broker.connection.jetstream()
        cmd.body, extra = await offload(js, self.settings, message_id, body)
        cmd.headers = {**headers, **extra}


def _encoded(body: Any) -> bytes | None:
    """The bytes a body is sent as (a contract is sent as its JSON); None for other bodies."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, BaseModel):
        return body.model_dump_json().encode()
    return None


class _ResolvingMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: ContextRepo, resolver: PayloadResolver) -> None:
        super().__init__(msg, context=context)
        self.resolver = resolver

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        await self.resolver.resolve(msg)
        return await call_next(msg)

    async def publish_scope(self, call_next: Callable[[Any], Awaitable[Any]], cmd: Any) -> Any:
        await self.resolver.offload_command(cmd)
        return await call_next(cmd)
