"""Stream retention (max age, max bytes) comes from the settings and reaches streams that
already exist, on a real nats-server of this module's own (the pipeline's subjects may
belong to one stream only, and the session's server has the tests' OREWATCH stream)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import StorageType, StreamConfig
from orewatch_cli.servers import NatsServer
from orewatch_common.bus import advisory_stream_config, ensure_stream, stream_config
from orewatch_common.contracts import PIPELINE_SUBJECTS, RAW_ARTICLE
from orewatch_common.settings import Settings
from pydantic import ValidationError

DAY_S = 24 * 3600.0
GIB = 1024**3


def settings(**fields: Any) -> Settings:
    return Settings(_env_file=None, **fields)


@pytest.mark.parametrize(
    ("fields", "max_age_s", "max_bytes"),
    [
        ({}, 7 * DAY_S, 5 * GIB),  # the defaults: a week, 5 GiB
        ({"stream_max_age_s": DAY_S, "stream_max_bytes": GIB}, DAY_S, GIB),
        ({"stream_max_age_s": 0, "stream_max_bytes": 0}, 0.0, -1),  # 0: JetStream's "no limit"
    ],
)
def test_both_streams_take_the_retention_of_the_settings(
    fields: dict[str, Any], max_age_s: float, max_bytes: int
) -> None:
    for config in (stream_config(settings(**fields)), advisory_stream_config(settings(**fields))):
        assert (config.max_age, config.max_bytes) == (max_age_s, max_bytes)


@pytest.mark.parametrize(
    "fields",
    [
        {"stream_max_age_s": -1},
        {"stream_max_bytes": -5},
        {"stream_max_age_s": 3600, "duplicate_window_s": 7200},  # JetStream refuses this pair
    ],
)
def test_impossible_retention_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        settings(**fields)


@pytest.fixture(scope="module")
def own_nats() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="orewatch-retention-"))
    server = NatsServer(root / "nats").start()
    yield server.url
    server.stop()


@pytest.fixture
async def js(own_nats: str) -> AsyncIterator[Any]:
    client = await nats.connect(own_nats)
    yield client.jetstream()
    for name in [info.config.name async for info in _streams(client.jetstream())]:
        await client.jetstream().delete_stream(name)
    await client.close()


async def _streams(js: Any) -> AsyncIterator[Any]:
    for info in await js.streams_info():
        yield info


async def test_an_existing_unbounded_stream_gets_the_limits_and_keeps_its_messages(js: Any) -> None:
    """The stream as versions before retention made it: no max age, no max bytes."""
    old = settings()
    await js.add_stream(
        StreamConfig(
            name=old.stream_name,
            subjects=list(PIPELINE_SUBJECTS),
            storage=StorageType.FILE,
            duplicate_window=old.duplicate_window_s,
        )
    )
    for n in range(3):
        await js.publish(RAW_ARTICLE, f"article {n}".encode())
    before = await js.stream_info(old.stream_name)
    assert (before.config.max_age, before.config.max_bytes) in ((None, None), (0, -1), (0.0, -1))

    info = await ensure_stream(js, settings(stream_max_age_s=2 * DAY_S, stream_max_bytes=GIB))
    assert (info.config.max_age, info.config.max_bytes) == (2 * DAY_S, GIB)
    assert (await js.stream_info(old.stream_name)).state.messages == 3

    again = await ensure_stream(js, settings())  # a later start with other settings: they win
    assert (again.config.max_age, again.config.max_bytes) == (7 * DAY_S, 5 * GIB)


async def test_max_bytes_drops_the_oldest_messages(js: Any) -> None:
    await ensure_stream(js, settings(stream_max_bytes=8 * 1024))
    for n in range(20):
        await js.publish(RAW_ARTICLE, bytes([n % 256]) * 1024)
    state = (await js.stream_info(settings().stream_name)).state
    assert state.bytes <= 8 * 1024
    assert state.last_seq == 20
    assert state.first_seq > 1, "the oldest went, the newest stayed"
