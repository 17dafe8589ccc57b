"""`nats_url` may list a cluster's nodes; `stream_replicas` sizes every JetStream store."""

from __future__ import annotations

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
