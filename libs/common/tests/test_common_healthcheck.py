"""The container healthcheck against a real HealthServer: 200 is healthy, anything else not."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

from orewatch_common.health import Dependency, HealthServer, Readiness
from orewatch_common.healthcheck import probe


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthcheck(port: int | None) -> subprocess.CompletedProcess[str]:
    """`python -m orewatch_common.healthcheck` as compose runs it, in an empty directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OREWATCH_")}
    if port is not None:
        env["OREWATCH_HEALTH_PORT"] = str(port)
    return subprocess.run(
        [sys.executable, "-m", "orewatch_common.healthcheck"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_probe_follows_readiness() -> None:
    readiness = Readiness(Dependency.NATS)
    server = HealthServer(readiness, port=0, host="127.0.0.1")
    port = await server.start()
    try:
        assert await asyncio.to_thread(probe, port) is False  # 503: NATS down
        readiness.set(Dependency.NATS, True)
        assert await asyncio.to_thread(probe, port) is True
        assert await asyncio.to_thread(probe, port, "/health/live") is True
        assert await asyncio.to_thread(probe, port, "/nowhere") is False  # 404
        assert (await asyncio.to_thread(healthcheck, port)).returncode == 0
        readiness.set(Dependency.NATS, False)
        assert (await asyncio.to_thread(healthcheck, port)).returncode == 1
    finally:
        await server.stop()


def test_nothing_listening_is_unhealthy() -> None:
    assert probe(free_port()) is False
    assert healthcheck(free_port()).returncode == 1


def test_no_health_port_is_a_configuration_error() -> None:
    result = healthcheck(None)
    assert result.returncode == 1
    assert "OREWATCH_HEALTH_PORT" in result.stderr
