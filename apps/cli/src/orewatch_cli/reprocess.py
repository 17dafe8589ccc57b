"""`orewatch reprocess (--all | --since DATE | --article ID)`: stored articles through the cleaner
and extractor again, under a new processing version.

Sent again as it is, a raw article would be dropped by JetStream's dedup window (its message
id is its content's hash), and past the window the store would see nothing newer than what it
has. So each run is numbered: a reprocess_runs row, whose identity is the processing version,
higher than any before. Each selected raw article is read from raw_articles and published to
raw.article with that version, which its message id (and that of what is made from it)
includes. The cleaner and extractor carry the version along; the store replaces the article's
rows with the newer version in one transaction and keeps the older one in article_versions.

Then the command waits, with a progress bar, until every article it sent has the new version
stored, was dead-lettered on the way, or was overtaken by a newer version (the file changed
meanwhile), and prints the count. It gives up (exit 1) when nothing has moved for
--idle-timeout seconds. It works as PostgreSQL's app role and NATS's `reprocess` user, which
may publish raw.article and nothing else; without a running pipeline it says so and exits 1.

The pure parts (`Selection`, `outcome`, `tally`, `summary`) take plain values; the rest talks
to the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from orewatch_store.versions import ArticleVersion

if TYPE_CHECKING:
    import psycopg
    from nats.aio.client import Client
    from orewatch_common.settings import Settings
    from rich.progress import Progress

POLL_S = 0.5
IDLE_TIMEOUT_S = 300.0
NATS_TIMEOUT_S = 5.0
DB_TIMEOUT_S = 5
PUBLISH_BATCH = 200  # raw articles read per round trip of the server-side cursor

# raw_articles columns, named as RawArticle's fields
RAW_COLUMNS = (
    "article_id, source_kind, source_uri, source_name, url, fetched_at, content_type, encoding, content, "
    "content_sha256, title_hint, published_hint, author_hint, feed_url, is_feed_summary, version"
)


class Scope(StrEnum):
    """Which stored raw articles a run sends again."""

    ALL = "all"
    SINCE = "since"
    ARTICLE = "article"


@dataclass(frozen=True)
class Selection:
    scope: Scope
    since: datetime | None = None
    article_id: str | None = None

    @classmethod
    def of(cls, args: argparse.Namespace) -> Selection:
        """From the command's mutually exclusive --all, --since and --article."""
        if args.article is not None:
            return cls(Scope.ARTICLE, article_id=args.article)
        if args.since is not None:
            return cls(Scope.SINCE, since=args.since)
        return cls(Scope.ALL)

    def describe(self) -> str:
        """The options as given: recorded with the run (v_article_versions.reprocess_selection)."""
        if self.scope is Scope.SINCE and self.since is not None:
            return f"--since {self.since.isoformat()}"
        if self.scope is Scope.ARTICLE:
            return f"--article {self.article_id}"
        return "--all"

    def where(self) -> tuple[str, tuple[object, ...]]:
        """The condition on raw_articles, with its parameters: --since is on when it was fetched."""
        if self.scope is Scope.SINCE:
            return "fetched_at >= %s", (self.since,)
        if self.scope is Scope.ARTICLE:
            return "article_id = %s", (self.article_id,)
        return "true", ()


@dataclass(frozen=True)
class Sent:
    """One raw article a run sends: what its outcome is looked up by."""

    article_id: str
    source_uri: str
    fetched_at: datetime


@dataclass(frozen=True)
class Run:
    """A reprocess_runs row: the processing version, and when it started (the database's clock)."""

    version: int
    started_at: datetime


class Outcome(StrEnum):
    """What became of one article sent."""

    PENDING = "pending"  # on its way through the pipeline
    STORED = "stored"  # its rows are of the run's version now
    DEAD_LETTERED = "dead-lettered"  # a service gave up on it (a dead letter of its source since the run)
    SUPERSEDED = "superseded"  # a newer version is stored: the file changed, or a later run


def outcome(sent: Sent, version: int, stored: ArticleVersion | None, dead_lettered: bool) -> Outcome:
    """The article's outcome from its stored version (None: no row) and its dead letters."""
    target = ArticleVersion(sent.fetched_at, version)
    if stored is not None and stored >= target:
        return Outcome.STORED if stored == target else Outcome.SUPERSEDED
    return Outcome.DEAD_LETTERED if dead_lettered else Outcome.PENDING


def tally(outcomes: Iterable[Outcome]) -> dict[Outcome, int]:
    """How many of each outcome, every outcome present."""
    counts = Counter(outcomes)
    return {kind: counts.get(kind, 0) for kind in Outcome}


def summary(version: int, counts: Mapping[Outcome, int]) -> str:
    """The final count, one line."""
    line = (
        f"processing version {version}: {sum(counts.values())} article(s) sent, "
        f"{counts[Outcome.STORED]} stored, {counts[Outcome.DEAD_LETTERED]} dead-lettered, "
        f"{counts[Outcome.SUPERSEDED]} superseded by a newer version"
    )
    if counts[Outcome.PENDING]:
        line += f", {counts[Outcome.PENDING]} still pending"
    return line


# --- the servers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    database_url: str  # the app role's
    nats_url: str
    login: tuple[str, str] | None


def running_pipeline() -> Pipeline:
    """The running pipeline's database (app role) and NATS (the reprocess user); NoPipeline otherwise."""
    from orewatch_common.permissions import DbRole, NatsUser

    from orewatch_cli.supervisor import running_database_url, running_nats_login, running_nats_url

    nats_url, database_url = running_nats_url(), running_database_url(DbRole.APP)
    return Pipeline(database_url, nats_url, running_nats_login(user=NatsUser.REPROCESS))


def selected(connection: psycopg.Connection[Any], selection: Selection) -> list[Sent]:
    """The stored raw articles the selection names, oldest fetch first."""
    condition, params = selection.where()
    found = connection.execute(
        f"SELECT article_id, source_uri, fetched_at FROM raw_articles WHERE {condition}"
        " ORDER BY fetched_at, article_id",
        params,
    ).fetchall()
    return [Sent(article_id, source_uri, fetched_at) for article_id, source_uri, fetched_at in found]


def start_run(connection: psycopg.Connection[Any], selection: Selection, articles: int) -> Run:
    """Number the run: its reprocess_runs row, committed before anything is sent."""
    row = connection.execute(
        "INSERT INTO reprocess_runs (selection, articles) VALUES (%s, %s)"
        " RETURNING processing_version, started_at",
        (selection.describe(), articles),
    ).fetchone()
    assert row is not None
    connection.commit()
    return Run(int(row[0]), row[1])


def raw_articles(connection: psycopg.Connection[Any], sent: list[Sent]) -> Iterator[dict[str, Any]]:
    """The selected raw articles whole, from a server-side cursor (a run may hold thousands)."""
    from psycopg.rows import dict_row

    with connection.cursor(name="orewatch_reprocess", row_factory=dict_row) as cursor:
        cursor.itersize = PUBLISH_BATCH
        cursor.execute(
            f"SELECT {RAW_COLUMNS} FROM raw_articles WHERE article_id = ANY(%s)"
            " ORDER BY fetched_at, article_id",
            ([s.article_id for s in sent],),
        )
        yield from cursor


async def connect(pipeline: Pipeline) -> Client:
    import nats
    from orewatch_common.permissions import inbox_prefix

    auth: dict[str, str] = {}
    if pipeline.login:
        user, password = pipeline.login
        auth = {"user": user, "password": password, "inbox_prefix": inbox_prefix(user)}
    return await nats.connect(
        pipeline.nats_url, connect_timeout=NATS_TIMEOUT_S, allow_reconnect=False, **auth
    )


async def publish_all(
    client: Client,
    settings: Settings,
    rows: Iterable[dict[str, Any]],
    version: int,
    advance: Callable[[], object],
) -> None:
    """Each raw article to raw.article under the run's version, waiting for the stream's ack; a body
    too large for a message goes to the payload bucket as the fetcher's would."""
    from orewatch_common.bus import message_headers
    from orewatch_common.contracts import RAW_ARTICLE, RawArticle
    from orewatch_common.payloads import offload

    js = client.jetstream(timeout=NATS_TIMEOUT_S)
    for row in rows:
        raw = RawArticle(**row, processing_version=version)
        headers = message_headers(raw)
        body, extra = await offload(js, settings, headers["Nats-Msg-Id"], raw.model_dump_json().encode())
        await js.publish(RAW_ARTICLE, body, headers={**headers, **extra}, stream=settings.stream_name)
        advance()


def observe(connection: psycopg.Connection[Any], sent: list[Sent], run: Run) -> dict[str, Outcome]:
    """Each sent article's outcome, from its articles row and the dead letters since the run began."""
    stored = {
        article_id: ArticleVersion(fetched_at, version)
        for article_id, fetched_at, version in connection.execute(
            "SELECT article_id, fetched_at, processing_version FROM articles WHERE article_id = ANY(%s)",
            ([s.article_id for s in sent],),
        )
    }
    dead = {
        uri
        for (uri,) in connection.execute(
            "SELECT DISTINCT source_uri FROM dead_letters WHERE stored_at >= %s AND source_uri = ANY(%s)",
            (run.started_at, sorted({s.source_uri for s in sent})),
        )
    }
    return {
        s.article_id: outcome(s, run.version, stored.get(s.article_id), s.source_uri in dead) for s in sent
    }


def follow(
    connection: psycopg.Connection[Any],
    sent: list[Sent],
    run: Run,
    advance_to: Callable[[int], object],
    idle_timeout_s: float,
) -> dict[str, Outcome]:
    """Poll until no article is pending, or none has moved for `idle_timeout_s`."""
    settled, moved_at = -1, time.monotonic()
    while True:
        outcomes = observe(connection, sent, run)
        done = sum(found is not Outcome.PENDING for found in outcomes.values())
        advance_to(done)
        if done == len(sent):
            return outcomes
        if done != settled:
            settled, moved_at = done, time.monotonic()
        elif time.monotonic() - moved_at > idle_timeout_s:
            return outcomes
        time.sleep(POLL_S)


def progress_bars() -> Progress:
    """On stderr: stdout keeps the final count alone."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=Console(stderr=True))


def run_and_follow(pipeline: Pipeline, selection: Selection, idle_timeout_s: float) -> int:
    """Select, number the run, send, follow; the count on stdout. Exit 1 when some are still pending."""
    import psycopg

    with psycopg.connect(pipeline.database_url, connect_timeout=DB_TIMEOUT_S) as db:
        sent = selected(db, selection)
        if not sent:
            print(f"no stored raw article matches {selection.describe()}", file=sys.stderr)
            return 1 if selection.scope is Scope.ARTICLE else 0
        with progress_bars() as bars:
            run = asyncio.run(send(pipeline, db, selection, sent, bars))
            db.commit()
            db.autocommit = True  # each poll sees what the store has committed since
            waiting = bars.add_task("stored or dead-lettered", total=len(sent))
            outcomes = follow(
                db, sent, run, lambda done: bars.update(waiting, completed=done), idle_timeout_s
            )
    counts = tally(outcomes.values())
    print(summary(run.version, counts))
    if counts[Outcome.PENDING]:
        print(
            f"gave up waiting: nothing moved for {idle_timeout_s:.0f}s; are the cleaner, extractor and "
            "store running? (orewatch status)",
            file=sys.stderr,
        )
        return 1
    return 0


async def send(
    pipeline: Pipeline, db: psycopg.Connection[Any], selection: Selection, sent: list[Sent], bars: Progress
) -> Run:
    """Connect to NATS first (a refusal costs no version), number the run, publish every article."""
    from orewatch_common.settings import get_settings

    client = await connect(pipeline)
    try:
        run = start_run(db, selection, len(sent))
        task = bars.add_task(f"sent as version {run.version}", total=len(sent))
        rows = raw_articles(db, sent)
        await publish_all(client, get_settings(), rows, run.version, lambda: bars.advance(task))
    finally:
        await client.close()
    return run


def reprocess(selection: Selection, idle_timeout_s: float = IDLE_TIMEOUT_S) -> int:
    """The command: exit 1 without a running pipeline, or when it does not answer."""
    from orewatch_cli.supervisor import against_the_pipeline

    return against_the_pipeline(lambda: run_and_follow(running_pipeline(), selection, idle_timeout_s))
