"""public views for analysts: v_articles, v_statements, v_actor_minerals

Users query these directly, so their columns are a public interface: change them
only in a new migration, and say so in the README.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

V_ARTICLES = """
CREATE VIEW v_articles AS
SELECT a.article_id,
       a.source_name AS source,
       coalesce(a.url, a.source_uri) AS url,
       a.title,
       a.published_at,
       a.author,
       a.fetched_at,
       (SELECT count(*) FROM statements s WHERE s.article_id = a.article_id) AS statements
FROM articles a
"""

V_STATEMENTS = """
CREATE VIEW v_statements AS
SELECT s.statement_id,
       s.article_id,
       a.published_at,
       a.title,
       sp.name AS speaker,
       sp.type AS speaker_type,
       s.text,
       coalesce((SELECT array_agg(ac.name ORDER BY ac.name)
                 FROM statement_actors sa JOIN actors ac ON ac.actor_id = sa.actor_id
                 WHERE sa.statement_id = s.statement_id), '{}') AS actors,
       coalesce((SELECT array_agg(m.name ORDER BY m.name)
                 FROM statement_minerals sm JOIN minerals m ON m.key = sm.mineral_key
                 WHERE sm.statement_id = s.statement_id), '{}') AS minerals
FROM statements s
JOIN articles a ON a.article_id = s.article_id
LEFT JOIN actors sp ON sp.actor_id = s.speaker_actor_id
"""

V_ACTOR_MINERALS = """
CREATE VIEW v_actor_minerals AS
WITH statement_actor AS (
    SELECT statement_id, actor_id FROM statement_actors
    UNION
    SELECT statement_id, speaker_actor_id FROM statements WHERE speaker_actor_id IS NOT NULL
)
SELECT ac.name AS actor,
       ac.type AS actor_type,
       m.name AS mineral,
       m.category,
       count(DISTINCT s.statement_id) AS statements,
       count(DISTINCT s.article_id) AS articles,
       min(coalesce(a.published_at, a.fetched_at)) AS first_seen,
       max(coalesce(a.published_at, a.fetched_at)) AS last_seen
FROM statement_actor sa
JOIN statements s ON s.statement_id = sa.statement_id
JOIN articles a ON a.article_id = s.article_id
JOIN actors ac ON ac.actor_id = sa.actor_id
JOIN statement_minerals sm ON sm.statement_id = s.statement_id
JOIN minerals m ON m.key = sm.mineral_key
GROUP BY ac.name, ac.type, m.name, m.category
"""


def upgrade() -> None:
    op.execute(V_ARTICLES)
    op.execute(V_STATEMENTS)
    op.execute(V_ACTOR_MINERALS)
    op.execute("COMMENT ON VIEW v_articles IS 'One row per article; statements = its statement count.'")
    op.execute("COMMENT ON VIEW v_statements IS 'One row per statement, with speaker, actors and minerals.'")
    op.execute(
        "COMMENT ON VIEW v_actor_minerals IS "
        "'An actor (named or speaking) and a mineral in the same statement, aggregated.'"
    )


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_actor_minerals")
    op.execute("DROP VIEW IF EXISTS v_statements")
    op.execute("DROP VIEW IF EXISTS v_articles")
