"""Apply the Alembic migrations programmatically (what `alembic upgrade head` does)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(sqlalchemy_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url.replace("%", "%%"))
    return config


def upgrade_to_head(sqlalchemy_url: str) -> None:
    command.upgrade(alembic_config(sqlalchemy_url), "head")


if __name__ == "__main__":
    # `python -m orewatch_store.migrations_runner`: the compose `migrate` job.
    from orewatch_common.logs import configure_logging
    from orewatch_common.settings import get_settings

    settings = get_settings()
    configure_logging("migrate", settings.log_level, settings.log_format)
    upgrade_to_head(settings.sqlalchemy_url())
