"""Each service's NATS user may do its own work and nothing else; nobody gets in without one.

A real nats-server runs with the config rendered from orewatch_common.permissions
(`auth_nats`). A refused publish or request never reaches the server's subject: the
server answers `Permissions Violation` on the connection (collected here) and the
request times out; a refused subscription is reported the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy, KeyValueConfig
from nats.js.errors import NotFoundError
from orewatch_common.bus import consumer_config, ensure_stream
from orewatch_common.permissions import ADVISORY_STREAM, NatsUser, inbox_prefix, permissions
from orewatch_common.settings import Settings

pytestmark = pytest.mark.slow

SETTINGS = Settings(_env_file=None)
REFUSAL_WAIT_S = 0.75


@dataclass
class Client:
    """A connection as one user, with the permission errors the server sent it."""

    nc: nats.NATS
    errors: list[str] = field(default_factory=list)

    @property
    def js(self) -> Any:
        return self.nc.jetstream(timeout=REFUSAL_WAIT_S)


async def connect(url: str, user: NatsUser, password: str) -> Client:
    client = Client(nc=nats.NATS())

    async def on_error(exc: Exception) -> None:
        client.errors.append(str(exc))

    await client.nc.connect(
        url,
        user=user.value,
        password=password,
        inbox_prefix=inbox_prefix(user),
        error_cb=on_error,
        allow_reconnect=False,
    )
    return client


@pytest.fixture(scope="module")
async def clients(auth_nats: Any) -> AsyncIterator[dict[NatsUser, Client]]:
    """One connection per user, on a pipeline stream the admin has just made fresh."""
    connected = {user: await connect(auth_nats.url, user, auth_nats.password(user)) for user in NatsUser}
    admin = connected[NatsUser.ADMIN].nc.jetstream()
    for stream in ("OREWATCH", "KV_orewatch_fetcher_seen", "KV_orewatch_cleaner_segments"):
        with contextlib.suppress(NotFoundError):
            await admin.delete_stream(stream)
    await ensure_stream(admin, SETTINGS)
    await admin.create_key_value(KeyValueConfig(bucket="orewatch_fetcher_seen"))
    await admin.create_key_value(KeyValueConfig(bucket="orewatch_cleaner_segments"))
    await admin.create_object_store("orewatch_payloads")
    yield connected
    for client in connected.values():
        await client.nc.close()


# --- who gets in ------------------------------------------------------------------------------


async def _refused_login(url: str, **credentials: str) -> str:
    with pytest.raises(nats.errors.Error) as refused:
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, **credentials)
    return str(refused.value)


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({}, id="anonymous"),
        pytest.param({"user": "extractor", "password": "not-its-password"}, id="wrong-password"),
        pytest.param({"user": "nobody", "password": "x"}, id="unknown-user"),
    ],
)
async def test_nobody_gets_in_without_a_user_and_its_password(
    auth_nats: Any, credentials: dict[str, str]
) -> None:
    assert "Authorization Violation" in await _refused_login(auth_nats.url, **credentials)


async def test_another_service_s_password_is_no_key(auth_nats: Any) -> None:
    stolen = auth_nats.password(NatsUser.FETCHER)
    assert "Authorization Violation" in await _refused_login(auth_nats.url, user="store", password=stolen)


# --- what each user may do --------------------------------------------------------------------

Operation = Callable[[Client], Awaitable[object]]


async def publish(subject: str, client: Client) -> object:
    return await client.js.publish(subject, b"{}", timeout=REFUSAL_WAIT_S)


async def kv_put(bucket: str, client: Client) -> object:
    kv = await client.js.key_value(bucket)
    return await kv.put("probe", b"1")


async def kv_get(bucket: str, client: Client) -> object:
    kv = await client.js.key_value(bucket)
    with contextlib.suppress(nats.js.errors.KeyNotFoundError):
        await kv.get("no-such-key")
    return kv


async def consume(durable: str, subject: str, client: Client) -> object:
    """Create (or bind to) a durable and pull from it, as FastStream's pull subscriber does."""
    sub = await client.js.pull_subscribe(
        subject, durable=durable, stream="OREWATCH", config=consumer_config(SETTINGS, durable)
    )
    with contextlib.suppress(nats.errors.TimeoutError):
        for msg in await sub.fetch(1, timeout=REFUSAL_WAIT_S):
            await msg.ack()
    return sub


async def payload_round_trip(client: Client) -> object:
    store = await client.js.object_store("orewatch_payloads")
    name = f"probe-{id(client)}"
    await store.put(name, b"x" * 300_000)
    return (await store.get(name)).data


async def delete_stream(client: Client) -> object:
    return await client.js.delete_stream("OREWATCH")


async def subscribe_inbox_of_store(client: Client) -> object:
    sub = await client.nc.subscribe(f"{inbox_prefix(NatsUser.STORE)}.>")
    await client.nc.flush()
    await asyncio.sleep(0.2)  # the server's -ERR arrives asynchronously
    return sub


async def declare_stream(client: Client) -> object:
    return await ensure_stream(client.js, SETTINGS)


def op(function: Callable[..., Awaitable[object]], *args: str) -> Operation:
    return lambda client: function(*args, client)


# Hand-written: (user, what it tries, allowed?)
CASES: list[tuple[NatsUser, str, Operation, bool]] = [
    (NatsUser.FETCHER, "publish raw.article", op(publish, "raw.article"), True),
    (NatsUser.FETCHER, "publish dead.letter", op(publish, "dead.letter"), True),
    (NatsUser.FETCHER, "publish clean.article", op(publish, "clean.article"), False),
    (NatsUser.FETCHER, "write its seen KV", op(kv_put, "orewatch_fetcher_seen"), True),
    (NatsUser.FETCHER, "consume the cleaner's durable", op(consume, "cleaner", "raw.article"), False),
    (NatsUser.CLEANER, "declare the pipeline stream", declare_stream, True),
    (NatsUser.CLEANER, "consume its durable", op(consume, "cleaner", "raw.article"), True),
    (NatsUser.CLEANER, "publish clean.article", op(publish, "clean.article"), True),
    (NatsUser.CLEANER, "write its segments KV", op(kv_put, "orewatch_cleaner_segments"), True),
    (NatsUser.CLEANER, "publish raw.article", op(publish, "raw.article"), False),
    (NatsUser.EXTRACTOR, "publish extracted.statement", op(publish, "extracted.statement"), True),
    (NatsUser.EXTRACTOR, "consume its durable", op(consume, "extractor", "clean.article"), True),
    (NatsUser.EXTRACTOR, "publish raw.article", op(publish, "raw.article"), False),
    (NatsUser.EXTRACTOR, "read the fetcher's KV", op(kv_get, "orewatch_fetcher_seen"), False),
    (NatsUser.EXTRACTOR, "write the cleaner's KV", op(kv_put, "orewatch_cleaner_segments"), False),
    (NatsUser.EXTRACTOR, "consume a store durable", op(consume, "store-raw", "raw.article"), False),
    (NatsUser.EXTRACTOR, "read the store's replies", subscribe_inbox_of_store, False),
    (NatsUser.EXTRACTOR, "delete the pipeline stream", delete_stream, False),
    (NatsUser.STORE, "consume store-raw", op(consume, "store-raw", "raw.article"), True),
    (NatsUser.STORE, "consume store-extracted", op(consume, "store-extracted", "extracted.statement"), True),
    (NatsUser.STORE, "consume store-dead-letters", op(consume, "store-dead-letters", "dead.letter"), True),
    (NatsUser.STORE, "publish dead.letter", op(publish, "dead.letter"), True),
    (NatsUser.STORE, "publish extracted.statement", op(publish, "extracted.statement"), False),
    (NatsUser.STORE, "read the fetcher's KV", op(kv_get, "orewatch_fetcher_seen"), False),
    (NatsUser.REPROCESS, "publish raw.article", op(publish, "raw.article"), True),
    (NatsUser.REPROCESS, "publish clean.article", op(publish, "clean.article"), False),
    (NatsUser.REPROCESS, "publish dead.letter", op(publish, "dead.letter"), False),
    (NatsUser.REPROCESS, "consume the cleaner's durable", op(consume, "cleaner", "raw.article"), False),
    (NatsUser.REPROCESS, "declare the pipeline stream", declare_stream, False),
    (NatsUser.REPROCESS, "delete the pipeline stream", delete_stream, False),
    (NatsUser.REPROCESS, "read the cleaner's KV", op(kv_get, "orewatch_cleaner_segments"), False),
    *((user, "offload and read a payload", payload_round_trip, True) for user in NatsUser),
    (NatsUser.ADMIN, "publish raw.article", op(publish, "raw.article"), True),
]


@pytest.mark.parametrize(
    ("user", "operation", "allowed"),
    [
        pytest.param(user, operation, allowed, id=f"{user}: {what}")
        for user, what, operation, allowed in CASES
    ],
)
async def test_each_user_may_do_its_own_work_and_nothing_else(
    clients: dict[NatsUser, Client], user: NatsUser, operation: Operation, allowed: bool
) -> None:
    client = clients[user]
    client.errors.clear()
    if allowed:
        await operation(client)
        assert not client.errors
    else:
        with contextlib.suppress(nats.errors.TimeoutError, nats.errors.NoRespondersError):
            await operation(client)
        assert any("permissions violation" in error.lower() for error in client.errors), client.errors


async def test_a_refused_publish_leaves_nothing_in_the_stream(clients: dict[NatsUser, Client]) -> None:
    admin = clients[NatsUser.ADMIN].nc.jetstream()
    before = (await admin.stream_info("OREWATCH", subjects_filter="raw.article")).state.subjects or {}
    with contextlib.suppress(nats.errors.TimeoutError):
        await publish("raw.article", clients[NatsUser.EXTRACTOR])
    after = (await admin.stream_info("OREWATCH", subjects_filter="raw.article")).state.subjects or {}
    assert after.get("raw.article", 0) == before.get("raw.article", 0)


def test_no_service_may_subscribe_beyond_its_inbox_and_advisories() -> None:
    """Pull consumers deliver to the inbox: no service needs to subscribe to a data subject."""
    assert {user: permissions(user).subscribe for user in NatsUser} == {
        NatsUser.FETCHER: ("_INBOX.fetcher.>",),
        NatsUser.CLEANER: ("_INBOX.cleaner.>",),
        NatsUser.EXTRACTOR: ("_INBOX.extractor.>",),
        NatsUser.STORE: ("_INBOX.store.>", "$JS.EVENT.ADVISORY.>"),
        NatsUser.REPROCESS: ("_INBOX.reprocess.>",),
        NatsUser.ADMIN: (">",),
    }


async def test_the_store_may_follow_max_delivery_advisories_and_fetch_the_lost_message(
    clients: dict[NatsUser, Client],
) -> None:
    """What the store needs for a message nobody finished (an OOM-killed extractor): the advisory
    stream and its durable, and a direct get of the original message from the pipeline stream."""
    admin, store = clients[NatsUser.ADMIN].nc.jetstream(), clients[NatsUser.STORE]
    with contextlib.suppress(NotFoundError):
        await admin.delete_stream(ADVISORY_STREAM)
    await store.js.add_stream(
        name=ADVISORY_STREAM, subjects=["$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.OREWATCH.*"]
    )
    lost = await admin.publish("extracted.statement", b'{"lost": true}')
    probe = await admin.pull_subscribe(
        "extracted.statement",
        durable="probe-oom",
        stream="OREWATCH",
        config=ConsumerConfig(max_deliver=1, ack_wait=0.5, deliver_policy=DeliverPolicy.LAST),
    )
    await probe.fetch(1, timeout=2)  # delivered once, never acked: the process "died"
    advisories = await store.js.pull_subscribe(
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.OREWATCH.*",
        durable="store-advisories",
        stream=ADVISORY_STREAM,
    )
    [advisory] = await advisories.fetch(1, timeout=10)
    await advisory.ack()
    sequence = json.loads(advisory.data)["stream_seq"]
    assert sequence == lost.seq
    original = await store.js.get_msg("OREWATCH", seq=sequence)  # the stream has no allow_direct
    assert original.data == b'{"lost": true}'
    assert not store.errors
