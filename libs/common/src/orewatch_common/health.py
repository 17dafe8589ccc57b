"""Liveness and readiness of a service, for an orchestrator or an operator.

Live means the event loop answers. Ready means the service has started (its consumers and
loops run) and every dependency it needs is reachable right now: NATS (fed by nats-py's
disconnected and reconnected callbacks) and, for the store, PostgreSQL (fed by its probe).
While a dependency is down a service holds its messages and idles; it reports not-ready
instead of exiting, so it needs no restart.

The optional HTTP server (`settings.health_port`) answers `GET /health/live` (200) and
`GET /health/ready` (200 or 503), each with a small JSON body naming each dependency, and,
given a registry, `GET /metrics` in the Prometheus text format (FastStream's NATS middleware
counts into it: messages received and published, errors, handler latency; and
orewatch_common.metrics: redeliveries, dead letters by reason, consumer backlogs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from enum import StrEnum

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from orewatch_common.logs import get_logger

log = get_logger(__name__)

REQUEST_TIMEOUT_S = 5.0


class Dependency(StrEnum):
    NATS = "nats"
    POSTGRES = "postgres"


class Readiness:
    """Which dependencies are up; ready when all are. Each starts down until seen up."""

    def __init__(self, *needs: Dependency, started: bool = True) -> None:
        self._up: dict[Dependency, bool] = dict.fromkeys(needs, False)
        # False until the service's start-up hooks are done (its consumers and loops run)
        self.started = started

    def require(self, need: Dependency) -> None:
        self._up.setdefault(need, False)

    def set(self, need: Dependency, up: bool) -> None:
        if self._up.get(need) is not up:
            log.log(logging.INFO if up else logging.WARNING, "%s is %s", need.value, "up" if up else "down")
        self._up[need] = up

    @property
    def ready(self) -> bool:
        return self.started and all(self._up.values())

    def report(self) -> dict[str, str]:
        return {need.value: "up" if up else "down" for need, up in sorted(self._up.items())}

    async def nats_disconnected(self) -> None:
        """nats-py `disconnected_cb`."""
        self.set(Dependency.NATS, False)

    async def nats_reconnected(self) -> None:
        """nats-py `reconnected_cb`."""
        self.set(Dependency.NATS, True)


class HealthServer:
    """A tiny HTTP/1.0 server for the two health endpoints (no web framework needed)."""

    def __init__(
        self,
        readiness: Readiness,
        port: int,
        host: str = "0.0.0.0",
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.readiness = readiness
        self.registry = registry
        self.port = port
        self.host = host
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("health on http://%s:%d/health/ready", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=1)
            self._server = None

    def response(self, path: str) -> tuple[int, dict[str, object]]:
        """Status and body of a GET on `path`."""
        if path == "/health/live":
            return 200, {"live": True}
        if path == "/health/ready":
            ready = self.readiness.ready
            body: dict[str, object] = {"ready": ready, "started": self.readiness.started}
            return (200 if ready else 503), {**body, **self.readiness.report()}
        return 404, {"error": "not found"}

    def reply(self, path: str) -> tuple[int, bytes, str]:
        """Status, body and content type of a GET on `path` ('' for a request we cannot read)."""
        if path == "/metrics" and self.registry is not None:
            return 200, generate_latest(self.registry), CONTENT_TYPE_LATEST
        status, body = self.response(path) if path else (400, {"error": "bad request"})
        return status, json.dumps(body).encode(), "application/json"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=REQUEST_TIMEOUT_S)
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 and parts[0] in {"GET", "HEAD"} else ""
            status, data, content_type = self.reply(path)
            reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 503: "Service Unavailable"}[status]
            head = (
                f"HTTP/1.0 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + data)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
