"""SSRF guard: which URLs and addresses the fetcher refuses to open."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import pytest
from orewatch_fetcher.http_client import (
    HttpClient,
    IPAddress,
    PinnedBackend,
    RefusedUrl,
    address_refusal,
    url_refusal,
)


@pytest.mark.parametrize(
    ("address", "refused", "refused_even_if_private_allowed"),
    [
        ("93.184.216.34", False, False),
        ("2606:4700:4700::1111", False, False),
        ("127.0.0.1", True, False),
        ("127.8.9.10", True, False),
        ("::1", True, False),
        ("10.1.2.3", True, False),
        ("172.16.0.1", True, False),
        ("192.168.1.1", True, False),
        ("100.64.0.1", True, False),  # carrier-grade NAT: not global
        ("169.254.1.1", True, False),
        ("fe80::1", True, False),
        ("fc00::1", True, False),
        ("0.0.0.0", True, False),
        ("224.0.0.1", True, False),
        ("240.0.0.1", True, False),
        ("255.255.255.255", True, False),
        ("::ffff:127.0.0.1", True, False),  # IPv4-mapped loopback
        ("169.254.169.254", True, True),  # cloud metadata
        ("fd00:ec2::254", True, True),
        ("::ffff:169.254.169.254", True, True),
        ("100.100.100.200", True, True),
    ],
)
def test_address_refusal(address: str, refused: bool, refused_even_if_private_allowed: bool) -> None:
    ip = ipaddress.ip_address(address)
    assert (address_refusal(ip, allow_private=False) is not None) is refused
    assert (address_refusal(ip, allow_private=True) is not None) is refused_even_if_private_allowed


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://lenta.ru/rss", None),
        ("http://example.com:8080/feed.xml", None),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://example.com/feed", "scheme 'ftp'"),
        ("gopher://127.0.0.1:70/", "scheme 'gopher'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("//example.com/feed", "scheme '(none)'"),
        ("http:///feed", "no host"),
        ("http://example.com:99999/", "malformed"),
    ],
)
def test_url_refusal(url: str, reason: str | None) -> None:
    found = url_refusal(url)
    assert found is None if reason is None else reason in (found or "")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://[::1]:8080/feed",
        "http://localhost/feed",  # resolved: /etc/hosts says loopback
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",  # 127.0.0.1 as a decimal integer
        "http://0x7f.1/",
    ],
)
async def test_check_url_refuses_private_hosts(url: str) -> None:
    client = HttpClient(timeout_s=1, max_bytes=1000, user_agent="t", allow_private=False)
    try:
        with pytest.raises(RefusedUrl):
            await client.check_url(url)
    finally:
        await client.aclose()


async def test_allow_private_lifts_the_guard_but_not_for_metadata() -> None:
    client = HttpClient(timeout_s=1, max_bytes=1000, user_agent="t", allow_private=True)
    try:
        await client.check_url("http://127.0.0.1:8080/feed")
        with pytest.raises(RefusedUrl, match="metadata"):
            await client.check_url("http://169.254.169.254/")
    finally:
        await client.aclose()


PUBLIC = ipaddress.ip_address("93.184.216.34")
LOOPBACK = ipaddress.ip_address("127.0.0.1")


class Rebinder:
    """A DNS server that answers each name from a list of answers, the last one repeating."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        replies = self.answers[host]
        reply = replies[min(self.asked.count(host), len(replies)) - 1]
        return [ipaddress.ip_address(a) for a in reply]


class PublicIsLoopback(httpcore.AsyncNetworkBackend):
    """The network, where the test's loopback web server plays the public host 93.184.216.34."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connected: list[str] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        self.connected.append(host)
        target = "127.0.0.1" if host == str(PUBLIC) else host
        return await self.inner.connect_tcp(target, port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_client(
    resolver: Rebinder, network: PublicIsLoopback, *, allow_private: bool = False
) -> HttpClient:
    return HttpClient(
        timeout_s=2,
        max_bytes=10_000,
        user_agent="t",
        allow_private=allow_private,
        resolver=resolver,
        network_backend=network,
    )


async def test_rebinding_dns_gets_the_checked_address_not_its_second_answer(web) -> None:  # type: ignore[no-untyped-def]
    path = web.add("/feed", "лента")
    port = web.server.server_address[1]
    dns = Rebinder({"news.example": [[str(PUBLIC)], [str(LOOPBACK)]]})  # public to the check, then 127.0.0.1
    network = PublicIsLoopback()
    client = guarded_client(dns, network)
    try:
        result = await client.get(f"http://news.example:{port}/feed")
    finally:
        await client.aclose()
    assert result.content.decode() == "лента" and path
    assert dns.asked == ["news.example"]  # resolved once, for the check
    assert network.connected == [str(PUBLIC)]  # and connected to exactly what was checked
    (hit,) = web.hits
    assert hit.headers["host"] == f"news.example:{port}"  # the name still goes in the Host header


@pytest.mark.parametrize(
    ("location", "answers", "refusal"),
    [
        ("http://127.0.0.1/admin", {}, "127.0.0.1 is loopback"),
        ("http://10.0.0.1/", {}, "10.0.0.1 is private"),
        ("http://inside.example/", {"inside.example": [["192.168.0.10"]]}, "192.168.0.10 is private"),
        # one bad address among good ones is enough to refuse
        ("http://mixed.example/", {"mixed.example": [[str(PUBLIC), "127.0.0.1"]]}, "127.0.0.1 is loopback"),
        ("http://169.254.169.254/latest/meta-data/", {}, "cloud metadata"),
    ],
)
async def test_redirect_to_a_private_address_refused(web, location, answers, refusal) -> None:  # type: ignore[no-untyped-def]
    web.add("/hop", status=302, headers={"Location": location})
    port = web.server.server_address[1]
    dns = Rebinder({"news.example": [[str(PUBLIC)]], **answers})
    network = PublicIsLoopback()
    client = guarded_client(dns, network)
    try:
        with pytest.raises(RefusedUrl, match=refusal):
            await client.get(f"http://news.example:{port}/hop")
    finally:
        await client.aclose()
    assert [hit.path for hit in web.hits] == ["/hop"]
    assert network.connected == [str(PUBLIC)]  # nothing was opened for the second hop


async def test_no_connection_without_a_checked_address() -> None:
    backend = PinnedBackend(PublicIsLoopback())
    with pytest.raises(httpcore.ConnectError, match="no checked address"):
        await backend.connect_tcp("news.example", 80)


@pytest.fixture
def tls_site(tmp_path):  # type: ignore[no-untyped-def]
    """An HTTPS server on 127.0.0.1 whose self-signed certificate is for news.example only."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    request = "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=news.example"
    request += " -addext subjectAltName=DNS:news.example"
    subprocess.run(
        ["openssl", *request.split(), "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )
    server_names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)  # type: ignore[assignment,return-value]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"host={self.headers['Host']}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    trusted = ssl.create_default_context(cafile=str(cert))
    yield server.server_address[1], trusted, server_names
    server.shutdown()
    server.server_close()


async def test_pinned_https_keeps_the_name_for_sni_certificate_and_host(tls_site) -> None:  # type: ignore[no-untyped-def]
    port, trusted, server_names = tls_site
    dns = Rebinder({"news.example": [["127.0.0.1"], ["10.9.9.9"]]})
    client = HttpClient(
        timeout_s=5, max_bytes=1000, user_agent="t", allow_private=True, resolver=dns, ssl_context=trusted
    )
    try:
        result = await client.get(f"https://news.example:{port}/")
    finally:
        await client.aclose()
    assert result.content.decode() == f"host=news.example:{port}"
    assert server_names == ["news.example"]  # and the certificate for news.example was accepted
    assert dns.asked == ["news.example"]
