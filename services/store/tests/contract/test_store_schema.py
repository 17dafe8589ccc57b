"""The migrations are the schema: the SQLAlchemy models must match what `alembic upgrade head` built."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from orewatch_common.settings import Settings
from orewatch_store.models import Base
from sqlalchemy import create_engine, inspect

pytestmark = pytest.mark.slow

PUBLIC_VIEWS = {
    "v_articles": [
        "article_id",
        "source",
        "url",
        "title",
        "published_at",
        "author",
        "fetched_at",
        "statements",
    ],
    "v_statements": [
        "statement_id",
        "article_id",
        "published_at",
        "title",
        "speaker",
        "speaker_type",
        "text",
        "actors",
        "minerals",
    ],
    "v_actor_minerals": [
        "actor",
        "actor_type",
        "mineral",
        "category",
        "statements",
        "articles",
        "first_seen",
        "last_seen",
    ],
}


@pytest.fixture
def engine(database_url):
    engine = create_engine(Settings(database_url=database_url).sqlalchemy_url())
    yield engine
    engine.dispose()


def test_models_match_migrations(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@pytest.mark.parametrize(("view", "columns"), PUBLIC_VIEWS.items())
def test_public_views_have_the_documented_columns(engine, view, columns):
    assert [column["name"] for column in inspect(engine).get_columns(view)] == columns
