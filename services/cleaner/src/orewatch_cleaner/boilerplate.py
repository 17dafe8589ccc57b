"""Per-source learned boilerplate: segments that recur across many articles of one site.

A line such as a site's slogan or its standard footer is repeated in nearly every article
of that source, while article text is not. Counting, per source, in how many distinct
articles a normalised segment occurred finds such furniture on sites no rule knows (the
approach Media Cloud uses). The store behind the counts is a small protocol so the service
can keep it in a NATS key-value bucket; `InMemorySegmentMemory` serves tests and one-shot runs.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from orewatch_cleaner.sentences import normalise, words
from orewatch_cleaner.thresholds import thresholds


class SegmentMemory(Protocol):
    """Counts, per source, how many distinct articles contained each segment hash."""

    def counts(self, source: str, hashes: Iterable[str]) -> dict[str, int]:
        """Number of earlier articles of `source` that contained each hash (absent: 0)."""
        ...

    def record(self, source: str, hashes: Iterable[str]) -> None:
        """Remember one more article of `source` containing these (distinct) hashes."""
        ...

    def articles_seen(self, source: str) -> int:
        """How many articles of `source` were recorded."""
        ...


class InMemorySegmentMemory:
    """Segment counts in a dict: for tests, the CLI and a single process."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = defaultdict(dict)
        self._articles: dict[str, int] = defaultdict(int)

    def counts(self, source: str, hashes: Iterable[str]) -> dict[str, int]:
        known = self._counts.get(source, {})
        return {h: known.get(h, 0) for h in hashes}

    def record(self, source: str, hashes: Iterable[str]) -> None:
        known = self._counts[source]
        for h in set(hashes):
            known[h] = known.get(h, 0) + 1
        self._articles[source] += 1

    def articles_seen(self, source: str) -> int:
        return self._articles.get(source, 0)


class CountedAlready:
    """A source's memory as seen by an article it already counts: that article left out, and
    nothing recorded again.

    `orewatch reprocess` cleans stored articles a second time; counted again, each of their
    lines would seem to recur in one more article of the source, and an article's own text
    could pass for furniture. Only the article's own hashes are asked for (`recurring_segments`),
    so each count is one too high.
    """

    def __init__(self, memory: SegmentMemory) -> None:
        self.memory = memory

    def counts(self, source: str, hashes: Iterable[str]) -> dict[str, int]:
        return {h: max(n - 1, 0) for h, n in self.memory.counts(source, hashes).items()}

    def record(self, source: str, hashes: Iterable[str]) -> None:
        """Counted when it was first cleaned."""

    def articles_seen(self, source: str) -> int:
        return max(self.memory.articles_seen(source) - 1, 0)


@dataclass(frozen=True)
class BoilerplatePolicy:
    """When a recurring segment counts as furniture.

    It must have been seen in at least `min_articles` earlier articles and in at least
    `min_share` of the source's articles, and be short: long sentences are article text
    even when several articles quote the same agency lead.
    """

    min_articles: int
    min_share: float
    max_words: int
    min_chars: int


# thresholds.toml [boilerplate.lines] and [boilerplate.sentences]
DEFAULT_POLICY = BoilerplatePolicy(**thresholds().boilerplate.lines.model_dump())
SENTENCE_POLICY = BoilerplatePolicy(**thresholds().boilerplate.sentences.model_dump())


def segment_hash(text: str) -> str:
    """Stable short hash of a segment's normalised text."""
    return _hash_normalised(normalise(text))


def _hash_normalised(norm: str) -> str:
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


def segment_hashes(segments: Iterable[str], policy: BoilerplatePolicy = DEFAULT_POLICY) -> set[str]:
    """Hashes of an article's learnable segments: only short ones; long unique prose never is."""
    hashes = set()
    for segment in segments:
        norm = normalise(segment)
        if len(norm) >= policy.min_chars and 0 < len(words(norm)) <= policy.max_words:
            hashes.add(_hash_normalised(norm))
    return hashes


@dataclass(frozen=True)
class LearnedBoilerplate:
    """What a source's earlier articles show to be furniture, ready to test segments against.

    Unpunctuated segments (slogans, rubrics, button rows) need the ordinary evidence; full
    sentences need more, since a short formula such as "Об этом сообщает ТАСС." recurs in
    articles and is still article text.
    """

    unpunctuated: frozenset[str] = frozenset()
    sentences: frozenset[str] = frozenset()

    def knows(self, text: str) -> bool:
        known = self.sentences if _ENDS_SENTENCE.search(text.strip()) else self.unpunctuated
        return bool(known) and segment_hash(text) in known


NOTHING_LEARNED = LearnedBoilerplate()
_ENDS_SENTENCE = re.compile(r"[.!?…;][»\"”')\]]*$")


def learned_boilerplate(
    memory: SegmentMemory,
    source: str,
    hashes: set[str],
    policy: BoilerplatePolicy = DEFAULT_POLICY,
    sentence_policy: BoilerplatePolicy = SENTENCE_POLICY,
) -> LearnedBoilerplate:
    """Furniture among an article's segment `hashes` according to the source's earlier articles."""
    return LearnedBoilerplate(
        unpunctuated=frozenset(recurring_segments(memory, source, hashes, policy)),
        sentences=frozenset(recurring_segments(memory, source, hashes, sentence_policy)),
    )


def recurring_segments(
    memory: SegmentMemory, source: str, hashes: set[str], policy: BoilerplatePolicy = DEFAULT_POLICY
) -> set[str]:
    """Those `hashes` that earlier articles of `source` show to be site furniture."""
    if not hashes:
        return set()
    seen = memory.articles_seen(source)
    if seen < policy.min_articles:
        return set()
    needed = max(policy.min_articles, policy.min_share * seen)
    return {h for h, n in memory.counts(source, hashes).items() if n >= needed}
