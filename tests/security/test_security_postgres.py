"""Three PostgreSQL roles: the owner migrates, the app (the store) writes rows, the reader reads views.

On the session's own PostgreSQL (scram only, roles made by PostgresServer, grants by
migration 0004). The app role stores real messages through the store's repository; the
rest shows what each role is refused.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from orewatch_cli.servers import POSTGRES_USER, PostgresServer, _give_to_postgres_user
from orewatch_common.contracts import DeadLetter
from orewatch_common.permissions import DbRole
from orewatch_common.settings import Settings
from orewatch_store.repository import store_dead_letter, store_raw_article
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from tests.support.factories import make_raw_article

pytestmark = pytest.mark.slow

RAW = make_raw_article(
    "Заголовок\n\nТекст.",
    article_id="f" * 32,
    source_uri="security/app-role.txt",
    fetched_at=datetime(2026, 12, 4, tzinfo=UTC),
    content_sha256="2" * 64,
)
LETTER = DeadLetter(
    service="store",
    subject="raw.article",
    source_uri="security/app-role.txt",
    reason="probe",
    payload="{}",
    payload_size=2,
    deliveries=1,
    failed_at=datetime(2026, 12, 4, tzinfo=UTC),
)


def _run(url: str, statement: str) -> None:
    """One statement in a transaction that is rolled back (nothing stays)."""
    with psycopg.connect(url) as conn:
        conn.execute(statement)
        conn.rollback()


# Hand-written: (role, statement, allowed?)
CASES = [
    (DbRole.APP, "INSERT INTO minerals (key, name, category) VALUES ('probe', 'probe', 'probe')", True),
    (DbRole.APP, "SELECT count(*) FROM raw_articles", True),
    (DbRole.APP, "DELETE FROM statements WHERE article_id = 'none'", True),
    (DbRole.APP, "CREATE TABLE intruder (id int)", False),
    (DbRole.APP, "DROP TABLE statements", False),
    (DbRole.APP, "TRUNCATE raw_articles", False),
    (DbRole.APP, "DELETE FROM raw_articles", False),
    (DbRole.APP, "ALTER TABLE articles ADD COLUMN intruder int", False),
    (DbRole.APP, "UPDATE alembic_version SET version_num = 'x'", False),
    (DbRole.APP, "CREATE ROLE intruder", False),
    (DbRole.READER, "SELECT * FROM v_articles", True),
    (DbRole.READER, "SELECT * FROM v_statements", True),
    (DbRole.READER, "SELECT * FROM v_actor_minerals", True),
    (DbRole.READER, "SELECT * FROM raw_articles", False),
    (DbRole.READER, "SELECT * FROM dead_letters", False),
    (DbRole.READER, "INSERT INTO dead_letters (service, reason) VALUES ('x', 'y')", False),
    (DbRole.READER, "CREATE TABLE intruder (id int)", False),
    (DbRole.READER, "CREATE VIEW intruder AS SELECT 1", False),
]


@pytest.mark.parametrize(
    ("role", "statement", "allowed"),
    [pytest.param(role, sql, allowed, id=f"{role}: {sql}") for role, sql, allowed in CASES],
)
def test_each_role_may_do_its_own_work_and_nothing_else(
    database_roles: dict[DbRole, str], role: DbRole, statement: str, allowed: bool
) -> None:
    if allowed:
        _run(database_roles[role], statement)
    else:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _run(database_roles[role], statement)


async def test_the_app_role_stores_what_the_store_stores(
    database_roles: dict[DbRole, str], sql: object
) -> None:
    """The store's own statements (upserts included, twice: a redelivery) run as the app role."""
    engine = create_async_engine(Settings(database_url=database_roles[DbRole.APP]).sqlalchemy_url())
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        for _ in range(2):
            async with sessions.begin() as session:
                await store_raw_article(session, RAW)
                await store_dead_letter(session, LETTER)
    finally:
        await engine.dispose()
    with psycopg.connect(database_roles[DbRole.OWNER]) as conn:
        rows = conn.execute("SELECT source_uri FROM raw_articles").fetchall()
        assert rows == [("security/app-role.txt",)]


def _with_password(url: str, password: str | None) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    netloc = f"{user}:{password}@{host}" if password is not None else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


@pytest.mark.parametrize("role", list(DbRole))
@pytest.mark.parametrize("password", ["wrong-password", None], ids=["wrong-password", "no-password"])
def test_no_role_gets_in_without_its_password(
    database_roles: dict[DbRole, str], role: DbRole, password: str | None
) -> None:
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_with_password(database_roles[role], password)).close()


def test_a_service_s_password_is_no_key_to_another_role(database_roles: dict[DbRole, str]) -> None:
    app_password = urlsplit(database_roles[DbRole.APP]).password
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_with_password(database_roles[DbRole.OWNER], app_password)).close()


def test_pg_hba_has_scram_only_and_no_trust(database_roles: dict[DbRole, str]) -> None:
    with psycopg.connect(database_roles[DbRole.OWNER]) as conn:
        rules = conn.execute("SELECT type, auth_method FROM pg_hba_file_rules").fetchall()
        stored = conn.execute("SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin").fetchall()
    assert rules and {method for _, method in rules} == {"scram-sha-256"}
    assert {kind for kind, _ in rules} == {"host"}, "TCP on loopback only, no unix socket rules"
    assert {name for name, _ in stored} == {"orewatch", "orewatch_app", "orewatch_reader"}
    assert all(password.startswith("SCRAM-SHA-256$") for _, password in stored)


def test_only_the_owner_is_superuser(database_roles: dict[DbRole, str]) -> None:
    with psycopg.connect(database_roles[DbRole.OWNER]) as conn:
        roles = conn.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolcanlogin ORDER BY 1"
        ).fetchall()
    assert roles == [
        ("orewatch", True, True, True),
        ("orewatch_app", False, False, False),
        ("orewatch_reader", False, False, False),
    ]


def test_password_files_are_private(server_dir: Path, database_roles: dict[DbRole, str]) -> None:
    secrets = server_dir / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    files = sorted(secrets.iterdir())
    assert [p.name for p in files if p.name.startswith("postgres-")] == [
        "postgres-app",
        "postgres-owner",
        "postgres-reader",
    ]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}


def test_a_trust_cluster_of_an_older_orewatch_is_moved_to_scram(tmp_path: Path) -> None:
    """`.orewatch/postgres` made before the roles: its owner gets the generated password, trust goes."""
    root = Path(tempfile.mkdtemp(prefix="orewatch-legacy-"))  # PostgreSQL runs as nobody: not tmp_path
    root.chmod(0o755)
    server = PostgresServer(root / "postgres")
    server.data_dir.mkdir(parents=True)
    _give_to_postgres_user(server.data_dir)
    server._run("initdb", "-D", str(server.pgdata), "-U", POSTGRES_USER, "--auth=trust", "-E", "UTF8")
    try:
        server.start()
        with psycopg.connect(server.url) as conn:
            methods = {m for (m,) in conn.execute("SELECT auth_method FROM pg_hba_file_rules")}
        assert methods == {"scram-sha-256"}
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(server.url_for(DbRole.OWNER, with_password=False)).close()
        with psycopg.connect(server.url_for(DbRole.READER)) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("orewatch_reader",)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
