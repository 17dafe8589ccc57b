"""The fetcher's one way onto the web: httpx with an SSRF guard, a size cap and conditional GET.

Feeds and pages are URLs chosen by other people (a feed links wherever it
likes), so before each connection, including every redirect hop, the host is
resolved once and refused if any address is private, loopback, link-local,
reserved or a cloud metadata endpoint. The connection then goes to exactly the
address that was checked (`PinnedBackend`): httpx never resolves the name again,
so a DNS server that answers a public address to the check and 127.0.0.1 to the
connection (rebinding) gains nothing. The URL keeps its host name, so the Host
header, TLS SNI and certificate check are those of the name. Bodies are streamed
and abandoned past `max_bytes` (after decompression, so a gzip bomb stops too),
and the whole request has a deadline, so a server that drips bytes cannot hold a task.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
"""Host name and port -> every address DNS gives for it (injected in tests)."""

# Cloud instance metadata services: refused even when private URLs are allowed,
# because no feed lives there and their credentials are the classic SSRF prize.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "169.254.170.23", "fd00:ec2::254", "100.100.100.200")
)


class FetchError(Exception):
    """A URL could not be fetched. `transient` says whether trying again later may help."""

    transient = True


class RefusedUrl(FetchError):
    """The URL is not one the fetcher may open (scheme, or an address the SSRF guard forbids)."""

    transient = False


class TooLarge(FetchError):
    transient = False


class HttpStatusError(FetchError):
    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status
        # Server errors, rate limits and request timeouts pass; 403, 404, 410 do not.
        self.transient = status >= 500 or status in (408, 425, 429)


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def media_type(self) -> str | None:
        return _content_type(self.headers.get("content-type")).get_content_type() if self.headers else None

    @property
    def charset(self) -> str | None:
        value = self.headers.get("content-type")
        return _content_type(value).get_param("charset") if value else None  # type: ignore[return-value]

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def _content_type(value: str | None) -> Message:
    message = Message()
    message["content-type"] = value or "application/octet-stream"
    return message


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why the fetcher must not connect to this address, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if allow_private:
        return None
    for check in (
        "is_loopback",
        "is_private",
        "is_link_local",
        "is_multicast",
        "is_reserved",
        "is_unspecified",
    ):
        if getattr(address, check):
            return f"{address} is {check[3:].replace('_', '-')}"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def url_refusal(url: str) -> str | None:
    """Why a URL is not fetchable at all (before any DNS), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"malformed URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'!r} is not http or https"
    if not parts.hostname:
        return "URL has no host"
    return None


@dataclass(frozen=True)
class Pin:
    """The one address a connection to `host:port` may use: the one the guard checked."""

    host: str
    port: int
    address: IPAddress


_PIN: ContextVar[Pin | None] = ContextVar("orewatch_fetcher_pin", default=None)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer, connecting only to the address pinned for this request.

    httpcore connects from the task that sent the request, so the pin travels in a
    context variable. No pin, or a pin for another host, means no connection at all.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pin = _PIN.get()
        if pin is None or (pin.host, pin.port) != (host.lower(), port):
            raise httpcore.ConnectError(f"no checked address for {host}:{port}; not connecting")
        return await self.inner.connect_tcp(
            str(pin.address),
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never opened by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport on a connection pool whose network layer is `PinnedBackend`.

    httpx does not take a network backend, so the pool it built is replaced by the same
    kind of pool with one (`_pool` is where httpx keeps it); no proxy is ever used.
    """

    def __init__(self, backend: PinnedBackend, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=httpx.Limits().max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=backend,
        )


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for the host, in its order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


class HttpClient:
    """Async GET with the guard, the cap and conditional requests; one per process.

    `resolver`, `network_backend` and `ssl_context` (trusted certificates) replace DNS,
    the network and the CA bundle in tests; a given `transport` replaces the whole
    pinned transport (and with it the pinning).
    """

    def __init__(
        self,
        *,
        timeout_s: float,
        max_bytes: int,
        user_agent: str,
        allow_private: bool,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = system_resolver,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.resolver = resolver
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept-Language": "ru, en;q=0.5"},
            transport=transport or PinnedTransport(PinnedBackend(network_backend), ssl_context),
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def check_url(self, url: str) -> Pin:
        """The address to connect to for the URL, once its host resolved (once) to allowed addresses only.

        Raises RefusedUrl unless the URL is http(s) and every address of its host is allowed.
        """
        reason = url_refusal(url)
        if reason:
            raise RefusedUrl(f"{url}: {reason}")
        try:
            parsed = httpx.URL(url)
            host = parsed.raw_host.decode("ascii").lower()  # IDNA-encoded, as httpcore connects to it
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise RefusedUrl(f"{url}: malformed URL: {exc}") from exc
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await self.resolver(host, port)
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no addresses")
        for address in addresses:
            refusal = address_refusal(address, allow_private=self.allow_private)
            if refusal:
                hint = "" if self.allow_private else " (OREWATCH_ALLOW_PRIVATE_URLS=1 allows local feeds)"
                raise RefusedUrl(f"{url}: {host} -> {refusal}; refused by the SSRF guard{hint}")
        return Pin(host, port, addresses[0])

    async def get(
        self,
        url: str,
        *,
        accept: str = PAGE_ACCEPT,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET with redirects followed by hand (each hop re-checked), within one overall deadline."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with asyncio.timeout(self.timeout_s * 1.5):
                return await self._follow(url, headers)
        except TimeoutError as exc:
            raise FetchError(f"{url}: no complete answer within {self.timeout_s * 1.5:.0f}s") from exc

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            pinned = _PIN.set(await self.check_url(current))
            try:
                result = await self._get_once(current, headers)
            except httpx.TimeoutException as exc:
                raise FetchError(f"{current}: timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: {type(exc).__name__}: {exc}") from exc
            finally:
                _PIN.reset(pinned)
            if result.status in REDIRECT_STATUSES:
                location = result.headers.get("location")
                if not location:
                    raise HttpStatusError(current, result.status)
                current = urljoin(current, location.strip())
                continue
            if result.status == 304 or 200 <= result.status < 300:
                return result
            raise HttpStatusError(current, result.status)
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    async def _get_once(self, url: str, headers: dict[str, str]) -> FetchResult:
        async with self.client.stream("GET", url, headers=headers) as response:
            response_headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code in REDIRECT_STATUSES or response.status_code == 304:
                return FetchResult(
                    url=str(response.url), status=response.status_code, headers=response_headers
                )
            if response.status_code >= 300:
                return FetchResult(
                    url=str(response.url), status=response.status_code, headers=response_headers
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise TooLarge(f"{url}: {declared} bytes announced, over the {self.max_bytes}-byte cap")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise TooLarge(f"{url}: body exceeds the {self.max_bytes}-byte cap; abandoned")
            return FetchResult(
                url=str(response.url),
                status=response.status_code,
                content=bytes(body),
                headers=response_headers,
            )
