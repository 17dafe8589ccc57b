"""The store's engine carries its timeouts to PostgreSQL: a runaway statement is cancelled,
and that is a transient failure (retried, counted), not a dependency outage."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from orewatch_common.failures import Failure, classify
from orewatch_common.settings import Settings
from orewatch_store.app import connect_args, create_engine
from sqlalchemy import text

pytestmark = pytest.mark.slow


@pytest.fixture
async def engine(database_url):
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        db_statement_timeout_s=0.5,
        db_connect_timeout_s=3,
        db_pool_timeout_s=1.5,
    )
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


async def test_the_timeouts_reach_the_session_and_the_pool(engine):
    async with engine.connect() as connection:
        assert (await connection.execute(text("SHOW statement_timeout"))).scalar() == "500ms"
        raw = await connection.get_raw_connection()
        assert raw.driver_connection.info.get_parameters()["connect_timeout"] == "3"
    assert engine.pool.timeout() == 1.5


async def test_a_statement_longer_than_the_timeout_fails_and_is_transient(engine):
    with pytest.raises(sqlalchemy.exc.OperationalError) as caught:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_sleep(2)"))
    assert type(caught.value.orig).__name__ == "QueryCanceled"
    assert classify(caught.value) is Failure.TRANSIENT


async def test_a_short_statement_passes(engine):
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT pg_sleep(0.1), 1"))).all() == [("", 1)]


@pytest.mark.parametrize(
    ("connect", "statement", "expected"),
    [
        (0.4, 30, {"connect_timeout": 2, "options": "-c statement_timeout=30000"}),  # libpq's minimum
        (2.5, 0.25, {"connect_timeout": 3, "options": "-c statement_timeout=250"}),  # whole seconds
        (10, 0.0001, {"connect_timeout": 10, "options": "-c statement_timeout=1"}),  # never 0 (= off)
    ],
)
def test_connect_args_of_the_settings(connect, statement, expected):
    settings = Settings(_env_file=None, db_connect_timeout_s=connect, db_statement_timeout_s=statement)
    assert connect_args(settings) == expected
