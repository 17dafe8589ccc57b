"""The fetcher's one way onto the web: httpx with an SSRF guard, a size cap and conditional GET.

Feeds and pages are URLs chosen by other people (a feed links wherever it
likes), so before each connection, including every redirect hop, the host is
resolved and refused if any address is private, loopback, link-local, reserved
or a cloud metadata endpoint. Bodies are streamed and abandoned past
`max_bytes` (after decompression, so a gzip bomb stops too), and the whole
request has a deadline, so a server that drips bytes cannot hold a task.

Known limit: the check resolves the name and httpx resolves it again when it
connects, so a DNS server that answers differently within milliseconds
(rebinding) could slip past. Pinning the checked address would need a custom
transport; the metadata ranges are cheap to block at the network too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

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


class HttpClient:
    """Async GET with the guard, the cap and conditional requests; one per process."""

    def __init__(
        self,
        *,
        timeout_s: float,
        max_bytes: int,
        user_agent: str,
        allow_private: bool,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept-Language": "ru, en;q=0.5"},
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def check_url(self, url: str) -> None:
        """Raise RefusedUrl unless the URL is http(s) and every address of its host is allowed."""
        reason = url_refusal(url)
        if reason:
            raise RefusedUrl(f"{url}: {reason}")
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await self._resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        for address in addresses:
            refusal = address_refusal(address, allow_private=self.allow_private)
            if refusal:
                hint = "" if self.allow_private else " (OREWATCH_ALLOW_PRIVATE_URLS=1 allows local feeds)"
                raise RefusedUrl(f"{url}: {host} -> {refusal}; refused by the SSRF guard{hint}")

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from exc
        return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))

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
            await self.check_url(current)
            try:
                result = await self._get_once(current, headers)
            except httpx.TimeoutException as exc:
                raise FetchError(f"{current}: timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: {type(exc).__name__}: {exc}") from exc
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
