"""The chaos checker: which numbered articles were lost or duplicated, from rows read back.

Pure: a scenario says which sequence numbers it dropped (and which of them are poison that
must end as dead letters); the harness reads the numbers the rows carry; `check` compares
the two as bitsets. Nothing here talks to a server, so the verdict logic has its own
table-driven tests (test_checker.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# `chaos-000042.txt` (the file name) and `№ 000042` (title and body) carry the number.
_NUMBER_IN_URI = re.compile(r"chaos-(\d{6})")
_NUMBER_IN_TEXT = re.compile(r"№ (\d{6})")


def number_in(*texts: str | None) -> int | None:
    """The sequence number a row carries: from its source URI first, else from its text."""
    for text in texts:
        if text and (found := _NUMBER_IN_URI.search(text)):
            return int(found.group(1))
    for text in texts:
        if text and (found := _NUMBER_IN_TEXT.search(text)):
            return int(found.group(1))
    return None


class Bitset:
    """A set of small non-negative integers as the bits of one int (a million numbers cost 125 kB)."""

    __slots__ = ("bits",)

    def __init__(self, numbers: Iterable[int] = ()) -> None:
        bits = 0
        for number in numbers:
            bits |= 1 << number
        self.bits = bits

    @classmethod
    def of_bits(cls, bits: int) -> Bitset:
        made = cls()
        made.bits = bits
        return made

    def __contains__(self, number: int) -> bool:
        return bool(self.bits >> number & 1)

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __or__(self, other: Bitset) -> Bitset:
        return Bitset.of_bits(self.bits | other.bits)

    def __and__(self, other: Bitset) -> Bitset:
        return Bitset.of_bits(self.bits & other.bits)

    def __sub__(self, other: Bitset) -> Bitset:
        return Bitset.of_bits(self.bits & ~other.bits)

    def numbers(self) -> list[int]:
        return [n for n in range(self.bits.bit_length()) if self.bits >> n & 1]


@dataclass(frozen=True)
class Expected:
    """What a scenario dropped: numbers that must be stored, poison that must be dead-lettered,
    and inputs that may end either way (an article today's extractor may or may not refuse).

    `content`: the SHA-256 of the whole text of a number whose stored raw row must hold
    exactly that (a slowly written file stored half-written is not stored).
    """

    stored: frozenset[int]
    dead: frozenset[int] = frozenset()
    content: Mapping[int, str] = field(default_factory=dict)
    either: frozenset[int] = frozenset()  # stored or dead-lettered, both right; only not lost
    versions: Mapping[int, int] = field(default_factory=dict)  # publishes a number may have (1)

    @property
    def numbers(self) -> frozenset[int]:
        return self.stored | self.dead | self.either


@dataclass(frozen=True)
class Observed:
    """Numbers carried by rows, one entry per row (so repeats show duplicates).

    `articles`: fully processed `articles` rows (extracted); `raw`: `raw_articles` rows;
    `dead`: (service, number) of `dead_letters` rows (one input refused on raw.article by both
    the cleaner and the store is two letters, not a duplicate); `published`: raw.article
    messages in the stream (a file published twice, e.g. half-written and then whole, shows
    here even though the store's upsert keeps one row). `content_hashes`: content_sha256 of every raw row.
    """

    articles: tuple[int, ...] = ()
    raw: tuple[int, ...] = ()
    dead: tuple[tuple[str, int], ...] = ()
    published: tuple[int, ...] = ()
    content_hashes: tuple[str, ...] = ()
    raw_hashes: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Verdict:
    articles: int
    stored: int
    dead_lettered: int
    lost: list[int] = field(default_factory=list)
    duplicated: list[int] = field(default_factory=list)
    misrouted: list[int] = field(default_factory=list)
    duplicate_hashes: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.misrouted or self.duplicate_hashes)


def _repeated(numbers: Iterable[int]) -> Bitset:
    return Bitset(n for n, times in Counter(numbers).items() if times > 1)


def _over(numbers: Iterable[int], versions: Mapping[int, int]) -> Bitset:
    return Bitset(n for n, times in Counter(numbers).items() if times > versions.get(n, 1))


def _repeated_letters(letters: Iterable[tuple[str, int]]) -> Bitset:
    return Bitset(n for (_, n), times in Counter(letters).items() if times > 1)


def check(expected: Expected, observed: Observed) -> Verdict:
    """Lost: expected, but neither stored nor dead-lettered. Duplicated: a number in more than
    one row of a table (or published more than once, or dead-lettered twice by one service),
    or two raw rows with one content hash.
    Misrouted: a good article that only became a dead letter, or poison that was stored.
    A number whose raw row does not hold its whole text (`Expected.content`) is not stored.
    Numbers nobody dropped (a stray row) are ignored.
    """
    good, poison = Bitset(expected.stored), Bitset(expected.dead)
    wanted = good | poison | Bitset(expected.either)
    held = set(observed.raw_hashes)
    partial = Bitset(n for n, sha in expected.content.items() if (n, sha) not in held)
    stored = Bitset(observed.articles) & (wanted - partial)
    dead = Bitset(n for _, n in observed.dead) & wanted
    lost = wanted - stored - dead
    repeated = (
        _repeated(observed.articles)
        | _repeated(observed.raw)
        | _over(observed.published, expected.versions)
        | _repeated_letters(observed.dead)
    )
    misrouted = (good & (dead - stored)) | (poison & stored)
    hashes = Counter(observed.content_hashes)
    return Verdict(
        articles=len(wanted),
        stored=len(stored),
        dead_lettered=len(dead),
        lost=lost.numbers(),
        duplicated=(repeated & wanted).numbers(),
        misrouted=misrouted.numbers(),
        duplicate_hashes=sum(times - 1 for times in hashes.values() if times > 1),
    )
