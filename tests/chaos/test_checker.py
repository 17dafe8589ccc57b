"""The chaos checker's verdicts, table-driven, with hand-written expectations."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The chaos helpers are plain modules beside this file (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).parent))

from checker import Bitset, Expected, Observed, Verdict, check, number_in

ONE_TO_FIVE = frozenset(range(1, 6))


@pytest.mark.parametrize(
    ("expected", "observed", "verdict"),
    [
        pytest.param(
            Expected(ONE_TO_FIVE),
            Observed(articles=(1, 2, 3, 4, 5), raw=(1, 2, 3, 4, 5), published=(1, 2, 3, 4, 5)),
            Verdict(articles=5, stored=5, dead_lettered=0),
            id="all stored",
        ),
        pytest.param(
            Expected(ONE_TO_FIVE),
            Observed(articles=(1, 2, 4), raw=(1, 2, 3, 4)),
            Verdict(articles=5, stored=3, dead_lettered=0, lost=[3, 5]),
            id="a raw row without its article is lost, so is a number with no row",
        ),
        pytest.param(
            Expected(ONE_TO_FIVE),
            Observed(articles=(1, 2, 3, 3, 4, 5), raw=(1, 2, 3, 4, 5, 5)),
            Verdict(articles=5, stored=5, dead_lettered=0, duplicated=[3, 5]),
            id="two rows of one number in a table",
        ),
        pytest.param(
            Expected(ONE_TO_FIVE),
            Observed(articles=(1, 2, 3, 4, 5), published=(1, 2, 2, 2, 3, 4, 5)),
            Verdict(articles=5, stored=5, dead_lettered=0, duplicated=[2]),
            id="a file published three times (half-written versions)",
        ),
        pytest.param(
            Expected(frozenset({1, 2}), versions={1: 3}),
            Observed(articles=(1, 2), published=(1, 1, 1, 2, 2)),
            Verdict(articles=2, stored=2, dead_lettered=0, duplicated=[2]),
            id="three versions of an edited file are no duplicate, two publishes of one are",
        ),
        pytest.param(
            Expected(frozenset({1, 2}), dead=frozenset({3, 4})),
            Observed(articles=(1, 2), dead=(("fetcher", 3), ("cleaner", 4), ("store", 4))),
            Verdict(articles=4, stored=2, dead_lettered=2),
            id="poison dead-lettered, by two consumers of raw.article",
        ),
        pytest.param(
            Expected(frozenset({1, 2}), dead=frozenset({3})),
            Observed(articles=(1, 2), dead=(("fetcher", 3), ("fetcher", 3))),
            Verdict(articles=3, stored=2, dead_lettered=1, duplicated=[3]),
            id="one service dead-lettering one input twice",
        ),
        pytest.param(
            Expected(frozenset({1, 2}), dead=frozenset({3})),
            Observed(articles=(1, 3), dead=(("store", 2),)),
            Verdict(articles=3, stored=2, dead_lettered=1, misrouted=[2, 3]),
            id="a good article dead-lettered and poison stored are misrouted, not lost",
        ),
        pytest.param(
            Expected(frozenset({1}), either=frozenset({2, 3, 4})),
            Observed(articles=(1, 2), dead=(("extractor", 3),)),
            Verdict(articles=4, stored=2, dead_lettered=1, lost=[4]),
            id="either way is right for some, but not lost",
        ),
        pytest.param(
            Expected(frozenset({1})),
            Observed(articles=(1,), dead=(("store", 1),)),
            Verdict(articles=1, stored=1, dead_lettered=1),
            id="given up once, stored later: stored",
        ),
        pytest.param(
            Expected(frozenset({1, 2})),
            Observed(articles=(1, 2, 7, 7), raw=(1, 2, 7, 7), dead=(("store", 9),)),
            Verdict(articles=2, stored=2, dead_lettered=0),
            id="rows of numbers nobody dropped are ignored",
        ),
        pytest.param(
            Expected(frozenset({1, 2})),
            Observed(articles=(1, 2), content_hashes=("aa", "bb", "aa", "aa")),
            Verdict(articles=2, stored=2, dead_lettered=0, duplicate_hashes=2),
            id="one content hash in three raw rows",
        ),
        pytest.param(
            Expected(frozenset({1, 2}), content={1: "whole", 2: "whole2"}),
            Observed(articles=(1, 2), raw=(1, 2), raw_hashes=((1, "half"), (2, "whole2"))),
            Verdict(articles=2, stored=1, dead_lettered=0, lost=[1]),
            id="a file stored half-written is lost",
        ),
        pytest.param(
            Expected(frozenset()),
            Observed(),
            Verdict(articles=0, stored=0, dead_lettered=0),
            id="nothing dropped",
        ),
    ],
)
def test_check(expected: Expected, observed: Observed, verdict: Verdict) -> None:
    assert check(expected, observed) == verdict


@pytest.mark.parametrize(
    ("verdict", "ok"),
    [
        (Verdict(articles=2, stored=2, dead_lettered=0), True),
        (Verdict(articles=2, stored=1, dead_lettered=0, lost=[2]), False),
        (Verdict(articles=2, stored=2, dead_lettered=0, duplicated=[1]), False),
        (Verdict(articles=2, stored=1, dead_lettered=1, misrouted=[2]), False),
        (Verdict(articles=2, stored=2, dead_lettered=0, duplicate_hashes=1), False),
    ],
)
def test_ok(verdict: Verdict, ok: bool) -> None:
    assert verdict.ok is ok


@pytest.mark.parametrize(
    ("texts", "number"),
    [
        (("chaos-000042.txt",), 42),
        (("sub/chaos-001000.html", "№ 000007"), 1000),
        ((None, "Сводка № 000315: добыча лития"), 315),
        (("other.txt", "no number here"), None),
        (("chaos-42.txt", "№ 42"), None),
        ((), None),
    ],
)
def test_number_in(texts: tuple[str | None, ...], number: int | None) -> None:
    assert number_in(*texts) == number


def test_bitset() -> None:
    bits = Bitset([0, 3, 64, 3])
    assert (len(bits), 3 in bits, 4 in bits, bits.numbers()) == (3, True, False, [0, 3, 64])
    assert (bits - Bitset([3])).numbers() == [0, 64]
    assert (bits & Bitset([64, 65])).numbers() == [64]
    assert (bits | Bitset([1])).numbers() == [0, 1, 3, 64]
