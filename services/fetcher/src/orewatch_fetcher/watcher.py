"""Ingest the seeds/ folder: what is there at start, then whatever is dropped in.

What was already published is remembered in a key-value store (a JetStream KV
bucket in the service), keyed by the file's path and valued by a `SeenRecord`: the
version count and the hashes of the text and of the bytes, so a restart republishes
nothing unless the file changed, an unchanged file is not even decoded again, and an
edit back to an earlier text is a new version. A file is read only once it has been
quiet for `quiet_s`; one still being written waits in `pending`. A bad file becomes a
dead letter (once per version of it) and never stops the watcher; only a failure
to publish escapes, so the caller can restart the loop.

Each real folder is watched on its own, never recursively: a recursive watch follows
symlinks, and one link to / made it walk (and trip over) the whole file system.

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
import json
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

from orewatch_common.bus import dead_letter_for
from orewatch_common.logs import get_logger
from watchfiles import Change, awatch

from orewatch_fetcher.outputs import PublishArticle, PublishDeadLetter
from orewatch_fetcher.seeds import (
    NonUtf8Name,
    OutsideSeeds,
    RefusedSeed,
    SeedFile,
    SeedKind,
    UnsupportedFileType,
    classify,
    content_type_of,
    is_utf8_name,
    open_regular,
    raw_article_from_bytes,
    read_seed_bytes,
    readable,
    resolve_seed,
    source_name_of,
    unsupported_reason,
)

log = get_logger(__name__)

FeedFileHandler = Callable[[SeedFile, bytes], Awaitable[None]]
"""Ingests a dropped feed file's entries; raises RefusedSeed when the file is not a feed."""

REFUSED_PAYLOAD_BYTES = 65_536
"""How much of a refused file its dead letter keeps: enough to recognise it, far under any cap."""


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


@dataclass(frozen=True)
class SeenRecord:
    """What the seen store keeps per path.

    `version` counts the versions published (the next one is `version + 1`), `content`
    is the text hash of the last one ("feed" for a feed file), `raw` the hash of the bytes
    last read, `refused` the size and mtime of the last version dead-lettered.
    """

    version: int = 0
    content: str = ""
    raw: str = ""
    refused: str = ""

    @classmethod
    def parse(cls, value: str | None) -> SeenRecord:
        """Read a record, including the older "content raw:hash" and "refused:size:mtime" strings."""
        if not value:
            return cls()
        if value.startswith("{"):
            data = json.loads(value)
            return cls(
                **{name: data[name] for name in ("version", "content", "raw", "refused") if name in data}
            )
        if value.startswith("refused:"):
            return cls(refused=value)
        content, _, raw = value.partition(" ")
        return cls(content=content, raw=raw)

    def dumps(self) -> str:
        return json.dumps(asdict(self))


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


async def quiet_paths(paths: Iterable[Path], quiet_s: float) -> tuple[list[Path], list[Path]]:
    """The paths unchanged (same size and mtime) over `quiet_s`, and those still changing.

    One sleep for a whole batch keeps the first scan of a large folder fast. A file still
    changing is never taken as it is: the caller revisits it later. Vanished paths are in
    neither list.
    """
    before = {path: _signature(path) for path in paths}
    present = {path: sig for path, sig in before.items() if sig is not None}
    if present:
        await asyncio.sleep(quiet_s)
    quiet: list[Path] = []
    changing: list[Path] = []
    for path, signature in present.items():
        now = _signature(path)
        if now is not None:
            (quiet if now == signature else changing).append(path)
    return sorted(quiet), sorted(changing)


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
        self.max_bytes = max_bytes  # the hard limit: larger files get a dead letter, unread
        self.seen = seen
        self.publish_article = publish_article
        self.publish_dead_letter = publish_dead_letter
        self.feed_file_handler = feed_file_handler
        self.quiet_s = quiet_s
        self.rescan_s = rescan_s
        self.force_polling = force_polling
        self._handled: dict[str, tuple[int, int] | None] = {}
        self.pending: set[Path] = set()  # still changing when last seen: revisited soon
        self._walk_errors: list[OSError] = []

    def _key(self, relative: str) -> str:
        # fsencode: a non-UTF-8 name has surrogates, which plain UTF-8 encoding refuses
        return "file." + hashlib.sha256(os.fsencode(relative)).hexdigest()[:40]

    def _relative(self, path: Path) -> str:
        absolute, root = path.absolute(), self.seeds_dir.absolute()
        return absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else path.name

    async def ingest(self, path: Path) -> None:
        """Ingest one path; never raises for a bad file (it becomes a dead letter)."""
        await self.ingest_many([path])

    async def ingest_many(self, paths: Iterable[Path]) -> None:
        """Ingest the paths that are quiet; only a failure to publish (NATS down) raises.

        A path still being written goes to `pending` and is looked at again on the next
        event or tick of the watch loop, so it is read once, complete.
        """
        unique = dict.fromkeys(real for real in (self._unlinked(p) for p in paths) if real is not None)
        candidates = {p: classify(p, self.seeds_dir) for p in unique}
        candidates = {p: kind for p, kind in candidates.items() if kind is not SeedKind.IGNORED}
        self.pending -= set(candidates)
        quiet, changing = await quiet_paths(candidates, self.quiet_s)
        self.pending.update(changing)
        for path in quiet:
            relative = self._relative(path)
            signature = _signature(path)
            if signature is not None and self._handled.get(relative) == signature:
                continue  # already handled in this process, unchanged since
            if await self._ingest_quiet(path, relative, candidates[path], signature):
                self._handled[relative] = signature
            else:
                self.pending.add(path)

    async def ingest_pending(self) -> None:
        if self.pending:
            await self.ingest_many(sorted(self.pending))

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
                try:
                    real = parent.resolve(strict=True) / absolute.relative_to(parent)
                except (OSError, RuntimeError):
                    return None  # a broken or looping folder link: refused on its own
                if not real.is_relative_to(real_root):
                    return None
                return root / real.relative_to(real_root)
            parent = parent.parent
        return path

    async def _ingest_quiet(
        self, path: Path, relative: str, kind: SeedKind, signature: tuple[int, int] | None
    ) -> bool:
        """Ingest a quiet path; False when it changed while being read (it is revisited)."""
        if not is_utf8_name(relative):
            await self._refuse(path, relative, NonUtf8Name("file name is not UTF-8; rename the file"))
            return True
        if path.is_dir():
            if path.is_symlink() and not path.resolve().is_relative_to(self.seeds_dir.resolve()):
                target = readable(str(path.resolve()))
                await self._refuse(
                    path, relative, OutsideSeeds(f"symlink points outside seeds/ (to {target})")
                )
            return True  # a folder (or a link to one inside seeds/): its files are ingested themselves
        if kind is SeedKind.UNSUPPORTED:
            await self._refuse(path, relative, UnsupportedFileType(unsupported_reason(path)))
            return True
        try:
            seed = resolve_seed(path, self.seeds_dir)
            data = await asyncio.to_thread(read_seed_bytes, seed, self.max_bytes)
        except (RefusedSeed, OSError) as exc:
            await self._refuse(path, relative, exc)
            return True
        if _signature(path) != signature:
            return False  # written to while we read it: not the version that was quiet
        await self._ingest_bytes(path, relative, kind, seed, data)
        return True

    async def _ingest_bytes(
        self, path: Path, relative: str, kind: SeedKind, seed: SeedFile, data: bytes
    ) -> None:
        """Publish a new version of the file (or its feed entries), once; refuse what cannot be read."""
        key = self._key(relative)
        raw = "raw:" + hashlib.sha256(data).hexdigest()
        seen = SeenRecord.parse(await self.seen.get(key))
        if seen.raw == raw:
            log.debug("unchanged, skipped: %s", relative)  # without decoding it again
            return
        if kind is SeedKind.FEED and self.feed_file_handler is not None:
            try:
                await self.feed_file_handler(seed, data)
            except RefusedSeed as exc:
                await self._refuse(path, relative, exc)
                return
            log.info("ingested feed file %s", relative)
            await self.seen.put(key, SeenRecord(seen.version, "feed", raw).dumps())
            return
        try:
            article = await asyncio.to_thread(
                raw_article_from_bytes,
                data,
                source_uri=seed.relative,
                source_name=source_name_of(seed.relative),
                content_type=content_type_of(path, data),
                version=seen.version + 1,
            )
        except RefusedSeed as exc:
            await self._refuse(path, relative, exc)
            return
        except Exception as exc:  # a bug must cost one file, not the watcher
            log.exception("unexpected error reading %s", relative)
            await self._refuse(path, relative, exc, reason=f"unexpected error: {type(exc).__name__}: {exc}")
            return
        if seen.content == article.content_sha256:
            # same text in other bytes (line ends, encoding): not a new version
            await self.seen.put(key, replace(seen, raw=raw, refused="").dumps())
            return
        await self.publish_article(article)
        log.info(
            "ingested %s v%d (%s, %d chars)",
            relative,
            article.version,
            article.encoding,
            len(article.content),
            article_id=article.article_id,
        )
        await self.seen.put(key, SeenRecord(seen.version + 1, article.content_sha256, raw).dumps())

    async def _refuse(
        self, path: Path, relative: str, error: Exception, *, reason: str | None = None
    ) -> None:
        """Dead-letter a refused file once per version of it (size and mtime)."""
        signature = _signature(path)
        version = f"refused:{signature[0]}:{signature[1]}" if signature else "refused:gone"
        key = self._key(relative)
        seen = SeenRecord.parse(await self.seen.get(key))
        if seen.refused == version:
            return
        payload, size = await asyncio.to_thread(self._refused_payload, path)
        reason = readable(reason or str(error))  # an OSError may quote a non-UTF-8 name
        source_uri = readable(relative)
        log.warning("refused %s: %s", source_uri, reason, source_uri=source_uri)
        letter = dead_letter_for(
            "fetcher",
            reason=reason,
            payload=payload,
            payload_size=size,
            source_uri=source_uri,
            error_class=type(error).__name__,
        )
        await self.publish_dead_letter(letter)
        await self.seen.put(key, replace(seen, raw="", refused=version).dumps())

    def _refused_payload(self, path: Path) -> tuple[bytes, int]:
        """The head of a refused file inside seeds/, and its whole size; nothing of anything else."""
        try:
            if path.is_file() and path.resolve().is_relative_to(self.seeds_dir.resolve()):
                with open_regular(path) as handle:
                    return handle.read(REFUSED_PAYLOAD_BYTES), os.fstat(handle.fileno()).st_size
        except (OSError, RefusedSeed):
            pass
        return b"", 0

    def walk(self) -> list[Path]:
        """Every file under seeds/ (and links to folders, which are not followed), hidden folders skipped."""
        found: list[Path] = []
        for folder, dirnames, filenames in os.walk(
            self.seeds_dir, followlinks=False, onerror=self._walk_errors.append
        ):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(folder)
            found.extend(base / d for d in dirnames if (base / d).is_symlink())
            found.extend(base / name for name in sorted(filenames))
        return found

    def watched_dirs(self) -> list[Path]:
        """seeds/ and its real subfolders (not links, not hidden): each is watched on its own.

        A recursive watch would follow a symlink to / through the whole file system.
        """
        dirs = [self.seeds_dir]
        for folder, dirnames, _ in os.walk(self.seeds_dir, followlinks=False):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and not (Path(folder) / d).is_symlink()
            )
            dirs.extend(Path(folder) / d for d in dirnames)
        return dirs

    async def scan(self) -> None:
        """Ingest every file present now, in a stable order; an unreadable folder is a dead letter."""
        self.seeds_dir.mkdir(parents=True, exist_ok=True)
        await self.ingest_many(await asyncio.to_thread(self.walk))
        errors, self._walk_errors = self._walk_errors, []
        for error in errors:
            folder = Path(error.filename) if error.filename else self.seeds_dir
            if folder.absolute() != self.seeds_dir.absolute():
                await self._refuse(
                    folder, self._relative(folder), error, reason=f"folder not readable: {error}"
                )

    async def watch(self, stop_event: asyncio.Event) -> None:
        """Scan once, then ingest new and changed files until stopped; raises if watching fails."""
        self.seeds_dir.mkdir(parents=True, exist_ok=True)
        events: asyncio.Queue[set[tuple[Change, str]]] = asyncio.Queue()
        # awatch sets its stop event when cancelled; it gets its own, so a crash here
        # never stops the rest of the service.
        watcher_stop = asyncio.Event()
        # Watch before the first scan, so a file dropped during the scan is not missed.
        pump_task = asyncio.create_task(self._pump(events, watcher_stop), name="seeds-events")
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
                    await self.ingest_pending()
                    continue
                await self.ingest_many([*self._changed_paths(changes), *sorted(self.pending)])
        finally:
            watcher_stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pump_task, timeout=2)

    async def _pump(self, events: asyncio.Queue[set[tuple[Change, str]]], stop: asyncio.Event) -> None:
        """Queue file events of every folder; start over when the set of folders changes."""
        watched: set[Path] = set()
        while not stop.is_set():
            dirs = await asyncio.to_thread(self.watched_dirs)
            new = {d.absolute() for d in dirs} - watched if watched else set()
            watched = {d.absolute() for d in dirs}
            if new:
                # A file dropped into a new folder before its watch began sent no event:
                # walk the new folders again once the watch is up.
                again = {(Change.added, str(d)) for d in new}
                asyncio.get_running_loop().call_later(0.5, events.put_nowait, again)
            async for changes in awatch(
                *dirs,
                recursive=False,
                stop_event=stop,
                debounce=300,
                step=100,
                force_polling=self.force_polling,
                ignore_permission_denied=True,
            ):
                events.put_nowait(changes)
                if self._folders_changed(changes, watched):
                    break  # watch the new set; the new folder's files came with its event

    @staticmethod
    def _folders_changed(changes: set[tuple[Change, str]], watched: set[Path]) -> bool:
        for change, name in changes:
            path = Path(name).absolute()
            if path.name.startswith("."):
                continue  # hidden folders are not watched
            if change is Change.deleted and path in watched:
                return True
            if (
                change is not Change.deleted
                and path not in watched
                and path.is_dir()
                and not path.is_symlink()
            ):
                return True
        return False

    def _changed_paths(self, changes: set[tuple[Change, str]]) -> list[Path]:
        paths: list[Path] = []
        for change, name in sorted(changes, key=lambda item: item[1]):
            path = Path(name)
            if change is Change.deleted:
                self._handled.pop(self._relative(path), None)
                continue
            if path.is_dir() and not path.is_symlink():
                paths.extend(self._files_below(path))
            else:
                paths.append(path)
        return list(dict.fromkeys(paths))

    def _files_below(self, folder: Path) -> list[Path]:
        """Files (and links) of a new folder, without following links out of it."""
        found: list[Path] = []
        for sub, dirnames, filenames in os.walk(folder, followlinks=False):
            base = Path(sub)
            found.extend(base / d for d in sorted(dirnames) if (base / d).is_symlink())
            found.extend(base / name for name in sorted(filenames))
        return found
