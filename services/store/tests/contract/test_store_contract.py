"""The store honours its subjects: valid messages become rows, exactly once; invalid ones dead letters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
import pytest
from orewatch_common.contracts import (
    CLEAN_ARTICLE,
    DEAD_LETTER,
    EXTRACTED_STATEMENT,
    RAW_ARTICLE,
    Actor,
    ActorRef,
    DeadLetter,
    Language,
    Mineral,
    Removal,
    Statement,
)
from orewatch_common.permissions import DbRole

from tests.support.factories import make_clean_article, make_extracted_article, make_raw_article

pytestmark = pytest.mark.slow

ARTICLE_ID = "a" * 32
BODY = "Кирилл Дмитриев заявил, что США интересуются редкоземельными металлами.\n\nДругой абзац."
FETCHED = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

RAW = make_raw_article(
    "Заголовок\n\n" + BODY,
    article_id=ARTICLE_ID,
    source_uri="news/dmitriev.txt",
    source_name="seeds/news",
    fetched_at=FETCHED,
    encoding="cp1251",
    content_sha256="1" * 64,
)
CLEAN = make_clean_article(
    BODY,
    article_id=ARTICLE_ID,
    source_uri="news/dmitriev.txt",
    source_name="seeds/news",
    fetched_at=FETCHED,
    raw_sha256="1" * 64,
    title="Заголовок",
    published_at=datetime(2025, 3, 31, 18, 28),
    author="Владимир",
    removed=[Removal(text="Читайте также: другое", reason="read-also")],
)
DMITRIEV = ActorRef(name="Кирилл Дмитриев", type="PER")
USA = ActorRef(name="США", type="LOC")
EXTRACTED = make_extracted_article(
    CLEAN,
    extracted_at=FETCHED,
    actors=[
        Actor(name="Кирилл Дмитриев", type="PER", aliases=["Дмитриев"], mentions=2),
        Actor(name="США", type="LOC", mentions=1),
    ],
    minerals=[
        Mineral(
            key="rare_earths",
            name="редкоземельные металлы",
            category="rare_earths",
            forms=["редкоземельными металлами"],
        )
    ],
    statements=[
        Statement(
            index=0,
            text=BODY.split("\n")[0],
            start=0,
            end=len(BODY.split("\n")[0]),
            speaker=DMITRIEV,
            verb="заявить",
            is_quote=False,
            actors=[DMITRIEV, USA],
            minerals=["rare_earths"],
        )
    ],
)


def rows(database_url: str, sql: str) -> list[tuple]:
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql).fetchall()


async def test_each_subject_becomes_rows_once(bus, start_service, empty_db, wait):
    start_service("store", DATABASE_URL=empty_db)
    for _ in range(2):  # the second round is a redelivery: it must add nothing
        await bus.publish(RAW_ARTICLE, RAW, msg_id=None)
        await bus.publish(CLEAN_ARTICLE, CLEAN)
        await bus.publish(EXTRACTED_STATEMENT, EXTRACTED, msg_id=f"again-{_}")
        await wait(lambda: rows(empty_db, "SELECT count(*) FROM statements")[0][0] == 1)

    assert rows(empty_db, "SELECT source_uri, encoding FROM raw_articles") == [
        ("news/dmitriev.txt", "cp1251")
    ]
    assert rows(empty_db, "SELECT reason, text FROM article_removals") == [
        ("read-also", "Читайте также: другое")
    ]
    assert rows(empty_db, "SELECT source, url, title, author, statements FROM v_articles") == [
        ("seeds/news", "news/dmitriev.txt", "Заголовок", "Владимир", 1)
    ]
    assert rows(empty_db, "SELECT speaker, speaker_type, actors, minerals FROM v_statements") == [
        ("Кирилл Дмитриев", "PER", ["Кирилл Дмитриев", "США"], ["редкоземельные металлы"])
    ]
    assert rows(empty_db, "SELECT actor, mineral, statements, articles FROM v_actor_minerals ORDER BY 1") == [
        ("Кирилл Дмитриев", "редкоземельные металлы", 1, 1),
        ("США", "редкоземельные металлы", 1, 1),
    ]
    assert rows(empty_db, "SELECT count(*) FROM actors") == [(2,)]


async def test_actors_named_differently_share_one_canonical_row(bus, start_service, empty_db, wait):
    """'Британия' in one article and 'Великобритания' in another are one actor for analysts."""
    start_service("store", DATABASE_URL=empty_db)
    uk_as_written = Actor(name="Британия", canonical="Великобритания", type="LOC", aliases=["Британии"])
    other_id = "b" * 32
    other = EXTRACTED.model_copy(
        update={
            "article": CLEAN.model_copy(update={"article_id": other_id, "source_uri": "news/uk.txt"}),
            "actors": [Actor(name="Великобритания", type="LOC")],
            "statements": [],
            "minerals": [],
        }
    )
    spoken = EXTRACTED.model_copy(
        update={
            "actors": [*EXTRACTED.actors, uk_as_written],
            "statements": [
                EXTRACTED.statements[0].model_copy(
                    update={"speaker": ActorRef(name="Британия", type="LOC"), "actors": [USA]}
                )
            ],
        }
    )
    await bus.publish(RAW_ARTICLE, RAW)
    await bus.publish(
        RAW_ARTICLE, RAW.model_copy(update={"article_id": other_id, "source_uri": "news/uk.txt"})
    )
    await bus.publish(EXTRACTED_STATEMENT, spoken)
    await bus.publish(EXTRACTED_STATEMENT, other)
    await wait(
        lambda: (
            rows(
                empty_db,
                "SELECT count(*) FROM article_actors WHERE actor_id IN "
                "(SELECT actor_id FROM actors WHERE name = 'Великобритания')",
            )[0][0]
            == 2
        )
    )
    assert rows(empty_db, "SELECT name FROM actors WHERE type = 'LOC' ORDER BY 1") == [
        ("Великобритания",),
        ("США",),
    ]
    assert rows(empty_db, "SELECT speaker FROM v_statements") == [("Великобритания",)]
    assert rows(
        empty_db,
        "SELECT aa.article_id, aa.aliases FROM article_actors aa JOIN actors a USING (actor_id)"
        " WHERE a.name = 'Великобритания' ORDER BY 1",
    ) == [(ARTICLE_ID, ["Британии", "Британия"]), (other_id, [])]
    assert rows(
        empty_db,
        "SELECT alias FROM actor_aliases JOIN actors USING (actor_id)"
        " WHERE name = 'Великобритания' ORDER BY 1",
    ) == [("Британии",), ("Британия",), ("Великобритания",)]


async def test_stale_version_never_overwrites_newer(bus, start_service, empty_db, wait):
    start_service("store", DATABASE_URL=empty_db)
    newer = CLEAN.model_copy(update={"fetched_at": datetime(2026, 11, 2, tzinfo=UTC), "title": "Новее"})
    await bus.publish(RAW_ARTICLE, RAW)
    await bus.publish(CLEAN_ARTICLE, newer)
    await wait(lambda: rows(empty_db, "SELECT title FROM articles") == [("Новее",)])
    await bus.publish(CLEAN_ARTICLE, CLEAN)
    await bus.publish(
        DEAD_LETTER,
        DeadLetter(service="test", reason="marker", payload="", payload_size=0, failed_at=FETCHED),
    )
    await wait(lambda: rows(empty_db, "SELECT count(*) FROM dead_letters")[0][0] == 1)
    assert rows(empty_db, "SELECT title FROM articles") == [("Новее",)]


async def test_invalid_message_is_a_dead_letter_with_reason(bus, start_service, empty_db, wait):
    start_service("store", DATABASE_URL=empty_db)
    await bus.publish(EXTRACTED_STATEMENT, b'{"article": {"article_id": 42}}', msg_id="broken-1")
    found = await wait(lambda: rows(empty_db, "SELECT service, subject, reason, payload FROM dead_letters"))
    service, subject, reason, payload = found[0]
    assert (service, subject) == ("store", EXTRACTED_STATEMENT)
    assert reason.startswith("invalid message")
    assert payload == '{"article": {"article_id": 42}}'
    assert rows(empty_db, "SELECT count(*) FROM articles") == [(0,)]


async def test_an_extraction_with_a_repeated_actor_is_a_dead_letter_at_once(
    bus, start_service, empty_db, wait
):
    """Two actors with one canonical key once failed article_actors' primary key on every
    redelivery; the contract now refuses the message: one delivery, the reason, no rows."""
    start_service("store", DATABASE_URL=empty_db)
    data = EXTRACTED.model_dump(mode="json")
    data["actors"].append({**data["actors"][0], "name": "Дмитриев", "canonical": "Кирилл Дмитриев"})
    data["statements"][0]["actors"].append({"name": "Путин", "type": "PER"})
    await bus.publish(EXTRACTED_STATEMENT, json.dumps(data).encode(), msg_id="repeated-actor")
    found = await wait(lambda: rows(empty_db, "SELECT service, reason, deliveries FROM dead_letters"))
    [(service, reason, deliveries)] = found
    assert (service, deliveries) == ("store", 1)
    assert "two actors with the canonical name 'Кирилл Дмитриев' (PER)" in reason
    assert "statement 0 refers to 'Путин' (PER), which is no actor" in reason
    assert rows(empty_db, "SELECT count(*) FROM articles") == [(0,)]
    assert rows(empty_db, "SELECT count(*) FROM actors") == [(0,)]


async def test_the_language_is_stored_and_shown_in_v_articles(
    bus, start_service, empty_db, database_roles, wait
):
    """A Ukrainian article (an extraction with nothing in it) is stored with its language; a
    version 1 clean article, from before detection, is stored with none. The reader sees both."""
    start_service("store", DATABASE_URL=empty_db)
    ukrainian_id, old_id = "c" * 32, "d" * 32
    ukrainian = make_clean_article(
        "Міністр заявив, що видобуток нікелю зросте.",
        article_id=ukrainian_id,
        source_uri="news/uk.txt",
        raw_sha256="1" * 64,
        language=Language.UK,
    )
    old = CLEAN.model_dump(mode="json", exclude={"language"}) | {
        "schema_version": 1,
        "article_id": old_id,
        "source_uri": "news/old.txt",
    }
    for article_id, uri in ((ukrainian_id, "news/uk.txt"), (old_id, "news/old.txt")):
        await bus.publish(RAW_ARTICLE, RAW.model_copy(update={"article_id": article_id, "source_uri": uri}))
    await bus.publish(RAW_ARTICLE, RAW)
    await bus.publish(EXTRACTED_STATEMENT, make_extracted_article(ukrainian, extracted_at=FETCHED))
    await bus.publish(CLEAN_ARTICLE, json.dumps(old).encode(), msg_id="clean-version-1")
    russian = EXTRACTED.model_copy(update={"article": CLEAN.model_copy(update={"language": Language.RU})})
    await bus.publish(EXTRACTED_STATEMENT, russian)
    everything = "SELECT url, language, statements FROM v_articles ORDER BY url"
    expected = [("news/dmitriev.txt", "ru", 1), ("news/old.txt", None, 0), ("news/uk.txt", "uk", 0)]
    await wait(lambda: rows(empty_db, everything) == expected)
    assert rows(database_roles[DbRole.READER], everything) == expected
    extracted = f"SELECT extracted_at IS NOT NULL FROM articles WHERE article_id = '{ukrainian_id}'"
    assert rows(empty_db, extracted) == [(True,)]
