"""A PostgreSQL outage longer than every delivery a message has ends with every message
stored and none dead-lettered: the store holds the message it has (in_progress heartbeats,
no delivery spent) and pulls no other until the database is back."""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
from orewatch_cli.servers import PostgresServer, free_port
from orewatch_common.contracts import CLEAN_ARTICLE, RAW_ARTICLE
from orewatch_common.settings import Settings
from orewatch_store.migrations_runner import upgrade_to_head

from .test_store_contract import CLEAN, RAW, rows

pytestmark = pytest.mark.slow

MAX_DELIVER = 3
RETRY_MAX_S = 1.0
ACK_WAIT_S = 2.0
OUTAGE_S = 3 * MAX_DELIVER * RETRY_MAX_S  # well past what naks could survive, and past ack_wait


def article(n: int):
    article_id, uri = f"{n:032d}", f"outage/{n}.txt"
    return (
        RAW.model_copy(update={"article_id": article_id, "source_uri": uri}),
        CLEAN.model_copy(update={"article_id": article_id, "source_uri": uri}),
    )


@pytest.fixture
def own_postgres():
    """A PostgreSQL this test may stop and start (not the session's)."""
    folder = Path(tempfile.mkdtemp(prefix="orewatch-outage-"))
    folder.chmod(0o755)
    server = PostgresServer(folder / "postgres").start()
    upgrade_to_head(Settings(_env_file=None, database_url=server.url).sqlalchemy_url())
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


async def test_a_postgres_outage_of_any_length_loses_nothing(bus, start_service, own_postgres, wait, health):
    url = own_postgres.url
    port = free_port()
    store = start_service(
        "store",
        DATABASE_URL=url,
        OREWATCH_HEALTH_PORT=str(port),
        OREWATCH_MAX_DELIVER=str(MAX_DELIVER),
        OREWATCH_RETRY_MAX_S=str(RETRY_MAX_S),
        OREWATCH_ACK_WAIT_S=str(ACK_WAIT_S),
        OREWATCH_DB_CONNECT_TIMEOUT_S="2",
    )
    before, during = [article(n) for n in range(3)], [article(n) for n in range(3, 6)]
    for raw, _ in before:
        await bus.publish(RAW_ARTICLE, raw)
    await wait(lambda: rows(url, "SELECT count(*) FROM raw_articles") == [(3,)])

    own_postgres.stop()
    for raw, clean in during:
        await bus.publish(RAW_ARTICLE, raw)
        await bus.publish(CLEAN_ARTICLE, clean)
    for _, clean in before:
        await bus.publish(CLEAN_ARTICLE, clean)
    await asyncio.sleep(OUTAGE_S)
    assert "holding it" in store.log()
    assert health(port) == (503, {"ready": False, "started": True, "nats": "up", "postgres": "down"})
    own_postgres.start()  # same port, same data

    await wait(lambda: rows(url, "SELECT count(*) FROM raw_articles") == [(6,)], timeout=30)
    await wait(lambda: rows(url, "SELECT count(*) FROM articles") == [(6,)], timeout=30)
    assert rows(url, "SELECT count(*) FROM dead_letters") == [(0,)]
    await wait(lambda: (health(port) or (0,))[0] == 200)
    for durable in ("store-raw", "store-clean"):
        info = await bus.js.consumer_info("OREWATCH", durable)
        assert (info.num_pending, info.num_ack_pending) == (0, 0)
        assert info.num_redelivered == 0, durable  # the held message was never redelivered


async def test_a_store_holding_a_message_stops_within_10_s_of_sigterm(bus, start_service, own_postgres, wait):
    """The hold is cancelled after the broker's graceful timeout; the message, never acked,
    is stored by the next store process."""
    url = own_postgres.url
    env = {"DATABASE_URL": url, "OREWATCH_ACK_WAIT_S": str(ACK_WAIT_S), "OREWATCH_DB_CONNECT_TIMEOUT_S": "2"}
    store = start_service("store", **env)
    await bus.publish(RAW_ARTICLE, RAW)
    await wait(lambda: rows(url, "SELECT count(*) FROM raw_articles") == [(1,)])
    own_postgres.stop()
    raw, _ = article(1)
    await bus.publish(RAW_ARTICLE, raw)
    await wait(lambda: "holding it" in store.log(), timeout=20)

    assert store.process is not None
    asked = time.monotonic()
    store.process.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(store.process.wait, 20)
    took = time.monotonic() - asked
    assert took < 10, f"stopped {took:.1f}s after SIGTERM"
    assert code == 0, store.log()[-3000:]

    own_postgres.start()
    start_service("store", **env)
    await wait(lambda: rows(url, "SELECT count(*) FROM raw_articles") == [(2,)], timeout=30)
    assert rows(url, "SELECT count(*) FROM dead_letters") == [(0,)]
