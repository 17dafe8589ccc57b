"""The store knows where each row came from: a clean article or extraction needs its raw
article, and a message no handler ever finished still becomes one dead letter."""

from __future__ import annotations

import asyncio
import contextlib
import time

import nats
import psycopg
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from orewatch_cli.servers import free_port
from orewatch_common.contracts import CLEAN_ARTICLE, DEAD_LETTER, EXTRACTED_STATEMENT, RAW_ARTICLE

from tests.support.metrics import scrape, value

from .test_store_contract import CLEAN, EXTRACTED, RAW, rows

pytestmark = pytest.mark.slow

ADVISORIES = "OREWATCH_ADVISORIES"


async def test_a_clean_article_that_overtakes_its_raw_article_waits_for_it(
    bus, start_service, empty_db, wait
):
    """store-raw is blocked (its table locked) while store-clean gets the clean article: the
    raw.article is in the stream before it, so the clean article is held, not refused."""
    store = start_service("store", DATABASE_URL=empty_db)
    await bus.publish(DEAD_LETTER, b'{"marker": 1}', msg_id="marker")  # the store is up once this is in
    await wait(lambda: rows(empty_db, "SELECT count(*) FROM dead_letters")[0][0] == 1)
    with psycopg.connect(empty_db) as lock:
        lock.execute("LOCK TABLE raw_articles IN EXCLUSIVE MODE")  # reads pass, writes wait
        await bus.publish(RAW_ARTICLE, RAW)
        await bus.publish(CLEAN_ARTICLE, CLEAN)
        await bus.publish(EXTRACTED_STATEMENT, EXTRACTED)
        await wait(lambda: "raw article" in store.log() and "holding it" in store.log(), timeout=15)
        await asyncio.sleep(1.5)
        assert rows(empty_db, "SELECT count(*) FROM articles") == [(0,)]
    await wait(lambda: rows(empty_db, "SELECT count(*) FROM statements")[0][0] == 1)
    assert rows(empty_db, "SELECT source_uri FROM articles") == [("news/dmitriev.txt",)]
    assert rows(empty_db, "SELECT count(*) FROM dead_letters") == [(1,)]  # the marker only


@pytest.mark.parametrize(
    ("messages", "refused", "reason"),
    [
        # no raw article was ever published
        ([(CLEAN_ARTICLE, CLEAN)], CLEAN_ARTICLE, "is not stored, and no raw.article before it is pending"),
        ([(EXTRACTED_STATEMENT, EXTRACTED)], EXTRACTED_STATEMENT, "is not stored"),
        # the raw article is stored, but with another content hash: the extraction is of no
        # document the store saw
        (
            [
                (RAW_ARTICLE, RAW),
                (
                    EXTRACTED_STATEMENT,
                    EXTRACTED.model_copy(
                        update={"article": CLEAN.model_copy(update={"raw_sha256": "2" * 64})}
                    ),
                ),
            ],
            EXTRACTED_STATEMENT,
            "with content hash 222222222222… is not stored",
        ),
    ],
)
async def test_an_article_whose_raw_article_the_store_never_saw_is_a_dead_letter(
    bus, start_service, empty_db, wait, messages, refused, reason
):
    start_service("store", DATABASE_URL=empty_db)
    for subject, message in messages:
        await bus.publish(subject, message)
    found = await wait(
        lambda: rows(
            empty_db,
            "SELECT subject, source_uri, error_class, deliveries, stream_sequence, reason FROM dead_letters",
        )
    )
    [(subject, source_uri, error_class, deliveries, sequence, text)] = found
    assert (subject, source_uri, error_class, deliveries) == (
        refused,
        "news/dmitriev.txt",
        "UnknownRawArticle",
        1,
    )
    assert sequence == len(messages)
    assert reason in text
    assert rows(empty_db, "SELECT count(*) FROM articles") == [(0,)]


async def test_a_message_no_handler_ever_finishes_becomes_one_dead_letter(bus, start_service, empty_db, wait):
    """A consumer that is killed on every delivery (here: one that never acks) runs out of
    deliveries; JetStream's advisory, stored by the store, becomes the dead letter, counted
    in the store's /metrics as `handler_killed`."""
    port = free_port()
    start_service("store", DATABASE_URL=empty_db, OREWATCH_HEALTH_PORT=str(port))
    await wait(lambda: _has_stream(bus, ADVISORIES), timeout=20)
    await bus.publish(RAW_ARTICLE, RAW)
    sub = await bus.js.pull_subscribe(
        RAW_ARTICLE,
        durable="oom",
        stream="OREWATCH",
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=1, max_deliver=2),
    )
    seen = []
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        with contextlib.suppress(nats.errors.TimeoutError):
            seen += await sub.fetch(1, timeout=2)  # and never ack: the process "died"
    assert [m.metadata.num_delivered for m in seen] == [1, 2]
    # the restarted process asks again: the server has nothing to give, and says so
    with contextlib.suppress(nats.errors.TimeoutError):
        assert await sub.fetch(1, timeout=2) == []
    found = await wait(
        lambda: rows(
            empty_db,
            "SELECT service, subject, source_uri, stream_sequence, error_class, deliveries, payload_size"
            " FROM dead_letters",
        ),
        timeout=20,
    )
    assert found == [
        (
            "oom",
            RAW_ARTICLE,
            "news/dmitriev.txt",
            1,
            "MaxDeliveriesExceeded",
            2,
            len(RAW.model_dump_json().encode()),
        )
    ]
    [(reason, payload)] = rows(empty_db, "SELECT reason, payload FROM dead_letters")
    assert reason.startswith("no handler finished it in 2 deliveries (consumer oom of stream OREWATCH)")
    assert '"source_uri":"news/dmitriev.txt"' in payload
    await sub.unsubscribe()
    text = await asyncio.to_thread(scrape, port)
    killed = {"service": "store", "subject": RAW_ARTICLE, "reason": "handler_killed"}
    assert value(text or "", "orewatch_dead_letters_total", **killed) == 1


async def test_one_message_is_one_dead_letter_whoever_reports_it(bus, start_service, empty_db, wait):
    """The service's own dead letter for (subject, sequence) and the advisory's: one row."""
    from orewatch_common.bus import dead_letter_for

    start_service("store", DATABASE_URL=empty_db)
    for service, error_class in [("cleaner", "UniqueViolation"), ("cleaner", "MaxDeliveriesExceeded")]:
        letter = dead_letter_for(
            service,
            reason=error_class,
            payload=b"x",
            subject=RAW_ARTICLE,
            stream_sequence=7,
            error_class=error_class,
        )
        await bus.publish(DEAD_LETTER, letter)
    await bus.publish(
        DEAD_LETTER, dead_letter_for("cleaner", reason="marker", payload=b"", subject=RAW_ARTICLE)
    )
    await wait(lambda: rows(empty_db, "SELECT count(*) FROM dead_letters WHERE reason = 'marker'") == [(1,)])
    assert rows(empty_db, "SELECT error_class FROM dead_letters WHERE stream_sequence = 7") == [
        ("UniqueViolation",)
    ]


async def _has_stream(bus, name):
    try:
        await bus.js.stream_info(name)
    except Exception:
        return False
    return True
