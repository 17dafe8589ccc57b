"""robots.txt read as RFC 9309 says (protego): wildcards, `$`, longest match, agent groups.

Each expected value is worked out by hand from the RFC; the ones `urllib.robotparser`
(first matching plain prefix, no wildcards) got wrong are marked, and checked to differ.
"""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

import pytest
from orewatch_fetcher.http_client import HttpClient
from orewatch_fetcher.robots import RobotsCache, parse_robots

AGENT = "orewatch"
SITE = "https://example.org"

# (robots.txt, path, allowed for orewatch, stdlib's answer differs)
CASES = [
    ("", "/anything", True, False),
    ("User-agent: *\nDisallow:\n", "/anything", True, False),  # an empty Disallow allows
    ("User-agent: *\nDisallow: /\n", "/news/a.html", False, False),
    # wildcards and the end anchor
    ("User-agent: *\nDisallow: /*.pdf$\n", "/docs/report.pdf", False, True),
    ("User-agent: *\nDisallow: /*.pdf$\n", "/docs/report.pdf?page=2", True, False),
    ("User-agent: *\nDisallow: /*.pdf$\n", "/docs/report.pdfx", True, False),
    ("User-agent: *\nDisallow: /*/private/\n", "/team/private/plan.html", False, True),
    ("User-agent: *\nDisallow: /*/private/\n", "/private/plan.html", True, False),  # `*` then `/`
    ("User-agent: *\nDisallow: /*?sessionid=\n", "/news/a.html?sessionid=42", False, True),
    # the longest match wins, in whichever order the rules are written
    ("User-agent: *\nDisallow: /news/\nAllow: /news/public/\n", "/news/public/a.html", True, True),
    ("User-agent: *\nAllow: /news/public/\nDisallow: /news/\n", "/news/public/a.html", True, False),
    ("User-agent: *\nDisallow: /news/\nAllow: /news/public/\n", "/news/secret.html", False, False),
    ("User-agent: *\nAllow: /\nDisallow: /news/\n", "/news/a.html", False, True),
    # a tie between Allow and Disallow of the same length: the least restrictive, Allow
    ("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", True, True),
    # the group of our agent, not `*`; names compare case-insensitively
    ("User-agent: *\nDisallow: /\n\nUser-agent: OreWatch\nAllow: /\n", "/news/a.html", True, False),
    ("User-agent: *\nAllow: /\n\nUser-agent: orewatch\nDisallow: /drafts/\n", "/drafts/x", False, False),
    ("User-agent: otherbot\nDisallow: /\n", "/news/a.html", True, False),  # not our group
]


@pytest.mark.parametrize(("robots", "path", "allowed", "_stdlib_differs"), CASES)
def test_rfc_9309_matching(robots: str, path: str, allowed: bool, _stdlib_differs: bool) -> None:
    assert parse_robots(robots).can_fetch(f"{SITE}{path}", AGENT) is allowed


@pytest.mark.parametrize(("robots", "path", "allowed"), [(r, p, a) for r, p, a, differs in CASES if differs])
def test_the_standard_library_got_these_wrong(robots: str, path: str, allowed: bool) -> None:
    """Why protego: the parser it replaces answers the other way on each of these."""
    stdlib = RobotFileParser()
    stdlib.parse(robots.splitlines())
    assert stdlib.can_fetch(AGENT, f"{SITE}{path}") is not allowed


@pytest.mark.parametrize(
    ("robots", "delay"),
    [
        ("User-agent: *\nCrawl-delay: 3\n", 3.0),
        ("User-agent: *\nCrawl-delay: 3\n\nUser-agent: orewatch\nCrawl-delay: 7\n", 7.0),
        ("User-agent: *\nDisallow: /x\n", None),
    ],
)
def test_crawl_delay_of_our_group(robots: str, delay: float | None) -> None:
    assert parse_robots(robots).crawl_delay(AGENT) == delay


async def test_the_cache_applies_wildcards_to_a_served_robots_txt(web) -> None:  # type: ignore[no-untyped-def]
    client = HttpClient(timeout_s=1.0, max_bytes=10_000, user_agent="orewatch-test/1", allow_private=True)
    web.add("/robots.txt", "User-agent: *\nDisallow: /*.pdf$\nAllow: /\n", content_type="text/plain")
    try:
        robots = RobotsCache(client, "orewatch-test/1")
        assert not await robots.allowed(web.url("/files/a.pdf"))
        assert await robots.allowed(web.url("/files/a.pdf?download=0"))
        assert await robots.allowed(web.url("/files/a.html"))
    finally:
        await client.aclose()
