"""Per-source boilerplate counts kept in a JetStream key-value bucket.

The cleaner's core learns site furniture through the synchronous `SegmentMemory`
protocol. This adapter holds one source's counts in process while an article is
cleaned, and merges what that article added into the bucket with optimistic
concurrency (update at the revision read), so replicas and restarts share one
memory per source and no increment is lost to a concurrent writer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import TypedDict

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from orewatch_common.contracts import sha256_hex

from orewatch_cleaner.boilerplate import InMemorySegmentMemory

BUCKET = "orewatch_cleaner_segments"
MAX_SEGMENTS_PER_SOURCE = 20_000  # keeps one source's value well under JetStream's 1 MB message cap
MERGE_ATTEMPTS = 10


class StoredCounts(TypedDict):
    """One source's value in the bucket."""

    articles: int
    counts: dict[str, int]


def _key(source: str) -> str:
    return "source." + sha256_hex(source)[:40]


def _prune(counts: dict[str, int]) -> dict[str, int]:
    """Over the cap, forget segments seen once: furniture recurs, and will be counted again."""
    if len(counts) <= MAX_SEGMENTS_PER_SOURCE:
        return counts
    kept = {h: n for h, n in counts.items() if n > 1}
    if len(kept) > MAX_SEGMENTS_PER_SOURCE:
        kept = dict(sorted(kept.items(), key=lambda item: -item[1])[:MAX_SEGMENTS_PER_SOURCE])
    return kept


class KvSegmentMemory(InMemorySegmentMemory):
    """SegmentMemory whose counts live in a KV bucket; call `load` before and `flush` after cleaning."""

    def __init__(self, kv: KeyValue) -> None:
        super().__init__()
        self.kv = kv
        self._pending_articles: dict[str, int] = defaultdict(int)
        self._pending_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def record(self, source: str, hashes: Iterable[str]) -> None:
        distinct = set(hashes)
        super().record(source, distinct)
        self._pending_articles[source] += 1
        for h in distinct:
            self._pending_counts[source][h] += 1

    async def load(self, source: str) -> None:
        """Refresh one source's counts from the bucket (other replicas may have added some)."""
        stored, _ = await self._read(source)
        self._counts[source] = dict(stored["counts"])
        self._articles[source] = int(stored["articles"])

    async def flush(self, source: str) -> None:
        """Merge this process's new counts for the source into the bucket."""
        articles = self._pending_articles.pop(source, 0)
        added = self._pending_counts.pop(source, {})
        if not articles:
            return
        for _ in range(MERGE_ATTEMPTS):
            stored, revision = await self._read(source)
            counts = dict(stored["counts"])
            for h, n in added.items():
                counts[h] = counts.get(h, 0) + n
            value = json.dumps({"articles": int(stored["articles"]) + articles, "counts": _prune(counts)})
            try:
                if revision is None:
                    await self.kv.create(_key(source), value.encode())
                else:
                    await self.kv.update(_key(source), value.encode(), last=revision)
                return
            except (KeyWrongLastSequenceError, Exception) as exc:  # create races raise a generic API error
                if not _is_conflict(exc):
                    raise
        raise RuntimeError(f"could not merge boilerplate counts of {source!r}: too much contention")

    async def _read(self, source: str) -> tuple[StoredCounts, int | None]:
        try:
            entry = await self.kv.get(_key(source))
        except KeyNotFoundError:
            return {"articles": 0, "counts": {}}, None
        if not entry.value:
            return {"articles": 0, "counts": {}}, entry.revision
        stored: StoredCounts = json.loads(entry.value)
        return stored, entry.revision


def _is_conflict(exc: Exception) -> bool:
    return isinstance(exc, KeyWrongLastSequenceError) or "wrong last sequence" in str(exc).lower()
