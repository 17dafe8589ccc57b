"""The migrations are the schema: the SQLAlchemy models must match what `alembic upgrade head` built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from orewatch_cli.servers import postgres_bin_dir
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
        "language",  # 0007: appended, the columns before it unchanged
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
    "v_article_versions": [
        "article_id",
        "processing_version",
        "current",
        "fetched_at",
        "raw_sha256",
        "extractor_version",
        "extracted_at",
        "stored_at",
        "replaced_at",
        "reprocess_started_at",
        "reprocess_selection",
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


SCHEMA_SNAPSHOT = Path(__file__).parent / "data" / "schema_head.sql"


def schema_dump(database_url: str) -> str:
    """`pg_dump --schema-only` of the database, without what varies between servers and runs
    (comments with versions, owners, pg_dump's random \\restrict key)."""
    dump = subprocess.run(
        [str(postgres_bin_dir() / "pg_dump"), "--schema-only", "--no-owner", "--dbname", database_url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    kept = [
        line
        for line in dump.splitlines()
        if line and not line.startswith(("--", "\\restrict", "\\unrestrict"))
    ]
    return "\n".join(kept) + "\n"


def test_alembic_head_builds_the_snapshot_schema(database_url):
    """Tables, columns, constraints, indexes, views and grants of `alembic upgrade head`, as
    committed in data/schema_head.sql: a refactor of a migration must not change what it builds.
    A deliberate schema change is a new migration plus a rewritten snapshot
    (`python services/store/tests/contract/test_store_schema.py DATABASE_URL`)."""
    assert schema_dump(database_url) == SCHEMA_SNAPSHOT.read_text()


if __name__ == "__main__":
    SCHEMA_SNAPSHOT.write_text(schema_dump(sys.argv[1]))
