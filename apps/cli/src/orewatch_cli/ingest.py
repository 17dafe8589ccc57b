"""`orewatch ingest PATH…`: drop files or folders into the running pipeline and follow them.

Files are copied into the watched seeds folder, as a user drops them: the fetcher's watcher
stays the one publisher of seeds files, so its seen store (path and content hash) decides
what is new, and an article ingested twice, or ingested and then found by a rescan, is
never published twice. A folder keeps its name under seeds/ (`news/` lands in
`seeds/news/`, which makes `seeds/news` the articles' source); a file lands at the top.

Each file is then followed in PostgreSQL until it is stored (its article, of this content,
extracted) or dead-lettered (a dead letter naming its path, newer than the ingest), with a
progress bar; a summary follows. What the store already holds with the same content, or what
lies in seeds/ with the same bytes, is "already known" and not copied again.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import psycopg
from orewatch_common.permissions import DbRole
from orewatch_common.settings import get_settings
from orewatch_fetcher.seeds import (
    RefusedSeed,
    SeedKind,
    classify,
    content_type_of,
    raw_article_from_bytes,
    source_name_of,
    unsupported_reason,
)
from psycopg.rows import TupleRow
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

POLL_S = 0.5

Connection = psycopg.Connection[TupleRow]


class Outcome(StrEnum):
    """Where an ingested file ended up; `pending` ones were still in flight when following stopped."""

    STORED = "stored"
    DEAD_LETTERED = "dead-lettered"
    KNOWN = "already known"
    FEED = "feed files"  # copied; their entries are not followed
    PENDING = "in flight"


@dataclass
class Planned:
    """One file to ingest and what the pipeline will make of it (from the fetcher's own rules)."""

    source: Path
    relative: str  # its path under seeds/, the source_uri of its article and dead letters
    article_id: str | None = None  # None: the fetcher refuses it, or it is a feed
    content_sha256: str | None = None
    outcome: Outcome = Outcome.PENDING
    reason: str = ""  # a dead letter's service and reason

    @property
    def settled(self) -> bool:
        return self.outcome is not Outcome.PENDING


@dataclass
class Ingest:
    """An ingest run: where files go, how it reads the store, what it found."""

    seeds: Path
    database_url: str
    files: list[Planned] = field(default_factory=list)

    def pending(self) -> list[Planned]:
        return [planned for planned in self.files if not planned.settled]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for planned in self.files if planned.outcome is outcome)


class IngestError(Exception):
    """What the operator must fix before anything is ingested (a missing path, no pipeline)."""


def files_of(paths: Sequence[Path]) -> Iterator[tuple[Path, str]]:
    """(file, its path under seeds/) for each file named or found in a named folder. Hidden
    files and folders are left out, as the watcher skips them."""
    for path in paths:
        if path.is_file():
            yield path, path.name
        elif path.is_dir():
            root = path.resolve()
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        file = Path(folder) / name
                        yield file, f"{root.name}/{file.relative_to(root).as_posix()}"
        else:
            raise IngestError(f"no such file or folder: {path}")


def plan(source: Path, relative: str, seeds: Path, max_bytes: int) -> Planned | None:
    """What the fetcher will do with the file once it is at `relative`: its article id and
    content hash, or a refusal (then a dead letter is expected). None: the watcher skips it."""
    planned = Planned(source, relative)
    destination = seeds / relative
    kind = classify(destination, seeds)
    if kind is SeedKind.IGNORED:
        return None
    if kind is SeedKind.FEED:
        planned.outcome = Outcome.FEED
        return planned
    if kind is SeedKind.UNSUPPORTED:
        planned.reason = unsupported_reason(destination)
        return planned
    size = source.stat().st_size
    if size > max_bytes:
        planned.reason = f"file is {size} bytes, over the {max_bytes}-byte hard limit"
        return planned
    data = source.read_bytes()
    try:
        article = raw_article_from_bytes(
            data,
            source_uri=relative,
            source_name=source_name_of(relative),
            content_type=content_type_of(destination, data),
        )
    except RefusedSeed as refused:
        planned.reason = str(refused)
        return planned
    planned.article_id, planned.content_sha256 = article.article_id, article.content_sha256
    return planned


def mark_known(run: Ingest, conn: Connection) -> None:
    """Already known: the store holds the article extracted from this very content, or seeds/
    holds these very bytes at that path (the watcher would not publish them again)."""
    stored = _stored(conn, [planned for planned in run.files if planned.article_id])
    for planned in run.pending():
        destination = run.seeds / planned.relative
        same_bytes = destination.is_file() and _same_bytes(destination, planned.source)
        if (planned.article_id, planned.content_sha256) in stored or same_bytes:
            planned.outcome = Outcome.KNOWN


def _same_bytes(one: Path, other: Path) -> bool:
    return one.stat().st_size == other.stat().st_size and one.read_bytes() == other.read_bytes()


def drop(planned: Planned, seeds: Path) -> None:
    """Copy under a hidden name (the watcher skips it), then rename: the watcher sees the
    whole file appear at once, never a half-written one."""
    destination = seeds / planned.relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    hidden = destination.with_name(f".{destination.name}.ingest")
    shutil.copyfile(planned.source, hidden)
    hidden.replace(destination)


def _stored(conn: Connection, files: Iterable[Planned]) -> set[tuple[str, str]]:
    """(article_id, raw content hash) of the given files' articles that are stored and extracted."""
    ids = [planned.article_id for planned in files if planned.article_id]
    if not ids:
        return set()
    rows = conn.execute(
        "SELECT article_id, raw_sha256 FROM articles WHERE article_id = ANY(%s) AND extracted_at IS NOT NULL",
        (ids,),
    ).fetchall()
    return {(str(article_id), str(sha)) for article_id, sha in rows}


def _dead_letters(conn: Connection, files: Iterable[Planned], since: datetime) -> dict[str, str]:
    """The newest dead letter of each file since the ingest began: "service: reason" by path."""
    uris = [planned.relative for planned in files]
    if not uris:
        return {}
    rows = conn.execute(
        "SELECT DISTINCT ON (source_uri) source_uri, service, reason FROM dead_letters"
        " WHERE source_uri = ANY(%s) AND stored_at >= %s ORDER BY source_uri, stored_at DESC",
        (uris, since),
    ).fetchall()
    return {str(uri): f"{service}: {reason}" for uri, service, reason in rows}


def settle(run: Ingest, conn: Connection, since: datetime) -> int:
    """One look at the store: mark what is now stored or dead-lettered; returns how many."""
    pending = run.pending()
    stored = _stored(conn, pending)
    dead = _dead_letters(conn, pending, since)
    settled = 0
    for planned in pending:
        if planned.article_id and (planned.article_id, planned.content_sha256) in stored:
            planned.outcome = Outcome.STORED
        elif planned.relative in dead:
            planned.outcome, planned.reason = Outcome.DEAD_LETTERED, dead[planned.relative]
        else:
            continue
        settled += 1
    return settled


def follow(run: Ingest, conn: Connection, since: datetime, timeout: float | None) -> None:
    """A progress bar (on stderr) until every file is settled, the timeout passes or Ctrl-C."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    deadline = None if timeout is None else time.monotonic() + timeout
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("ingesting", total=len(run.files))
        try:
            while True:
                settle(run, conn, since)
                done = len(run.files) - len(run.pending())
                progress.update(task, completed=done, description=_progress_text(run))
                if not run.pending() or (deadline is not None and time.monotonic() > deadline):
                    return
                time.sleep(POLL_S)
        except KeyboardInterrupt:
            console.print("stopped following; the files are in seeds/ and go on through the pipeline")


def _progress_text(run: Ingest) -> str:
    return (
        f"stored {run.count(Outcome.STORED)} · dead-lettered {run.count(Outcome.DEAD_LETTERED)}"
        f" · known {run.count(Outcome.KNOWN)}"
    )


def summary(run: Ingest) -> str:
    """The final count of each outcome, with each dead letter's reason."""
    lines = [f"{len(run.files)} file(s) ingested into {run.seeds}"]
    for outcome in Outcome:
        count = run.count(outcome)
        if count or outcome in (Outcome.STORED, Outcome.DEAD_LETTERED, Outcome.KNOWN):
            lines.append(f"  {outcome.value:<14} {count}")
        if outcome is Outcome.DEAD_LETTERED:
            lines += [f"    {p.relative}: {p.reason}" for p in run.files if p.outcome is outcome]
    return "\n".join(lines)


def ingest(paths: Sequence[Path], seeds: Path | None = None, timeout: float | None = None) -> int:
    """The command: 0 once every file is stored, dead-lettered or known; 1 without a pipeline,
    for a missing path, or when files were still in flight at the timeout."""
    from orewatch_cli.supervisor import NoPipeline, running_database_url, running_seeds_dir

    settings = get_settings()
    try:
        found = list(files_of(paths))
        database_url = running_database_url(DbRole.APP)  # first: it checks the servers answer
        run = Ingest(seeds or running_seeds_dir(), database_url)
    except (IngestError, NoPipeline) as problem:
        print(f"orewatch ingest: {problem}", file=sys.stderr)
        return 1
    run.files = [
        p
        for source, rel in _unique(found)
        if (p := plan(source, rel, run.seeds, settings.payload_hard_limit_bytes))
    ]
    try:
        with psycopg.connect(run.database_url, autocommit=True) as conn:
            since = _now(conn)
            mark_known(run, conn)
            for planned in run.files:
                if planned.outcome in (Outcome.PENDING, Outcome.FEED):
                    drop(planned, run.seeds)
            follow(run, conn, since, timeout)
    except psycopg.Error as error:
        print(f"orewatch ingest: cannot read the database: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"orewatch ingest: cannot copy into {run.seeds}: {error}", file=sys.stderr)
        return 1
    print(summary(run))
    return 1 if run.pending() else 0


def _unique(found: Iterable[tuple[Path, str]]) -> Iterator[tuple[Path, str]]:
    """Each path under seeds/ once: two files given that would land on the same path (a/x.txt
    and b/x.txt) would overwrite each other; the first is ingested, the other named."""
    taken: set[str] = set()
    for source, relative in found:
        if relative in taken:
            print(f"orewatch ingest: {source} would land on {relative} too; left out", file=sys.stderr)
            continue
        taken.add(relative)
        yield source, relative


def _now(conn: Connection) -> datetime:
    """The database's clock: dead letters are compared with it, not with this machine's."""
    row = conn.execute("SELECT now()").fetchone()
    assert row is not None and isinstance(row[0], datetime)
    return row[0]
