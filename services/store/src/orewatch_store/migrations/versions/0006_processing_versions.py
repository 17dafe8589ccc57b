"""processing versions: which run of the cleaner and extractor made an article's rows, and the earlier ones

`orewatch reprocess` sends stored raw articles through the pipeline again under a new
processing version, one row of `reprocess_runs` (its identity is the version, so versions only
grow). `articles.processing_version` names the version its rows are of (0: as first processed);
the store replaces them only with a newer one. `article_versions` keeps every version an
article had: its raw content, its extractor, when its rows were stored and when a newer
version replaced them (NULL: the current one). Existing articles get their version-0 row.

`v_article_versions` is the readers' view of that history; the other views are unchanged.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP_ROLE = "orewatch_app"
READER_ROLE = "orewatch_reader"

# the store writes article_versions; `orewatch reprocess` (as the app role) starts a run
APP_GRANTS = {
    "article_versions": "SELECT, INSERT, UPDATE",
    "reprocess_runs": "SELECT, INSERT",
}
RUN_SEQUENCE = "reprocess_runs_processing_version_seq"

V_ARTICLE_VERSIONS = """
CREATE VIEW v_article_versions AS
SELECT v.article_id,
       v.processing_version,
       v.replaced_at IS NULL AS current,
       v.fetched_at,
       v.raw_sha256,
       v.extractor_version,
       v.extracted_at,
       v.stored_at,
       v.replaced_at,
       r.started_at AS reprocess_started_at,
       r.selection AS reprocess_selection
FROM article_versions v
LEFT JOIN reprocess_runs r ON r.processing_version = v.processing_version
"""

BACKFILL = """
INSERT INTO article_versions
    (article_id, fetched_at, processing_version, raw_sha256, extractor_version, extracted_at, stored_at)
SELECT article_id, fetched_at, 0, raw_sha256, extractor_version, extracted_at, stored_at FROM articles
"""


def _if_role_exists(role: str, statements: list[str]) -> str:
    """One DO block: the statements run only where the bootstrap made the role (as in 0004)."""
    body = "\n".join("    EXECUTE '" + statement.replace("'", "''") + "';" for statement in statements)
    check = f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"
    return f"DO $$\nBEGIN\n  IF EXISTS ({check}) THEN\n{body}\n  END IF;\nEND\n$$;"


def _create_tables() -> None:
    op.create_table(
        "reprocess_runs",
        sa.Column("processing_version", sa.Integer(), sa.Identity(always=True, start=1), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("selection", sa.Text(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("processing_version"),
    )
    op.create_table(
        "article_versions",
        sa.Column("article_id", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processing_version", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.Text(), nullable=False),
        sa.Column("extractor_version", sa.Text(), nullable=True),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "fetched_at", "processing_version"),
    )
    op.create_index(
        "ix_article_versions_processing_version", "article_versions", ["processing_version", "article_id"]
    )


def upgrade() -> None:
    op.add_column(
        "articles",
        sa.Column("processing_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    _create_tables()
    op.execute(BACKFILL)
    op.execute(V_ARTICLE_VERSIONS)
    op.execute(
        "COMMENT ON VIEW v_article_versions IS 'Every processing version of each article; "
        "current = the one its rows are of.'"
    )
    app = [f"GRANT {privileges} ON {table} TO {APP_ROLE}" for table, privileges in APP_GRANTS.items()]
    app.append(f"GRANT USAGE ON SEQUENCE {RUN_SEQUENCE} TO {APP_ROLE}")
    op.execute(_if_role_exists(APP_ROLE, app))
    op.execute(_if_role_exists(READER_ROLE, [f"GRANT SELECT ON v_article_versions TO {READER_ROLE}"]))


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_article_versions")
    op.drop_index("ix_article_versions_processing_version", table_name="article_versions")
    op.drop_table("article_versions")
    op.drop_table("reprocess_runs")
    op.drop_column("articles", "processing_version")
