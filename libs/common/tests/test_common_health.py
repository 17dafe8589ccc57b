"""Readiness follows the dependencies; the health endpoints answer 200 or 503."""

from __future__ import annotations

import asyncio
import json

import pytest
from orewatch_common.health import Dependency, HealthServer, Readiness


async def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, object]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    ("events", "ready", "report"),
    [
        ([], False, {"nats": "down", "postgres": "down"}),  # down until seen up
        ([(Dependency.NATS, True)], False, {"nats": "up", "postgres": "down"}),
        ([(Dependency.NATS, True), (Dependency.POSTGRES, True)], True, {"nats": "up", "postgres": "up"}),
        (
            [(Dependency.NATS, True), (Dependency.POSTGRES, True), (Dependency.POSTGRES, False)],
            False,
            {"nats": "up", "postgres": "down"},
        ),
    ],
)
def test_ready_when_every_dependency_is_up(events, ready, report):
    readiness = Readiness(Dependency.NATS, Dependency.POSTGRES)
    for dependency, up in events:
        readiness.set(dependency, up)
    assert (readiness.ready, readiness.report()) == (ready, report)


async def test_the_nats_callbacks_feed_readiness():
    readiness = Readiness(Dependency.NATS)
    await readiness.nats_reconnected()
    assert readiness.ready
    await readiness.nats_disconnected()
    assert not readiness.ready


async def test_the_endpoints():
    readiness = Readiness(Dependency.NATS)
    server = HealthServer(readiness, port=0, host="127.0.0.1")
    port = await server.start()
    try:
        assert await get(port, "/health/live") == (200, {"live": True})
        assert await get(port, "/health/ready") == (503, {"ready": False, "started": True, "nats": "down"})
        readiness.set(Dependency.NATS, True)
        assert await get(port, "/health/ready?verbose=1") == (
            200,
            {"ready": True, "started": True, "nats": "up"},
        )
        readiness.started = False  # a service still running its start-up hooks
        assert await get(port, "/health/ready") == (503, {"ready": False, "started": False, "nats": "up"})
        assert await get(port, "/elsewhere") == (404, {"error": "not found"})
        assert await get(port, "/health/live", method="POST") == (400, {"error": "bad request"})
    finally:
        await server.stop()
