"""Reprocessing on a real PostgreSQL (alembic upgrade head), written as the app role through the
store's repository: a newer processing version replaces an article's rows (never adds to
them) and its earlier version stays in article_versions; a redelivery changes nothing; an
older version is ignored; readers see the history in v_article_versions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from orewatch_common.contracts import Actor, ActorRef, ExtractedArticle, Removal, Statement
from orewatch_common.permissions import DbRole
from orewatch_common.settings import Settings
from orewatch_store.repository import store_clean_article, store_extraction, store_raw_article
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from tests.support.factories import make_clean_article, make_extracted_article, raw_article_for

pytestmark = pytest.mark.slow

FETCHED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NORNICKEL = Actor(name="Норникель", type="ORG")
POTANIN = Actor(name="Владимир Потанин", type="PER")


def extraction(version: int | None, speaker: Actor, title: str, **article: Any) -> ExtractedArticle:
    """The one article as processing `version` made it: its title and its one statement's speaker."""
    text = f"{speaker.name} заявил о росте выпуска никеля."
    clean = make_clean_article(
        text,
        article_id="r" * 32,
        source_uri="news/nickel.txt",
        fetched_at=article.pop("fetched_at", FETCHED),
        raw_sha256=article.pop("raw_sha256", "3" * 64),
        title=title,
        removed=[Removal(text=f"Читайте также ({title})", reason="read-also")],
        processing_version=version,
    )
    ref = ActorRef(name=speaker.name, type=speaker.type)
    statement = Statement(index=0, text=text, start=0, end=len(text), speaker=ref, actors=[ref])
    return make_extracted_article(
        clean,
        extracted_at=datetime(2026, 12, 7, 10, (version or 0) % 60, tzinfo=UTC),
        extractor_version=f"extractor-{version or 0}",
        actors=[speaker],
        statements=[statement],
    )


FIRST = extraction(None, NORNICKEL, "Как впервые")
RERUN_1 = extraction(1, POTANIN, "Переработано 1")
RERUN_2 = extraction(2, NORNICKEL, "Переработано 2")

Write = Callable[[Callable[[AsyncSession], Awaitable[object]]], Awaitable[Any]]


@pytest.fixture
async def write(empty_db: str, database_roles: dict[DbRole, str]) -> AsyncIterator[Write]:
    """`await write(lambda session: store_…(session, message))`: one transaction as the app role."""
    engine = create_async_engine(Settings(database_url=database_roles[DbRole.APP]).sqlalchemy_url())
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def in_transaction(step: Callable[[AsyncSession], Awaitable[object]]) -> Any:
        async with sessions.begin() as session:
            return await step(session)

    yield in_transaction
    await engine.dispose()


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


COUNTS = (
    "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_removals),"
    " (SELECT count(*) FROM statements), (SELECT count(*) FROM article_actors),"
    " (SELECT count(*) FROM statement_actors)"
)
CURRENT = (
    "SELECT a.title, a.processing_version, a.extractor_version, r.text, s.speaker"
    " FROM articles a JOIN article_removals r USING (article_id) JOIN v_statements s USING (article_id)"
)
HISTORY = (
    "SELECT processing_version, extractor_version, replaced_at IS NOT NULL FROM article_versions"
    " ORDER BY fetched_at, processing_version"
)


async def first_processing(write: Write) -> None:
    """The article as the pipeline first stored it: raw, then clean, then extraction."""
    await write(lambda session: store_raw_article(session, raw_article_for(FIRST)))
    await write(lambda session: store_clean_article(session, FIRST.article))
    assert await write(lambda session: store_extraction(session, FIRST))


async def test_a_newer_version_replaces_the_rows_and_keeps_the_old_provenance(write: Write, empty_db: str):
    await first_processing(write)
    assert rows(empty_db, COUNTS) == [(1, 1, 1, 1, 1)]
    assert rows(empty_db, HISTORY) == [(0, "extractor-0", False)]

    assert await write(lambda session: store_raw_article(session, raw_article_for(FIRST)))  # republished raw
    # the reprocessed clean.article waits for its extraction: nothing changes yet
    assert not await write(lambda session: store_clean_article(session, RERUN_1.article))
    assert rows(empty_db, CURRENT) == [
        ("Как впервые", 0, "extractor-0", "Читайте также (Как впервые)", "Норникель")
    ]

    assert await write(lambda session: store_extraction(session, RERUN_1))
    assert rows(empty_db, COUNTS) == [(1, 1, 1, 1, 1)]  # replaced, not added
    assert rows(empty_db, CURRENT) == [
        ("Переработано 1", 1, "extractor-1", "Читайте также (Переработано 1)", "Владимир Потанин")
    ]
    assert rows(empty_db, HISTORY) == [(0, "extractor-0", True), (1, "extractor-1", False)]
    assert rows(empty_db, "SELECT count(*) FROM raw_articles") == [(1,)]


async def test_a_redelivered_version_changes_nothing(write: Write, empty_db: str):
    await first_processing(write)
    await write(lambda session: store_extraction(session, RERUN_1))
    before = rows(
        empty_db, "SELECT processing_version, stored_at, replaced_at, extracted_at FROM article_versions"
    )
    for _ in range(2):  # redeliveries of every message of both versions
        await write(lambda session: store_clean_article(session, FIRST.article))
        await write(lambda session: store_clean_article(session, RERUN_1.article))
        assert await write(lambda session: store_extraction(session, RERUN_1))
    assert rows(empty_db, COUNTS) == [(1, 1, 1, 1, 1)]
    assert rows(empty_db, CURRENT)[0][:2] == ("Переработано 1", 1)
    assert (
        rows(
            empty_db, "SELECT processing_version, stored_at, replaced_at, extracted_at FROM article_versions"
        )
        == before
    )


async def test_an_older_version_is_ignored_whenever_it_arrives(write: Write, empty_db: str):
    await first_processing(write)
    assert await write(lambda session: store_extraction(session, RERUN_2))
    assert not await write(lambda session: store_extraction(session, RERUN_1))  # an older run, late
    assert not await write(lambda session: store_extraction(session, FIRST))  # the first processing, late
    assert not await write(lambda session: store_clean_article(session, FIRST.article))
    assert rows(empty_db, CURRENT) == [
        ("Переработано 2", 2, "extractor-2", "Читайте также (Переработано 2)", "Норникель")
    ]
    assert rows(empty_db, HISTORY) == [(0, "extractor-0", True), (2, "extractor-2", False)]


async def test_a_new_fetch_replaces_any_processing_version_of_the_old_one(write: Write, empty_db: str):
    await first_processing(write)
    await write(lambda session: store_extraction(session, RERUN_2))
    refetched = extraction(
        None, POTANIN, "Новая версия файла", fetched_at=datetime(2026, 12, 8, tzinfo=UTC), raw_sha256="4" * 64
    )
    await write(lambda session: store_raw_article(session, raw_article_for(refetched)))
    assert await write(lambda session: store_extraction(session, refetched))
    late_run = extraction(3, NORNICKEL, "Прогон старой версии")  # a run of the old fetch, after the new one
    assert not await write(lambda session: store_extraction(session, late_run))
    assert rows(empty_db, CURRENT)[0][:3] == ("Новая версия файла", 0, "extractor-0")
    assert rows(empty_db, HISTORY) == [
        (0, "extractor-0", True),
        (2, "extractor-2", True),
        (0, "extractor-0", False),
    ]


async def test_readers_see_the_history_in_v_article_versions(
    write: Write, empty_db: str, database_roles: dict[DbRole, str]
):
    await first_processing(write)
    with psycopg.connect(database_roles[DbRole.APP]) as connection:
        (run,) = connection.execute(
            "INSERT INTO reprocess_runs (selection, articles) VALUES ('--all', 1)"
            " RETURNING processing_version"
        ).fetchone()
    rerun = extraction(run, POTANIN, "Прогон")
    assert await write(lambda session: store_extraction(session, rerun))
    found = rows(
        database_roles[DbRole.READER],
        "SELECT processing_version, current, extractor_version, reprocess_selection,"
        " replaced_at IS NOT NULL, reprocess_started_at IS NOT NULL"
        " FROM v_article_versions ORDER BY processing_version",
    )
    assert found == [
        (0, False, "extractor-0", None, True, False),
        (run, True, f"extractor-{run}", "--all", False, True),
    ]
