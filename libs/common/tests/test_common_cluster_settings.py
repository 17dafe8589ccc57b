"""`nats_url` may list a cluster's nodes; `stream_replicas` sizes every JetStream store."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from orewatch_common.bus import stream_config
from orewatch_common.settings import Settings
from pydantic import ValidationError


@pytest.mark.parametrize(
    ("nats_url", "servers"),
    [
        ("nats://127.0.0.1:4222", ["nats://127.0.0.1:4222"]),
        ("nats://a:4222,nats://b:4222,nats://c:4222", ["nats://a:4222", "nats://b:4222", "nats://c:4222"]),
        (" nats://a:4222 , nats://b:4222,", ["nats://a:4222", "nats://b:4222"]),
    ],
)
def test_nats_url_lists_the_servers_to_try(nats_url: str, servers: list[str]) -> None:
    assert Settings(_env_file=None, nats_url=nats_url).nats_servers() == servers


@pytest.mark.parametrize(("replicas", "expected"), [(None, 1), (3, 3)])
def test_the_stream_keeps_the_configured_replicas(replicas: int | None, expected: int) -> None:
    settings = (
        Settings(_env_file=None) if replicas is None else Settings(_env_file=None, stream_replicas=replicas)
    )
    assert stream_config(settings).num_replicas == expected


@pytest.mark.parametrize("replicas", [0, 6])
def test_replicas_outside_what_jetstream_allows_are_refused(replicas: int) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, stream_replicas=replicas)


@pytest.mark.parametrize(
    ("database_url", "sqlalchemy_url"),
    [
        ("postgresql://app:pw@db:5432/orewatch", "postgresql+psycopg://app:pw@db:5432/orewatch"),
        (
            "postgresql://app@db1:5432,db2:5433/orewatch?target_session_attrs=read-write",
            "postgresql+psycopg://app@/orewatch?host=db1:5432&host=db2:5433&target_session_attrs=read-write",
        ),
        ("postgres://db1,db2/orewatch", "postgresql+psycopg:///orewatch?host=db1&host=db2"),
    ],
)
def test_a_replicated_postgres_is_listed_host_by_host(database_url: str, sqlalchemy_url: str) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    assert settings.sqlalchemy_url() == sqlalchemy_url


async def test_the_engine_fails_over_to_the_next_listed_host(database_url: str) -> None:
    """A dead first host (nothing listens there) and then the live one: the store still connects."""
    from orewatch_cli.servers import free_port
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    live = urlsplit(database_url)
    listed = f"{live.scheme}://{live.netloc.rpartition('@')[0]}@127.0.0.1:{free_port()},{live.hostname}:{live.port}{live.path}"
    engine = create_async_engine(Settings(_env_file=None, database_url=listed).sqlalchemy_url())
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
