"""Who may do what on NATS (one table, rendered as the nats-server authorization) and in PostgreSQL.

Each service connects as its own user and may publish only its own output subjects
and the JetStream API calls of its own streams, durable consumers and KV/object
buckets. Replies come back on the user's own inbox prefix (`_INBOX.<user>.>`), so no
service can read what JetStream delivers to another. The `admin` user (the `orewatch`
CLI, operators) may do everything. A server configured from `server_config` has no
`no_auth_user`: anonymous clients are refused.

Change a service's bus use here, in `GRANTS`, and nowhere else: `orewatch run`,
`orewatch secrets init` (compose) and the tests all render this table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from orewatch_common.contracts import CLEAN_ARTICLE, DEAD_LETTER, EXTRACTED_STATEMENT, RAW_ARTICLE

PIPELINE_STREAM = "OREWATCH"
ADVISORY_STREAM = "OREWATCH_ADVISORIES"
PAYLOAD_BUCKET = "orewatch_payloads"
ADVISORIES = "$JS.EVENT.ADVISORY.>"


class NatsUser(StrEnum):
    """The NATS users: one per service, one per CLI command that writes to the bus, and `admin`
    for the other CLI commands and operators."""

    FETCHER = "fetcher"
    CLEANER = "cleaner"
    EXTRACTOR = "extractor"
    STORE = "store"
    REPROCESS = "reprocess"  # `orewatch reprocess`: sends stored raw articles through again
    ADMIN = "admin"


class DbRole(StrEnum):
    """The three PostgreSQL roles: the owner runs migrations, the store writes as app, analysts read."""

    OWNER = "owner"
    APP = "app"
    READER = "reader"


# The owner is the cluster's bootstrap user (initdb -U / POSTGRES_USER); the others are created
# by the bootstrap and granted to by migration 0004.
DB_ROLE_NAMES: Mapping[DbRole, str] = {
    DbRole.OWNER: "orewatch",
    DbRole.APP: "orewatch_app",
    DbRole.READER: "orewatch_reader",
}


@dataclass(frozen=True)
class Grants:
    """What one user touches on the bus; `permissions()` expands it into subjects."""

    publishes: tuple[str, ...] = ()  # pipeline subjects it writes
    streams: tuple[str, ...] = ()  # streams it declares (info, create, update)
    durables: tuple[tuple[str, str], ...] = ()  # (stream, durable) it consumes
    kv_buckets: tuple[str, ...] = ()
    object_buckets: tuple[str, ...] = ()
    reads_messages_of: tuple[str, ...] = ()  # streams it reads single messages from (direct get)
    subscribes: tuple[str, ...] = ()  # plain subjects it subscribes to
    everything: bool = False


GRANTS: Mapping[NatsUser, Grants] = {
    NatsUser.FETCHER: Grants(
        publishes=(RAW_ARTICLE, DEAD_LETTER),
        streams=(PIPELINE_STREAM,),
        kv_buckets=("orewatch_fetcher_seen", "orewatch_feed_state"),
        object_buckets=(PAYLOAD_BUCKET,),
    ),
    NatsUser.CLEANER: Grants(
        publishes=(CLEAN_ARTICLE, DEAD_LETTER),
        streams=(PIPELINE_STREAM,),
        durables=((PIPELINE_STREAM, "cleaner"),),
        kv_buckets=("orewatch_cleaner_segments",),
        object_buckets=(PAYLOAD_BUCKET,),
    ),
    NatsUser.EXTRACTOR: Grants(
        publishes=(EXTRACTED_STATEMENT, DEAD_LETTER),
        streams=(PIPELINE_STREAM,),
        durables=((PIPELINE_STREAM, "extractor"),),
        object_buckets=(PAYLOAD_BUCKET,),
    ),
    NatsUser.STORE: Grants(
        publishes=(DEAD_LETTER,),
        streams=(PIPELINE_STREAM, ADVISORY_STREAM),
        durables=(
            *((PIPELINE_STREAM, d) for d in ("store-raw", "store-clean", "store-extracted")),
            (PIPELINE_STREAM, "store-dead-letters"),
            (ADVISORY_STREAM, "store-advisories"),
        ),
        object_buckets=(PAYLOAD_BUCKET,),
        reads_messages_of=(PIPELINE_STREAM,),
        subscribes=(ADVISORIES,),
    ),
    # publishes raw.article only (offloading a large body like the fetcher); reads the articles
    # from PostgreSQL and never consumes, so no stream, durable or dead letter of its own
    NatsUser.REPROCESS: Grants(publishes=(RAW_ARTICLE,), object_buckets=(PAYLOAD_BUCKET,)),
    NatsUser.ADMIN: Grants(everything=True),
}


@dataclass(frozen=True)
class Permissions:
    """Allowed publish and subscribe subjects of one user, as nats-server takes them."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


def inbox_prefix(user: str) -> str:
    """The user's reply subjects: nats-py makes every inbox `<prefix>.<id>`."""
    return f"_INBOX.{user}"


def _stream_api(stream: str) -> list[str]:
    return [f"$JS.API.STREAM.{verb}.{stream}" for verb in ("INFO", "CREATE", "UPDATE")]


def _consumer_api(stream: str, durable: str) -> list[str]:
    """A durable's create (old and new forms, with or without a filter), info, pulls and acks."""
    return [
        f"$JS.API.CONSUMER.*.{stream}.{durable}",
        f"$JS.API.CONSUMER.*.{stream}.{durable}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    ]


def _direct_get(stream: str) -> list[str]:
    """Single messages by sequence or last-by-subject (KV get, object metadata, the advisory's message)."""
    return [
        f"$JS.API.DIRECT.GET.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.STREAM.MSG.GET.{stream}",
    ]


def _bucket_api(stream: str, data: str, *, purge: bool) -> list[str]:
    """A KV or object bucket: its stream, its data subjects, gets, and the ordered consumers of watch/get."""
    return [
        *_stream_api(stream),
        *([f"$JS.API.STREAM.PURGE.{stream}"] if purge else []),
        data,
        *_direct_get(stream),
        f"$JS.API.CONSUMER.CREATE.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}.>",
        f"$JS.API.CONSUMER.DELETE.{stream}.>",
        f"$JS.API.CONSUMER.INFO.{stream}.>",
        f"$JS.FC.{stream}.>",
        f"$JS.ACK.{stream}.>",
    ]


def permissions(user: NatsUser) -> Permissions:
    """The subjects `user` may publish (including JetStream API requests) and subscribe to."""
    grants = GRANTS[user]
    if grants.everything:
        return Permissions(publish=(">",), subscribe=(">",))
    publish: list[str] = ["$JS.API.INFO", *grants.publishes]
    for stream in grants.streams:
        publish += _stream_api(stream)
    for stream, durable in grants.durables:
        publish += _consumer_api(stream, durable)
    for stream in grants.reads_messages_of:
        publish += _direct_get(stream)
    for bucket in grants.kv_buckets:
        publish += _bucket_api(f"KV_{bucket}", f"$KV.{bucket}.>", purge=False)
    for bucket in grants.object_buckets:
        publish += _bucket_api(f"OBJ_{bucket}", f"$O.{bucket}.>", purge=True)
        # nats-py's object get finds the chunks' stream by subject (stream names only, no contents)
        publish.append("$JS.API.STREAM.NAMES")
    subscribe = (f"{inbox_prefix(user)}.>", *grants.subscribes)
    return Permissions(publish=tuple(dict.fromkeys(publish)), subscribe=subscribe)


def server_config(passwords: Mapping[NatsUser, str]) -> str:
    """The `authorization` block of nats-server.conf (JSON, which the config format accepts).

    Every user of `NatsUser` must have a password; there is no `no_auth_user`, so a client
    without valid credentials is refused.
    """
    missing = [user.value for user in NatsUser if not passwords.get(user)]
    if missing:
        raise ValueError(f"no NATS password for {', '.join(missing)}")
    users = []
    for user in NatsUser:
        allowed = permissions(user)
        users.append(
            {
                "user": user.value,
                "password": passwords[user],
                "permissions": {
                    "publish": {"allow": list(allowed.publish)},
                    "subscribe": {"allow": list(allowed.subscribe)},
                },
            }
        )
    return json.dumps({"authorization": {"users": users}}, indent=2) + "\n"
