"""least privilege: the app role gets the store's DML, the reader role SELECT on the public views

The roles themselves are made by the bootstrap (`orewatch run`'s PostgresServer, the compose
init script), with passwords from generated files; this migration, run by the owner, only
grants. A database without them (a bare test server, a managed Postgres set up otherwise)
is left as it is, so the grants are skipped for a role that does not exist.

A new table or view needs its own grant in the migration that creates it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "orewatch_app"
READER_ROLE = "orewatch_reader"

# What the store does to each table (orewatch_store.repository): SELECT for the upserts'
# conflict checks and the deletes' WHERE; DELETE only where an article's rows are replaced
# (their children go by ON DELETE CASCADE, which runs with the owner's rights).
APP_GRANTS = {
    "raw_articles": "SELECT, INSERT, UPDATE",
    "articles": "SELECT, INSERT, UPDATE",
    "article_removals": "SELECT, INSERT, DELETE",
    "actors": "SELECT, INSERT, UPDATE",
    "actor_aliases": "SELECT, INSERT",
    "article_actors": "SELECT, INSERT, DELETE",
    "minerals": "SELECT, INSERT, UPDATE",
    "article_minerals": "SELECT, INSERT, DELETE",
    "statements": "SELECT, INSERT, DELETE",
    "statement_actors": "SELECT, INSERT",
    "statement_minerals": "SELECT, INSERT",
    "dead_letters": "SELECT, INSERT, UPDATE",
}
READER_VIEWS = ("v_articles", "v_statements", "v_actor_minerals")


def _if_role_exists(role: str, statements: list[str]) -> str:
    """One DO block: the statements run only where the bootstrap made the role."""
    body = "\n".join(f"    EXECUTE {_quote(statement)};" for statement in statements)
    check = f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"
    return f"DO $$\nBEGIN\n  IF EXISTS ({check}) THEN\n{body}\n  END IF;\nEND\n$$;"


def _quote(statement: str) -> str:
    return "'" + statement.replace("'", "''") + "'"


def upgrade() -> None:
    # Before PostgreSQL 15 every role could create tables in public.
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    app = [f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}"]
    app += [f"GRANT {privileges} ON {table} TO {APP_ROLE}" for table, privileges in APP_GRANTS.items()]
    app.append(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(_if_role_exists(APP_ROLE, app))
    reader = [f"GRANT USAGE ON SCHEMA public TO {READER_ROLE}"]
    reader += [f"GRANT SELECT ON {view} TO {READER_ROLE}" for view in READER_VIEWS]
    op.execute(_if_role_exists(READER_ROLE, reader))


def downgrade() -> None:
    app = [f"REVOKE ALL ON {table} FROM {APP_ROLE}" for table in APP_GRANTS]
    app += [
        f"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}",
        f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}",
    ]
    op.execute(_if_role_exists(APP_ROLE, app))
    reader = [f"REVOKE SELECT ON {view} FROM {READER_ROLE}" for view in READER_VIEWS]
    reader.append(f"REVOKE USAGE ON SCHEMA public FROM {READER_ROLE}")
    op.execute(_if_role_exists(READER_ROLE, reader))
