"""`orewatch export`: the store's public views as CSV, JSON lines or Parquet, for analysts who do
not write SQL.

It reads only the `v_*` views (the public interface, as the reader role sees it), so an export
means what the README's Querying section says. Rows are streamed from a server-side cursor and
written as they come, so a large table never sits in memory.

- `statements`: `v_statements`, with the source, URL, author and fetch time of its article
  (`v_articles`), one row per statement.
- `actors`: `v_actor_minerals`, one row per actor and mineral named (or speaking) together.
- `minerals`: one row per mineral, counted over the statements of `v_statements` that name it,
  with its category (from `v_actor_minerals`, so null when no actor ever shares a statement
  with it) and the speakers who mention it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

BATCH_ROWS = 1000  # rows per round trip of the server-side cursor, and per Parquet row group batch


class Dataset(StrEnum):
    """What to export; each is one query on the public views."""

    STATEMENTS = "statements"
    ACTORS = "actors"
    MINERALS = "minerals"


class Format(StrEnum):
    """How rows are written."""

    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


class Kind(StrEnum):
    """A column's type: Parquet needs it up front (a first batch of nulls says nothing)."""

    TEXT = "text"
    COUNT = "count"
    TIME = "time"
    LIST = "list"  # text[]


Row = Sequence[Any]


@dataclass(frozen=True)
class Query:
    """A dataset's SQL; `{since}` becomes a filter on `since_column` when --since is given."""

    columns: tuple[tuple[str, Kind], ...]
    sql: str
    since_column: str

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def statement(self, since: datetime | None) -> str:
        where = f"AND {self.since_column} >= :since" if since is not None else ""
        return self.sql.format(since=where)


# The article's time: when it was published, or fetched when its source gives no date (the same
# time v_actor_minerals.first_seen/last_seen are made of).
ARTICLE_TIME = "coalesce(a.published_at, a.fetched_at)"

QUERIES: dict[Dataset, Query] = {
    Dataset.STATEMENTS: Query(
        columns=(
            ("statement_id", Kind.TEXT),
            ("article_id", Kind.TEXT),
            ("source", Kind.TEXT),
            ("url", Kind.TEXT),
            ("title", Kind.TEXT),
            ("author", Kind.TEXT),
            ("published_at", Kind.TIME),
            ("fetched_at", Kind.TIME),
            ("speaker", Kind.TEXT),
            ("speaker_type", Kind.TEXT),
            ("text", Kind.TEXT),
            ("actors", Kind.LIST),
            ("minerals", Kind.LIST),
        ),
        # a statement id is `<article id>:<position>`: by length first, an article's statements
        # come in text order (…:2 before …:10)
        sql=f"""
SELECT s.statement_id, s.article_id, a.source, a.url, s.title, a.author, s.published_at,
       a.fetched_at, s.speaker, s.speaker_type, s.text, s.actors, s.minerals
FROM v_statements s JOIN v_articles a ON a.article_id = s.article_id
WHERE true {{since}}
ORDER BY {ARTICLE_TIME}, s.article_id, length(s.statement_id), s.statement_id""",
        since_column=ARTICLE_TIME,
    ),
    Dataset.ACTORS: Query(
        columns=(
            ("actor", Kind.TEXT),
            ("actor_type", Kind.TEXT),
            ("mineral", Kind.TEXT),
            ("category", Kind.TEXT),
            ("statements", Kind.COUNT),
            ("articles", Kind.COUNT),
            ("first_seen", Kind.TIME),
            ("last_seen", Kind.TIME),
        ),
        sql="""
SELECT actor, actor_type, mineral, category, statements, articles, first_seen, last_seen
FROM v_actor_minerals
WHERE true {since}
ORDER BY actor, actor_type, mineral""",
        since_column="last_seen",
    ),
    Dataset.MINERALS: Query(
        columns=(
            ("mineral", Kind.TEXT),
            ("category", Kind.TEXT),
            ("statements", Kind.COUNT),
            ("articles", Kind.COUNT),
            ("speakers", Kind.LIST),
            ("first_seen", Kind.TIME),
            ("last_seen", Kind.TIME),
        ),
        sql=f"""
WITH categories AS (
    SELECT mineral, min(category) AS category FROM v_actor_minerals GROUP BY mineral
), named AS (
    SELECT m.mineral, s.statement_id, s.article_id, s.speaker, {ARTICLE_TIME} AS seen
    FROM v_statements s JOIN v_articles a ON a.article_id = s.article_id
    CROSS JOIN LATERAL unnest(s.minerals) AS m(mineral)
    WHERE true {{since}}
)
SELECT n.mineral, c.category, count(DISTINCT n.statement_id), count(DISTINCT n.article_id),
       coalesce(array_agg(DISTINCT n.speaker ORDER BY n.speaker)
                FILTER (WHERE n.speaker IS NOT NULL), '{{{{}}}}'),
       min(n.seen), max(n.seen)
FROM named n LEFT JOIN categories c ON c.mineral = n.mineral
GROUP BY n.mineral, c.category
ORDER BY n.mineral""",
        since_column=ARTICLE_TIME,
    ),
}

SINCE_HELP = (
    "only rows of articles from DATE on (ISO date or datetime; UTC unless it names a zone). "
    "statements and minerals: the article's published_at, or its fetched_at when the source "
    "gives no date; actors: v_actor_minerals.last_seen (the newest such time of the pair; its "
    "counts stay over all time)"
)


def parse_since(value: str) -> datetime:
    """--since: an ISO date or datetime; without a zone it is UTC, as the store reads a source
    time without one."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or datetime: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def export(dataset: Dataset, form: Format, *, since: datetime | None, output: Path | None) -> int:
    """Run the command: the reader role's URL, the rows, the file; a count on stderr."""
    from orewatch_common.permissions import DbRole
    from sqlalchemy.exc import SQLAlchemyError

    from orewatch_cli.supervisor import NoPipeline, running_database_url

    try:
        url = running_database_url(DbRole.READER)
    except NoPipeline as reason:
        print(f"{reason} (or set DATABASE_URL)", file=sys.stderr)
        return 1
    query = QUERIES[dataset]
    try:
        with open_rows(url, query, since) as rows:  # connected and executed before a byte is written
            count = _write(form, query.columns, rows, output)
    except SQLAlchemyError as error:  # unreachable, refused login, a view missing: said plainly
        print(
            f"orewatch export: cannot read the database: {getattr(error, 'orig', None) or error}",
            file=sys.stderr,
        )
        return 1
    except BrokenPipeError:  # `orewatch export … | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # no such folder, no room left, not ours to write
        print(f"orewatch export: cannot write {output or 'stdout'}: {error}", file=sys.stderr)
        return 1
    print(f"{count} {dataset} row(s) written to {output or 'stdout'}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def open_rows(url: str, query: Query, since: datetime | None) -> Iterator[Iterator[Row]]:
    """The query's rows in batches from a server-side cursor (psycopg named cursor), in UTC;
    executed on entry, so a refused connection fails before anything is written."""
    from orewatch_common.settings import Settings
    from sqlalchemy import NullPool, create_engine, text

    settings = Settings(database_url=url)
    engine = create_engine(
        settings.sqlalchemy_url(),
        poolclass=NullPool,
        connect_args={
            "connect_timeout": max(int(settings.db_connect_timeout_s), 2),
            "options": "-c TimeZone=UTC",
        },
    )
    try:
        with engine.connect() as connection:
            result = connection.execution_options(yield_per=BATCH_ROWS).execute(
                text(query.statement(since)), {"since": since} if since is not None else {}
            )
            yield iter(result)
    finally:
        engine.dispose()


def _write(
    form: Format, columns: Sequence[tuple[str, Kind]], rows: Iterable[Row], output: Path | None
) -> int:
    """Rows to the output (stdout, or a file that appears only once it is whole); their count."""
    if output is None:
        if form is Format.PARQUET:
            raise ValueError("parquet needs --output FILE")
        return WRITERS[form](rows, columns, sys.stdout.buffer)
    with _replaced_when_done(output) as partial, partial.open("wb") as out:
        return WRITERS[form](rows, columns, out)


@contextlib.contextmanager
def _replaced_when_done(path: Path) -> Iterator[Path]:
    """A sibling to write into, renamed onto `path` on success, removed on failure: a failed
    export never leaves half a file an analyst could mistake for the whole."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)


def write_csv(rows: Iterable[Row], columns: Sequence[tuple[str, Kind]], out: IO[bytes]) -> int:
    """RFC 4180 (csv module: commas, CRLF, quotes doubled), UTF-8, a header row. Null is an empty
    field, a time ISO 8601, a list a JSON array."""
    text_out = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text_out)
        writer.writerow([name for name, _ in columns])
        count = 0
        for row in rows:
            writer.writerow([_csv_field(value) for value in row])
            count += 1
        return count
    finally:
        text_out.flush()
        text_out.detach()  # the caller's stream stays open


def _csv_field(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_jsonl(rows: Iterable[Row], columns: Sequence[tuple[str, Kind]], out: IO[bytes]) -> int:
    """One JSON object a line, keys in column order, UTF-8 as is, times ISO 8601."""
    names = [name for name, _ in columns]
    count = 0
    for row in rows:
        line = json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=_iso)
        out.write(line.encode("utf-8") + b"\n")
        count += 1
    out.flush()
    return count


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_parquet(rows: Iterable[Row], columns: Sequence[tuple[str, Kind]], out: IO[bytes]) -> int:
    """Parquet with a fixed schema (times as UTC microseconds, lists of strings), written a batch
    at a time; no rows still give a file with the schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        Kind.TEXT: pa.string(),
        Kind.COUNT: pa.int64(),
        Kind.TIME: pa.timestamp("us", tz="UTC"),
        Kind.LIST: pa.list_(pa.string()),
    }
    schema = pa.schema([(name, types[kind]) for name, kind in columns])
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        for batch in _batches(rows, BATCH_ROWS):
            values = zip(*batch, strict=True)
            arrays = [pa.array(column, type=field.type) for column, field in zip(values, schema, strict=True)]
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            count += len(batch)
    return count


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


WRITERS = {Format.CSV: write_csv, Format.JSONL: write_jsonl, Format.PARQUET: write_parquet}
