"""SSRF guard: which URLs and addresses the fetcher refuses to open."""

from __future__ import annotations

import ipaddress

import pytest
from orewatch_fetcher.http_client import HttpClient, RefusedUrl, address_refusal, url_refusal


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
