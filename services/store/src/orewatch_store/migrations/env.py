"""Alembic environment: the database URL comes from orewatch settings (or -x url=...)."""

from __future__ import annotations

from alembic import context
from orewatch_common.settings import get_settings
from orewatch_store.models import Base
from sqlalchemy import create_engine, pool

target_metadata = Base.metadata


def _url() -> str:
    configured = context.config.get_main_option("sqlalchemy.url")
    return (
        context.get_x_argument(as_dictionary=True).get("url") or configured or get_settings().sqlalchemy_url()
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
