"""/metrics: the Prometheus text of a service's registry, which FastStream's NATS middleware
fills (build_broker installs it outermost); checked over real HTTP and a real nats-server."""

from __future__ import annotations

import asyncio
import urllib.request

from orewatch_common.bus import build_broker
from orewatch_common.health import Dependency, HealthServer, Readiness
from orewatch_common.settings import Settings
from prometheus_client import CollectorRegistry, Counter, generate_latest


def fetch(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


async def test_metrics_are_served_in_the_prometheus_text_format() -> None:
    registry = CollectorRegistry()
    Counter("orewatch_probe", "a counter of the test", registry=registry).inc(3)
    server = HealthServer(Readiness(Dependency.NATS), port=0, host="127.0.0.1", registry=registry)
    port = await server.start()
    try:
        status, content_type, body = await asyncio.to_thread(fetch, port, "/metrics")
        assert status == 200
        assert content_type.startswith("text/plain")
        assert "orewatch_probe_total 3.0" in body.splitlines()
        assert (await asyncio.to_thread(fetch, port, "/health/live"))[0] == 200  # unchanged
    finally:
        await server.stop()


async def test_without_a_registry_there_is_no_metrics_endpoint() -> None:
    server = HealthServer(Readiness(Dependency.NATS), port=0, host="127.0.0.1")
    port = await server.start()
    try:
        assert (await asyncio.to_thread(fetch, port, "/metrics"))[0] == 404
    finally:
        await server.stop()


async def test_a_service_broker_counts_what_it_publishes(nats_url: str) -> None:
    broker = build_broker(Settings(_env_file=None, nats_url=nats_url), "cleaner")
    assert broker.metrics is not None
    await broker.connect()
    try:
        for _ in range(2):
            await broker.publish(b"probe", "orewatch.test.metrics")
    finally:
        await broker.stop()
    text = generate_latest(broker.metrics).decode()
    published = [
        line for line in text.splitlines() if line.startswith("faststream_published_messages_total{")
    ]
    assert published, text
    assert any('app_name="cleaner"' in line and line.endswith(" 2.0") for line in published), published
