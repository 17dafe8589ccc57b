"""Ingest the seeds/ folder: what is there at start, then whatever is dropped in.

What was already published is remembered in a key-value store (a JetStream KV
bucket in the service), keyed by the file's path and valued by the hashes of its
text and of its bytes, so a restart republishes nothing unless the file changed,
and an unchanged file is not even decoded again. A bad file becomes a
dead letter (once per version of it) and never stops the watcher; only a failure
to publish escapes, so the caller can restart the loop.

File events can be missed (inotify limits, network file systems, a file dropped
while the first scan runs), so the folder is also rescanned every `rescan_s`; an
in-memory table of (size, mtime) makes the rescans cheap. Where the file system
delivers no events at all (some Docker bind mounts), `WATCHFILES_FORCE_POLLING=1`
makes watchfiles poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Protocol

from orewatch_common.bus import dead_letter_for
from orewatch_common.contracts import sha256_hex
from watchfiles import Change, awatch

from orewatch_fetcher.outputs import PublishArticle, PublishDeadLetter
from orewatch_fetcher.seeds import (
    RefusedSeed,
    SeedFile,
    SeedKind,
    classify,
    content_type_of,
    raw_article_from_bytes,
    read_seed_bytes,
    resolve_seed,
    source_name_of,
    unsupported_reason,
)

log = logging.getLogger(__name__)

FeedFileHandler = Callable[[SeedFile, bytes], Awaitable[None]]
"""Ingests a dropped feed file's entries; raises RefusedSeed when the file is not a feed."""

STABLE_TIMEOUT_S = 60.0


class SeenStore(Protocol):
    """Remembers what was ingested, surviving restarts and shared by replicas."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...


class MemorySeenStore:
    """SeenStore for tests and one-shot runs."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def put(self, key: str, value: str) -> None:
        self.values[key] = value


def _signature(path: Path) -> tuple[int, int] | None:
    """Size and mtime of the file (of the link itself when it is broken); None when gone."""
    try:
        stat = path.stat()
    except OSError:
        try:
            stat = path.lstat()
        except OSError:
            return None
    return stat.st_size, stat.st_mtime_ns


async def wait_until_stable(path: Path, quiet_s: float = 0.5, timeout_s: float = STABLE_TIMEOUT_S) -> bool:
    """Wait until the file stops growing (same size and mtime for `quiet_s`). False if it vanished."""
    return bool(await wait_until_stable_many([path], quiet_s, timeout_s))


async def wait_until_stable_many(
    paths: Iterable[Path], quiet_s: float = 0.5, timeout_s: float = STABLE_TIMEOUT_S
) -> list[Path]:
    """The paths that exist and stayed unchanged for `quiet_s`, all watched together.

    One sleep for a whole batch keeps the first scan of a large folder fast; a file
    still being written is waited for (up to `timeout_s`, then taken as it is).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last = {path: _signature(path) for path in paths}
    pending = {path: sig for path, sig in last.items() if sig is not None}
    stable: list[Path] = []
    while pending:
        await asyncio.sleep(quiet_s)
        still: dict[Path, tuple[int, int]] = {}
        for path, before in pending.items():
            now = _signature(path)
            if now is None:
                continue
            if now == before or loop.time() >= deadline:
                stable.append(path)
            else:
                still[path] = now
        pending = still
    return sorted(stable)


class SeedsIngestor:
    """Turns files under seeds/ into raw.article messages (or dead letters), once each."""

    def __init__(
        self,
        seeds_dir: Path,
        *,
        max_bytes: int,
        seen: SeenStore,
        publish_article: PublishArticle,
        publish_dead_letter: PublishDeadLetter,
        feed_file_handler: FeedFileHandler | None = None,
        quiet_s: float = 0.5,
        rescan_s: float = 300.0,
        force_polling: bool | None = None,
    ) -> None:
        self.seeds_dir = seeds_dir
        self.max_bytes = max_bytes
        self.seen = seen
        self.publish_article = publish_article
        self.publish_dead_letter = publish_dead_letter
        self.feed_file_handler = feed_file_handler
        self.quiet_s = quiet_s
        self.rescan_s = rescan_s
        self.force_polling = force_polling
        self._handled: dict[str, tuple[int, int] | None] = {}

    def _key(self, relative: str) -> str:
        return "file." + sha256_hex(relative)[:40]

    def _relative(self, path: Path) -> str:
        absolute, root = path.absolute(), self.seeds_dir.absolute()
        return absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else path.name

    async def ingest(self, path: Path) -> None:
        """Ingest one path; never raises for a bad file (it becomes a dead letter)."""
        await self.ingest_many([path])

    async def ingest_many(self, paths: Iterable[Path]) -> None:
        """Ingest paths once they are stable; only a failure to publish (NATS down) raises."""
        unique = dict.fromkeys(real for real in (self._unlinked(p) for p in paths) if real is not None)
        candidates = {p: classify(p, self.seeds_dir) for p in unique}
        candidates = {p: kind for p, kind in candidates.items() if kind is not SeedKind.IGNORED}
        for path in await wait_until_stable_many(candidates, self.quiet_s):
            relative = self._relative(path)
            signature = _signature(path)
            if signature is not None and self._handled.get(relative) == signature:
                continue  # already handled in this process, unchanged since
            await self._ingest_stable(path, relative, candidates[path])
            self._handled[relative] = signature

    def _unlinked(self, path: Path) -> Path | None:
        """The path without symlinked folders in it, or None when it leads outside seeds/.

        File events may follow a symlinked folder (and inotify may then report a file
        only under the link's path). The link itself is handled on its own, refused
        when it leads outside seeds/; a file behind it is taken under its real path.
        """
        root = self.seeds_dir.absolute()
        absolute = path.absolute()
        parent = absolute.parent
        while parent != root and parent.is_relative_to(root):
            if parent.is_symlink():
                real_root = root.resolve()
                real = parent.resolve() / absolute.relative_to(parent)
                if not real.is_relative_to(real_root):
                    return None
                return root / real.relative_to(real_root)
            parent = parent.parent
        return path

    async def _ingest_stable(self, path: Path, relative: str, kind: SeedKind) -> None:
        if path.is_dir():
            if path.is_symlink() and not path.resolve().is_relative_to(self.seeds_dir.resolve()):
                await self._refuse(path, relative, f"symlink points outside seeds/ (to {path.resolve()})")
            return  # a folder (or a link to one inside seeds/): its files are ingested themselves
        if kind is SeedKind.UNSUPPORTED:
            await self._refuse(path, relative, unsupported_reason(path))
            return
        key = self._key(relative)
        try:
            seed = resolve_seed(path, self.seeds_dir)
            data = await asyncio.to_thread(read_seed_bytes, seed, self.max_bytes)
            raw_version = "raw:" + hashlib.sha256(data).hexdigest()
            seen = await self.seen.get(key) or ""
            if seen.endswith(raw_version):
                log.debug("unchanged, skipped: %s", relative)  # without decoding it again
                return
            article = None
            if kind is SeedKind.DOCUMENT or self.feed_file_handler is None:
                article = await asyncio.to_thread(
                    raw_article_from_bytes,
                    data,
                    source_uri=seed.relative,
                    source_name=source_name_of(seed.relative),
                    content_type=content_type_of(path, data),
                )
                if seen.split(" ")[0] == article.content_sha256:
                    await self.seen.put(key, f"{article.content_sha256} {raw_version}")
                    return  # same text in other bytes (line ends, encoding): not a new version
        except (RefusedSeed, OSError) as exc:
            await self._refuse(path, relative, str(exc))
            return
        except Exception as exc:  # a bug must cost one file, not the watcher
            log.exception("unexpected error reading %s", relative)
            await self._refuse(path, relative, f"unexpected error: {type(exc).__name__}: {exc}")
            return
        if article is None:
            assert self.feed_file_handler is not None
            try:
                await self.feed_file_handler(seed, data)
            except RefusedSeed as exc:
                await self._refuse(path, relative, str(exc))
                return
            log.info("ingested feed file %s", relative)
            await self.seen.put(key, f"feed {raw_version}")
        else:
            await self.publish_article(article)
            log.info("ingested %s (%s, %d chars)", relative, article.encoding, len(article.content))
            await self.seen.put(key, f"{article.content_sha256} {raw_version}")

    async def _refuse(self, path: Path, relative: str, reason: str) -> None:
        """Dead-letter a refused file once per version of it (size and mtime)."""
        signature = _signature(path)
        version = f"refused:{signature[0]}:{signature[1]}" if signature else "refused:gone"
        key = self._key(relative)
        if await self.seen.get(key) == version:
            return
        payload = b""
        try:
            if path.is_file() and path.resolve().is_relative_to(self.seeds_dir.resolve()):
                with path.open("rb") as handle:
                    payload = handle.read(min(self.max_bytes, 200_000))
        except OSError:
            pass
        log.warning("refused %s: %s", relative, reason)
        await self.publish_dead_letter(
            dead_letter_for("fetcher", reason=reason, payload=payload, source_uri=relative)
        )
        await self.seen.put(key, version)

    def walk(self) -> list[Path]:
        """Every file under seeds/ (and links to folders, which are not followed), hidden folders skipped."""
        found: list[Path] = []
        for folder, dirnames, filenames in os.walk(self.seeds_dir, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(folder)
            found.extend(base / d for d in dirnames if (base / d).is_symlink())
            found.extend(base / name for name in sorted(filenames))
        return found

    async def scan(self) -> None:
        """Ingest every file present now, in a stable order."""
        self.seeds_dir.mkdir(parents=True, exist_ok=True)
        await self.ingest_many(await asyncio.to_thread(self.walk))

    async def watch(self, stop_event: asyncio.Event) -> None:
        """Scan once, then ingest new and changed files until stopped; raises if watching fails."""
        self.seeds_dir.mkdir(parents=True, exist_ok=True)
        events: asyncio.Queue[set[tuple[Change, str]]] = asyncio.Queue()

        # awatch sets its stop event when cancelled; it gets its own, so a crash here
        # never stops the rest of the service.
        watcher_stop = asyncio.Event()

        async def pump() -> None:
            async for changes in awatch(
                self.seeds_dir,
                recursive=True,
                stop_event=watcher_stop,
                debounce=300,
                step=100,
                force_polling=self.force_polling,
            ):
                events.put_nowait(changes)

        # Watch before the first scan, so a file dropped during the scan is not missed.
        pump_task = asyncio.create_task(pump(), name="seeds-events")
        try:
            await asyncio.sleep(0.2)
            await self.scan()
            loop = asyncio.get_running_loop()
            next_rescan = loop.time() + self.rescan_s
            while not stop_event.is_set():
                if pump_task.done():
                    pump_task.result()  # re-raises the watcher's crash
                    raise RuntimeError("file watcher stopped unexpectedly")
                try:
                    changes = await asyncio.wait_for(events.get(), timeout=0.5)
                except TimeoutError:
                    if loop.time() >= next_rescan:
                        await self.scan()
                        next_rescan = loop.time() + self.rescan_s
                    continue
                await self.ingest_many(self._changed_paths(changes))
        finally:
            watcher_stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pump_task, timeout=2)

    def _changed_paths(self, changes: set[tuple[Change, str]]) -> list[Path]:
        paths: list[Path] = []
        for change, name in sorted(changes, key=lambda item: item[1]):
            path = Path(name)
            if change is Change.deleted:
                self._handled.pop(self._relative(path), None)
                continue
            if path.is_dir() and not path.is_symlink():
                paths.extend(p for p in sorted(path.rglob("*")) if p.is_file() or p.is_symlink())
            else:
                paths.append(path)
        return list(dict.fromkeys(paths))
