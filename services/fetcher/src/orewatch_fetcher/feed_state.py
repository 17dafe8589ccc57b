"""What the fetcher knows about feeds, kept in the JetStream KV bucket `orewatch_feed_state`.

Keeping it in NATS rather than in memory makes restarts and replicas agree:

* `feed.<h>`: the feed's ETag and Last-Modified, for conditional GET;
* `entry.<h>`: one record per entry (by entry id, else canonical link): `busy` while a
  fetcher works on it (with a lease), `retry` after a failed page download (with the
  next attempt's time and the entry itself), `done` once published or dead-lettered;
* `url.<h>`: the canonical link of a done entry, so another id for the same page is skipped;
* `content.<h>`: hash of published content, so the same article under two URLs goes out once;
* `todo.<h>`: index of entries not done yet, which the retry sweep lists (server-side filter).

A replica takes an entry by creating its record (`create` fails if it exists) or by
updating it at the revision it read (`update(last=...)` fails if another replica got
there first), so exactly one replica downloads and publishes each entry.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue
from orewatch_common.contracts import sha256_hex
from orewatch_common.logs import get_logger

from orewatch_fetcher.feeds import FeedEntry

log = get_logger(__name__)

FEED_STATE_BUCKET = "orewatch_feed_state"
BUSY, RETRY, DONE = "busy", "retry", "done"


def _h(text: str) -> str:
    return sha256_hex(text)[:40]


@dataclass(frozen=True)
class Claim:
    """This process owns the entry until it finishes, fails, or the lease runs out."""

    entry: FeedEntry
    key: str
    revision: int
    attempts: int


class FeedState:
    def __init__(self, kv: KeyValue, *, lease_s: float) -> None:
        self.kv = kv
        self.lease_s = lease_s

    async def _get(self, key: str) -> tuple[dict[str, Any], int] | None:
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, NotFoundError):
            return None
        if not entry.value:
            return None
        return json.loads(entry.value), int(entry.revision or 0)

    async def _put(self, key: str, value: dict[str, Any]) -> int:
        return int(await self.kv.put(key, json.dumps(value, ensure_ascii=False).encode()))

    async def validators(self, feed_url: str) -> tuple[str | None, str | None]:
        found = await self._get(f"feed.{_h(feed_url)}")
        if not found:
            return None, None
        return found[0].get("etag"), found[0].get("last_modified")

    async def save_validators(self, feed_url: str, etag: str | None, last_modified: str | None) -> None:
        await self._put(
            f"feed.{_h(feed_url)}", {"url": feed_url, "etag": etag, "last_modified": last_modified}
        )

    async def forget_validators(self, feed_url: str) -> None:
        with contextlib.suppress(Exception):
            await self.kv.delete(f"feed.{_h(feed_url)}")

    async def first_report(self, topic: str, version: str) -> bool:
        """True the first time a problem (e.g. a malformed feed body) is reported, so it is reported once."""
        key = f"report.{_h(topic)}"
        found = await self._get(key)
        if found and found[0].get("version") == version:
            return False
        await self._put(key, {"topic": topic, "version": version})
        return True

    async def claim(self, entry: FeedEntry, now: float) -> Claim | None:
        """Take the entry, or None when it is done, or another fetcher has it, or its retry is not due."""
        if entry.link and await self._get(f"url.{_h(entry.link)}"):
            return None
        key = f"entry.{entry.key[:40]}"
        busy = {"state": BUSY, "until": now + self.lease_s, "attempts": 0, "entry": entry.to_json()}
        try:
            revision = await self.kv.create(key, json.dumps(busy, ensure_ascii=False).encode())
        except KeyWrongLastSequenceError:
            pass
        else:
            await self._put(f"todo.{entry.key[:40]}", {"key": key})
            return Claim(entry, key, int(revision), 0)
        found = await self._get(key)
        if not found:
            return None  # deleted between create and get: leave it to the next round
        record, revision = found
        if record.get("state") == DONE or float(record.get("until", 0)) > now:
            return None
        attempts = int(record.get("attempts", 0))
        busy["attempts"] = attempts
        try:
            new_revision = await self.kv.update(
                key, json.dumps(busy, ensure_ascii=False).encode(), last=revision
            )
        except KeyWrongLastSequenceError:
            return None
        return Claim(
            FeedEntry.from_json(record.get("entry") or entry.to_json()),
            key,
            int(new_revision),
            attempts,
        )

    async def fail(self, claim: Claim, reason: str, retry_at: float) -> int:
        """Record a failed attempt, to be retried at `retry_at`; returns the number of attempts so far."""
        attempts = claim.attempts + 1
        await self._put(
            claim.key,
            {
                "state": RETRY,
                "until": retry_at,
                "attempts": attempts,
                "reason": reason,
                "entry": claim.entry.to_json(),
            },
        )
        return attempts

    async def finish(self, claim: Claim, outcome: str) -> None:
        await self._put(claim.key, {"state": DONE, "outcome": outcome})
        if claim.entry.link:
            await self._put(f"url.{_h(claim.entry.link)}", {"entry": claim.key})
        with contextlib.suppress(Exception):
            await self.kv.delete(f"todo.{claim.key.removeprefix('entry.')}")

    async def content_seen(self, digest: str) -> bool:
        return await self._get(f"content.{digest[:40]}") is not None

    async def mark_content(self, digest: str, source_uri: str) -> None:
        await self._put(f"content.{digest[:40]}", {"source_uri": source_uri})

    async def pending(self, now: float) -> list[FeedEntry]:
        """Entries not done whose retry (or abandoned lease) is due."""
        keys = await self._todo_keys()
        due: list[FeedEntry] = []
        for todo in keys:
            found = await self._get("entry." + todo.removeprefix("todo."))
            if found is None:
                continue
            record = found[0]
            if record.get("state") == DONE:
                with contextlib.suppress(Exception):
                    await self.kv.delete(todo)
            elif float(record.get("until", 0)) <= now and record.get("entry"):
                due.append(FeedEntry.from_json(record["entry"]))
        return due

    async def _todo_keys(self) -> list[str]:
        watcher = await self.kv.watch("todo.*", ignore_deletes=True, meta_only=True)
        keys: list[str] = []
        try:
            while True:
                try:
                    update = await watcher.updates(timeout=5)  # type: ignore[no-untyped-call]  # nats-py
                except TimeoutError:
                    break
                if update is None:
                    break
                if update.operation is None:
                    keys.append(update.key)
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]
        return keys
