"""`orewatch export` on the session's real PostgreSQL (built by `alembic upgrade head`): two
articles stored by the store's own repository as the app role, exported as the reader role
(DATABASE_URL), every dataset in every format, with and without --since."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest
from orewatch_cli.main import main
from orewatch_cli.servers import PostgresServer
from orewatch_common.contracts import Actor, ActorRef, ActorType, Mineral, Statement
from orewatch_common.permissions import DbRole
from orewatch_common.settings import Settings, get_settings
from orewatch_store.repository import store_extraction, store_raw_article
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.support.factories import make_clean_article, make_extracted_article, raw_article_for

RARE_EARTHS = Mineral(key="rare_earths", name="редкоземельные металлы", category="rare_earths")
LITHIUM = Mineral(key="lithium", name="литий", category="battery")
OIL = Mineral(key="oil", name="нефть", category="energy")
PUTIN = ActorRef(name="Владимир Путин", type=ActorType.PER)
DMITRIEV = ActorRef(name="Кирилл Дмитриев", type=ActorType.PER)
US = ActorRef(name="США", type=ActorType.LOC)
RUSSIA = ActorRef(name="Россия", type=ActorType.LOC)


def statement(index: int, text: str, **fields: Any) -> Statement:
    return Statement(index=index, text=text, start=0, end=len(text), **fields)


def actors(*refs: ActorRef) -> list[Actor]:
    return [Actor(name=ref.name, type=ref.type) for ref in refs]


PUTIN_SAID = "Путин предложил США участие в добыче редкоземельных металлов."
RUSSIA_MINES = "Россия добывает литий и редкоземельные металлы."
DMITRIEV_SAID = '«Литий, а не "нефть"», — сказал Дмитриев.'
OIL_PRICES = "Цены на нефть растут."

# published 2025-02-25; --since 2026-01-01 leaves it out
DATED = make_extracted_article(
    make_clean_article(
        f"{PUTIN_SAID} {RUSSIA_MINES}",
        source_uri="putin.txt",
        url="https://example.ru/putin",
        title="Путин предлагает США редкоземельные металлы",
        author="Иван Петров",
        published_at=datetime(2025, 2, 25, 7, tzinfo=UTC),
    ),
    actors=actors(PUTIN, US, RUSSIA),
    minerals=[RARE_EARTHS, LITHIUM],
    statements=[
        statement(0, PUTIN_SAID, speaker=PUTIN, actors=[US], minerals=["rare_earths"]),
        statement(1, RUSSIA_MINES, actors=[RUSSIA], minerals=["lithium", "rare_earths"]),
    ],
)
# no publication date: its time is when it was fetched (2026-11-01), so --since 2026-01-01 keeps it
UNDATED = make_extracted_article(
    make_clean_article(f"{DMITRIEV_SAID}\n\n{OIL_PRICES}", source_uri="dmitriev.txt"),
    actors=actors(DMITRIEV),
    minerals=[LITHIUM, OIL],
    statements=[
        statement(0, DMITRIEV_SAID, speaker=DMITRIEV, minerals=["lithium", "oil"]),
        statement(1, OIL_PRICES, minerals=["oil"]),
    ],
)
D, U = DATED.article.article_id, UNDATED.article.article_id
PUBLISHED, FETCHED = "2025-02-25T07:00:00+00:00", "2026-11-01T00:00:00+00:00"
SINCE = "2026-01-01"


def statement_row(article_id: str, index: int, text: str, **values: Any) -> dict[str, Any]:
    dated = article_id == D
    return {
        "statement_id": f"{article_id}:{index}",
        "article_id": article_id,
        "source": "seeds",
        "url": "https://example.ru/putin" if dated else "dmitriev.txt",
        "title": "Путин предлагает США редкоземельные металлы" if dated else None,
        "author": "Иван Петров" if dated else None,
        "published_at": PUBLISHED if dated else None,
        "fetched_at": FETCHED,
        "speaker": None,
        "speaker_type": None,
        "text": text,
        "actors": [],
        **values,
    }


STATEMENTS = [
    statement_row(
        D, 0, PUTIN_SAID, speaker="Владимир Путин", speaker_type="PER", actors=["США"],
        minerals=["редкоземельные металлы"],
    ),
    statement_row(D, 1, RUSSIA_MINES, actors=["Россия"], minerals=["литий", "редкоземельные металлы"]),
    statement_row(
        U, 0, DMITRIEV_SAID, speaker="Кирилл Дмитриев", speaker_type="PER", minerals=["литий", "нефть"]
    ),
    statement_row(U, 1, OIL_PRICES, minerals=["нефть"]),
]  # fmt: skip

ACTOR_COLUMNS = (
    "actor",
    "actor_type",
    "mineral",
    "category",
    "statements",
    "articles",
    "first_seen",
    "last_seen",
)
ACTORS = [
    dict(zip(ACTOR_COLUMNS, row, strict=True))
    for row in [
        ("Владимир Путин", "PER", "редкоземельные металлы", "rare_earths", 1, 1, PUBLISHED, PUBLISHED),
        ("Кирилл Дмитриев", "PER", "литий", "battery", 1, 1, FETCHED, FETCHED),
        ("Кирилл Дмитриев", "PER", "нефть", "energy", 1, 1, FETCHED, FETCHED),
        ("Россия", "LOC", "литий", "battery", 1, 1, PUBLISHED, PUBLISHED),
        ("Россия", "LOC", "редкоземельные металлы", "rare_earths", 1, 1, PUBLISHED, PUBLISHED),
        ("США", "LOC", "редкоземельные металлы", "rare_earths", 1, 1, PUBLISHED, PUBLISHED),
    ]
]

MINERAL_COLUMNS = ("mineral", "category", "statements", "articles", "speakers", "first_seen", "last_seen")
MINERALS = [
    dict(zip(MINERAL_COLUMNS, row, strict=True))
    for row in [
        ("литий", "battery", 2, 2, ["Кирилл Дмитриев"], PUBLISHED, FETCHED),
        ("нефть", "energy", 2, 1, ["Кирилл Дмитриев"], FETCHED, FETCHED),
        ("редкоземельные металлы", "rare_earths", 2, 1, ["Владимир Путин"], PUBLISHED, PUBLISHED),
    ]
]
# counted over the undated article alone
MINERALS_SINCE = [
    {**MINERALS[0], "statements": 1, "articles": 1, "first_seen": FETCHED},
    MINERALS[1],
]

# (dataset, --since, expected rows as JSON values)
EXPORTS = [
    ("statements", None, STATEMENTS),
    ("statements", SINCE, STATEMENTS[2:]),
    ("actors", None, ACTORS),
    ("actors", SINCE, ACTORS[1:3]),
    ("minerals", None, MINERALS),
    ("minerals", SINCE, MINERALS_SINCE),
]


@pytest.fixture
async def stored(empty_db: str, database_roles: dict[DbRole, str]) -> AsyncIterator[None]:
    """The two articles, written by the store's repository as the store's own (app) role."""
    engine = create_async_engine(Settings(database_url=database_roles[DbRole.APP]).sqlalchemy_url())
    try:
        async with async_sessionmaker(engine).begin() as session:
            for extraction in (DATED, UNDATED):
                await store_raw_article(session, raw_article_for(extraction))
                assert await store_extraction(session, extraction)
    finally:
        await engine.dispose()
    yield


@pytest.fixture
def reader_env(
    stored: None, database_roles: dict[DbRole, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """DATABASE_URL is the reader role's, as an analyst would set it (settings re-read)."""
    monkeypatch.setenv("DATABASE_URL", database_roles[DbRole.READER])
    get_settings.cache_clear()
    yield database_roles[DbRole.READER]
    get_settings.cache_clear()


def as_read(path: Path, form: str) -> list[dict[str, Any]]:
    """An export file's rows with JSON values: csv cells as text, parquet times as ISO text."""
    if form == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if form == "csv":
        with path.open(encoding="utf-8", newline="") as file:
            return list(csv.DictReader(file))
    return [
        {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}
        for row in pq.read_table(path).to_pylist()
    ]


def as_csv(row: dict[str, Any]) -> dict[str, str]:
    """How a row of JSON values reads back from the csv: null empty, lists as JSON arrays."""
    return {key: _csv_cell(value) for key, value in row.items()}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize(("dataset", "since", "expected"), EXPORTS)
def test_every_dataset_in_every_format(
    reader_env: str,
    dataset: str,
    since: str | None,
    expected: list[dict[str, Any]],
    form: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / f"{dataset}.{form}"
    args = ["export", dataset, "--format", form, "--output", str(path)]
    assert main(args + (["--since", since] if since else [])) == 0
    rows = as_read(path, form)
    assert rows == ([as_csv(row) for row in expected] if form == "csv" else expected)
    assert capsys.readouterr().err == f"{len(expected)} {dataset} row(s) written to {path}\n"


def test_csv_to_stdout_as_the_reader_role(reader_env: str) -> None:
    """The command as an analyst runs it: a subprocess, its rows on stdout, the count on stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", "export", "actors", "--since", SINCE],
        capture_output=True,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": reader_env},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == (
            "actor,actor_type,mineral,category,statements,articles,first_seen,last_seen\r\n"
            "Кирилл Дмитриев,PER,литий,battery,1,1,2026-11-01T00:00:00+00:00,2026-11-01T00:00:00+00:00\r\n"
            "Кирилл Дмитриев,PER,нефть,energy,1,1,2026-11-01T00:00:00+00:00,2026-11-01T00:00:00+00:00\r\n"
        ).encode()
    )
    assert result.stderr == b"2 actors row(s) written to stdout\n"


def test_through_the_running_pipelines_runtime_file_as_the_reader(
    stored: None, tmp_path: Path, server_dir: Path, database_roles: dict[DbRole, str]
) -> None:
    """No DATABASE_URL: the URL comes from runtime.json, as `orewatch db url` finds it (a runtime
    file naming this live process and the session's PostgreSQL, whose secrets it links)."""
    port = urlsplit(database_roles[DbRole.READER]).port
    state = tmp_path / "state"
    state.mkdir()
    (state / "secrets").symlink_to(PostgresServer(server_dir / "postgres", port=port).secrets)
    runtime = {"pid": os.getpid(), "state_dir": str(state), "postgres_port": port, "nats_url": "nats://x"}
    (state / "runtime.json").write_text(json.dumps(runtime), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", "export", "minerals", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "OREWATCH_STATE_DIR": str(state)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == MINERALS
    assert result.stderr == "3 minerals row(s) written to stdout\n"


def test_without_a_pipeline_or_database_url_it_says_so_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", "export", "statements"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "OREWATCH_STATE_DIR": str(tmp_path / "state")},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no running pipeline" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_does_not_answer_is_said_plainly_with_exit_1() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", "export", "actors"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/orewatch"},
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("orewatch export: cannot read the database: ")
    assert "Traceback" not in result.stderr


def test_an_output_that_cannot_be_written_is_said_plainly_with_exit_1(
    reader_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "no such folder" / "actors.csv"
    assert main(["export", "actors", "--output", str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"orewatch export: cannot write {path}: ")
    assert not path.parent.exists()


def test_the_reader_role_cannot_read_past_the_views(reader_env: str) -> None:
    """What export reads is all the reader may: a table behind the views is refused."""
    import psycopg

    with psycopg.connect(reader_env) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("SELECT * FROM statements")


def test_the_stdout_writer_leaves_stdout_usable(
    reader_env: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["export", "minerals", "--format", "jsonl", "--since", SINCE]) == 0
    out = capsysbinary.readouterr().out
    assert [json.loads(line) for line in io.BytesIO(out)] == MINERALS_SINCE
    print("still writable")
    assert capsysbinary.readouterr().out == b"still writable\n"


def test_rows_come_from_a_server_side_cursor(
    reader_env: str, empty_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large table never sits in memory: the reader's session fetches a batch at a time."""
    import psycopg
    from orewatch_cli import export

    monkeypatch.setattr(export, "BATCH_ROWS", 2)
    with export.open_rows(reader_env, export.QUERIES[export.Dataset.STATEMENTS], None) as rows:
        # SQLAlchemy fetches one row on execute, then batches: two rows in, the cursor still open
        assert [next(rows)[0], next(rows)[0]] == [f"{D}:0", f"{D}:1"]
        with psycopg.connect(empty_db) as owner:
            (last,) = owner.execute(
                "SELECT query FROM pg_stat_activity WHERE usename = 'orewatch_reader'"
            ).fetchone() or ("",)
        assert last.startswith("FETCH FORWARD 2 FROM"), last
        assert [row[0] for row in rows] == [f"{U}:0", f"{U}:1"]


MANY = 2500  # more than two batches of the cursor, and more than a pipe holds


@pytest.fixture
async def many_statements(reader_env: str, database_roles: dict[DbRole, str]) -> str:
    """One more article, with MANY statements naming lithium."""
    texts = [f"Заявление номер {n}: литий подорожал." for n in range(MANY)]
    extraction = make_extracted_article(
        make_clean_article(" ".join(texts), source_uri="many.txt"),
        minerals=[LITHIUM],
        statements=[statement(n, text, minerals=["lithium"]) for n, text in enumerate(texts)],
    )
    engine = create_async_engine(Settings(database_url=database_roles[DbRole.APP]).sqlalchemy_url())
    try:
        async with async_sessionmaker(engine).begin() as session:
            await store_raw_article(session, raw_article_for(extraction))
            assert await store_extraction(session, extraction)
    finally:
        await engine.dispose()
    return extraction.article.article_id


def test_thousands_of_rows_all_written_in_text_order(many_statements: str, tmp_path: Path) -> None:
    path = tmp_path / "statements.jsonl"
    assert main(["export", "statements", "--format", "jsonl", "--output", str(path)]) == 0
    ids = [row["statement_id"] for row in as_read(path, "jsonl")]
    assert len(ids) == len(STATEMENTS) + MANY
    assert [i for i in ids if i.startswith(many_statements)] == [
        f"{many_statements}:{n}" for n in range(MANY)
    ]


def test_a_reader_that_closes_the_pipe_ends_it_quietly(many_statements: str, reader_env: str) -> None:
    """`orewatch export statements | head`: exit 0, no traceback."""
    command = [sys.executable, "-m", "orewatch_cli.main", "export", "statements"]
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": reader_env}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0, stderr
    assert "Traceback" not in stderr
