"""Fetcher test fixtures: a small web server on loopback that serves feeds and pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    etag: str | None = None  # when set, a request with a matching If-None-Match gets 304


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    status: int


class LocalWeb:
    """ThreadingHTTPServer on 127.0.0.1 with routes set by the test, and a log of requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = web.routes.get(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if route is None:
                    status, body, extra, content_type = 404, b"not found", {}, "text/plain"
                elif route.etag and headers.get("if-none-match") == route.etag:
                    status, body, extra, content_type = 304, b"", {"ETag": route.etag}, None
                else:
                    status, body, content_type = route.status, route.body, route.content_type
                    extra = dict(route.headers)
                    if route.etag:
                        extra["ETag"] = route.etag
                web.hits.append(Hit(self.path, headers, status))
                if route is not None and route.delay_s:
                    time.sleep(route.delay_s)
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    if status != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def hits_of(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    server = LocalWeb()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


class JetStreamOut:
    """Publishers of the fetcher's two subjects on the test's JetStream, with the service's headers."""

    def __init__(self, bus) -> None:  # type: ignore[no-untyped-def]
        self.bus = bus

    async def article(self, article) -> None:  # type: ignore[no-untyped-def]
        from orewatch_common.bus import message_headers
        from orewatch_common.contracts import RAW_ARTICLE

        await self.bus.ensure_stream()
        await self.bus.js.publish(
            RAW_ARTICLE, article.model_dump_json().encode(), headers=message_headers(article)
        )

    async def dead_letter(self, letter) -> None:  # type: ignore[no-untyped-def]
        from orewatch_common.bus import message_headers
        from orewatch_common.contracts import DEAD_LETTER

        await self.bus.ensure_stream()
        await self.bus.js.publish(
            DEAD_LETTER, letter.model_dump_json().encode(), headers=message_headers(letter)
        )

    async def kv(self, bucket: str):  # type: ignore[no-untyped-def]
        return await self.bus.js.create_key_value(bucket=bucket)


@pytest.fixture
async def out(bus):  # type: ignore[no-untyped-def]
    return JetStreamOut(bus)
