"""A service's broker outlives a NATS outage longer than nats-py's default reconnect budget."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from orewatch_cli.servers import NatsServer
from orewatch_common.bus import build_broker, dead_letter_for, send_dead_letter
from orewatch_common.failures import DeadLetterReason
from orewatch_common.settings import Settings

SOURCE = DeadLetterReason.SOURCE_REFUSED
DEFAULT_ATTEMPTS = 60  # nats-py's max_reconnect_attempts, after which it closes for good


@pytest.mark.slow
async def test_the_broker_reconnects_after_an_outage_past_the_default_budget(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats").start()
    wait = 0.1
    settings = Settings(_env_file=None, nats_url=server.url, nats_reconnect_wait_s=wait)
    broker = build_broker(settings, "fetcher")
    await broker.start()
    try:
        await send_dead_letter(
            broker, settings, dead_letter_for("fetcher", reason="before", payload=b"1"), SOURCE
        )
        server.stop()
        await asyncio.sleep(wait * DEFAULT_ATTEMPTS * 1.5)  # well past the attempts nats-py allows
        server.start()  # the same port and store
        for _ in range(100):
            if broker.connection.is_connected:
                break
            await asyncio.sleep(0.1)
        assert broker.connection.is_connected
        await send_dead_letter(
            broker, settings, dead_letter_for("fetcher", reason="after", payload=b"2"), SOURCE
        )
        info = await broker.connection.jetstream().stream_info(settings.stream_name)
        assert info.state.messages == 2
    finally:
        await broker.stop()
        server.stop()
