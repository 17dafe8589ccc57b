"""article language: the cleaner's ISO 639-1 code of the article, shown in v_articles

clean.article version 2 carries `language` ("ru", "uk", "be", "kk", "en" or "unknown");
the extractor reads only Russian, so an article in another language is stored with no
statements, and analysts filter on `v_articles.language`. NULL for rows stored before
this revision and for version 1 messages, which predate detection (read as Russian).

v_articles gains the column at its end (CREATE OR REPLACE VIEW may only append), so its
other columns, its comment and the reader role's grant stay as they were.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_V_ARTICLES = """
CREATE OR REPLACE VIEW v_articles AS
SELECT a.article_id,
       a.source_name AS source,
       coalesce(a.url, a.source_uri) AS url,
       a.title,
       a.published_at,
       a.author,
       a.fetched_at,
       (SELECT count(*) FROM statements s WHERE s.article_id = a.article_id) AS statements{language}
FROM articles a
"""
_COMMENT = "COMMENT ON VIEW v_articles IS '{}'"


def upgrade() -> None:
    op.add_column("articles", sa.Column("language", sa.Text(), nullable=True))
    op.execute(_V_ARTICLES.format(language=",\n       a.language"))
    op.execute(
        _COMMENT.format(
            "One row per article; statements = its statement count; language = ISO 639-1 code "
            "(unknown: too short to tell; null: stored before detection)."
        )
    )


def downgrade() -> None:
    # A view's columns cannot be dropped by CREATE OR REPLACE: rebuild it as 0002 made it.
    op.execute("DROP VIEW v_articles")
    op.execute(_V_ARTICLES.format(language=""))
    op.execute(_COMMENT.format("One row per article; statements = its statement count."))
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orewatch_reader') THEN "
        "GRANT SELECT ON v_articles TO orewatch_reader; END IF; END $$;"
    )
    op.drop_column("articles", "language")
