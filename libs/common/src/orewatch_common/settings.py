"""Settings of every service, read from the environment (and `.env`).

This is the one place that builds connection URLs: services ask for
`settings.nats_url` or `settings.sqlalchemy_url()` and never assemble one themselves.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orewatch_common.logs import LogFormat


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OREWATCH_", env_file=".env", extra="ignore")

    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        validation_alias=AliasChoices("NATS_URL", "OREWATCH_NATS_URL"),
        description="NATS server with JetStream enabled; a cluster's nodes comma-separated.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "OREWATCH_DATABASE_URL"),
        description="PostgreSQL URL; when unset it is built from the POSTGRES_* variables.",
    )
    nats_reconnect_wait_s: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between attempts to reach NATS again; the attempts never stop, "
        "so an outage of any length ends with the service reconnected.",
    )
    postgres_host: str = Field(
        default="127.0.0.1",
        validation_alias="POSTGRES_HOST",
        description="PostgreSQL host, when DATABASE_URL is unset.",
    )
    postgres_port: int = Field(
        default=5432,
        validation_alias="POSTGRES_PORT",
        description="PostgreSQL port, when DATABASE_URL is unset.",
    )
    postgres_user: str = Field(
        default="orewatch",
        validation_alias="POSTGRES_USER",
        description="Database role, when DATABASE_URL is unset: `orewatch_app` for the store, "
        "`orewatch` (the owner) for migrations, `orewatch_reader` for analysts.",
    )
    postgres_password: str = Field(
        default="",
        validation_alias="POSTGRES_PASSWORD",
        description="Its password; prefer POSTGRES_PASSWORD_FILE, which wins over it.",
    )
    postgres_db: str = Field(
        default="orewatch",
        validation_alias="POSTGRES_DB",
        description="Database name, when DATABASE_URL is unset.",
    )
    postgres_password_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("POSTGRES_PASSWORD_FILE", "OREWATCH_POSTGRES_PASSWORD_FILE"),
        description="File holding the database password (a compose secret); wins over POSTGRES_PASSWORD "
        "and over a password in DATABASE_URL.",
    )
    nats_user: str | None = Field(
        default=None,
        description="This service's NATS user (`fetcher`, `cleaner`, `extractor`, `store`, `admin`: "
        "least privilege); unset: no login.",
    )
    nats_password: str | None = Field(default=None, description="Password of `nats_user`.")
    nats_password_file: Path | None = Field(
        default=None,
        description="File holding the NATS password (a compose secret); wins over `nats_password`. "
        "NATS_URL never holds credentials.",
    )

    seeds_dir: Path = Field(default=Path("seeds"), description="Folder the fetcher watches.")
    state_dir: Path = Field(
        default=Path(".orewatch"), description="Where `orewatch run` keeps its NATS and Postgres data."
    )
    payload_hard_limit_bytes: int = Field(
        default=50_000_000,
        description="Larger seeds files (50 MB) get a dead letter (PayloadTooLarge) without being read.",
    )
    inline_payload_max_bytes: int = Field(
        default=262_144,
        description="Larger message bodies (256 KiB) travel through the object store `payload_bucket`, "
        "with a reference in the message.",
    )
    payload_bucket: str = Field(
        default="orewatch_payloads", description="JetStream object store bucket of offloaded bodies."
    )

    feeds: str = Field(
        default="",
        description="RSS/Atom feed URLs, comma-separated; `url|60` or `url|5m` sets that feed's interval.",
    )
    feeds_file: Path | None = Field(
        default=None,
        description="A feeds.txt: one URL a line (`url|interval` too), # comments; read when the "
        "fetcher starts (restart it after an edit). Compose mounts compose/feeds.txt by default.",
    )
    feed_interval_s: float = Field(default=300.0, description="Default polling interval of a feed.")
    allow_private_urls: bool = Field(
        default=False,
        description="`true` allows feeds and pages on private or loopback addresses (local feeds, tests).",
    )
    http_timeout_s: float = Field(
        default=20.0, gt=0, description="Seconds a feed or page download may take before it is retried."
    )
    http_max_bytes: int = Field(default=5_000_000, description="Larger feeds and pages (5 MB) are refused.")
    user_agent: str = Field(
        default="orewatch/0.1 (+https://github.com/orewatch)",
        description="User-Agent of every download; its product token (before the `/`) is the "
        "robots.txt group the fetcher obeys.",
    )
    fetch_delay_s: float = Field(
        default=1.0, description="Pause between two page downloads from the same host (politeness)."
    )
    feed_max_attempts: int = Field(
        default=5, description="Failed page downloads of a feed entry before its summary is published."
    )
    feed_retry_delay_s: float = Field(
        default=60.0, description="Delay before a failed page download is retried (doubles each time)."
    )
    seeds_quiet_s: float = Field(
        default=0.5, description="A seeds file must stay unchanged this long before it is read."
    )
    seeds_rescan_s: float = Field(
        default=300.0,
        description="Full rescan of seeds/ (catches events a bind mount never delivers); "
        "WATCHFILES_FORCE_POLLING=1 polls instead of inotify.",
    )

    stream_name: str = Field(
        default="OREWATCH",
        description="JetStream stream of all pipeline subjects "
        "(its max-deliveries advisories: `<name>_ADVISORIES`).",
    )
    stream_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Copies JetStream keeps of the stream, key-value buckets and object store: "
        "1 on one server, 3 in a three-node cluster (a node can then fail without losing data).",
    )
    duplicate_window_s: float = Field(
        default=2 * 3600.0, description="JetStream dedup window for Nats-Msg-Id."
    )
    stream_max_age_s: float = Field(
        default=7 * 24 * 3600.0,
        ge=0,
        description="Seconds JetStream keeps a message of each stream, consumed or not (0: forever): "
        "longer than any outage of the store it should ride out. Applied to existing streams on start.",
    )
    stream_max_bytes: int = Field(
        default=5 * 1024**3,
        ge=0,
        description="Bytes each stream may hold (0: no limit); past it the oldest messages are dropped, "
        "so it bounds the disk, not the backlog. Applied to existing streams on start.",
    )
    ack_wait_s: float = Field(default=60.0, description="Redelivery after this long without an ack.")
    max_deliver: int = Field(default=6, description="Deliveries before a message is dead-lettered.")
    retry_base_s: float = Field(
        default=1.0, gt=0, description="Nak delay after the first failed delivery; it doubles each time."
    )
    retry_max_s: float = Field(default=60.0, gt=0, description="Cap of the nak delay (before jitter).")
    db_connect_timeout_s: float = Field(
        default=10, gt=0, description="Seconds to open a database connection."
    )
    db_statement_timeout_s: float = Field(
        default=30, gt=0, description="A database statement running longer is cancelled (and retried)."
    )
    db_pool_timeout_s: float = Field(
        default=10, gt=0, description="Seconds to wait for a free connection of the store's pool."
    )
    health_port: int | None = Field(
        default=None,
        description="Serve GET /health/live and /health/ready (200, or 503 while NATS or, for the "
        "store, PostgreSQL is unreachable) and GET /metrics (Prometheus text) on this port; none when "
        "unset. Compose: 8080 in each container.",
    )
    health_host: str = Field(
        default="0.0.0.0",
        description="Address the health and metrics server listens on: every interface in a "
        "container (Prometheus scrapes it across the compose network); `orewatch run` sets "
        "127.0.0.1, so on a workstation the endpoints are not reachable from the network.",
    )

    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR, for every logger.")
    log_format: LogFormat = Field(
        default=LogFormat.AUTO,
        description="`json`: one JSON object a line (compose's default); `text`: the readable layout; "
        "`auto`: text when stderr is a terminal, else JSON.",
    )

    @model_validator(mode="after")
    def _dedup_within_retention(self) -> Settings:
        """JetStream refuses a dedup window longer than the messages are kept."""
        if self.stream_max_age_s and self.duplicate_window_s > self.stream_max_age_s:
            raise ValueError(
                f"duplicate_window_s ({self.duplicate_window_s}) exceeds "
                f"stream_max_age_s ({self.stream_max_age_s})"
            )
        return self

    def nats_servers(self) -> list[str]:
        """The NATS servers to try, in order: `nats_url` may list a cluster's nodes, comma-separated."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    def nats_credentials(self) -> tuple[str, str] | None:
        """(user, password) for NATS, or None for an open server; kept out of `nats_url` and logs."""
        if not self.nats_user:
            return None
        password = read_secret(self.nats_password_file) if self.nats_password_file else self.nats_password
        return self.nats_user, password or ""

    def sqlalchemy_url(self) -> str:
        """Database URL for SQLAlchemy and Alembic (psycopg 3 driver).

        libpq lists a replicated cluster's hosts in the authority (`db1:5432,db2:5432`);
        SQLAlchemy reads those as `?host=` parameters instead.
        """
        return _with_scheme(_hosts_as_parameters(self.libpq_url()), "postgresql+psycopg")

    def libpq_url(self) -> str:
        """Database URL in the plain `postgresql://` form that psql understands."""
        secret = read_secret(self.postgres_password_file) if self.postgres_password_file else None
        if self.database_url:
            url = _with_scheme(self.database_url, "postgresql")
            return _with_password(url, secret) if secret is not None else url
        plain = secret if secret is not None else self.postgres_password
        password = f":{quote(plain, safe='')}" if plain else ""
        user = quote(self.postgres_user, safe="")
        return f"postgresql://{user}{password}@{self.postgres_host}:{self.postgres_port}/{self.postgres_db}"


def _hosts_as_parameters(url: str) -> str:
    """`postgresql://u@h1:1,h2:2/db?x=y` as `postgresql://u@/db?host=h1:1&host=h2:2&x=y`."""
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return url
    listed = "&".join(f"host={host}" for host in hosts.split(",") if host)
    query = f"{listed}&{parts.query}" if parts.query else listed
    netloc = f"{credentials}@" if credentials else ""
    return f"{parts.scheme}://{netloc}{parts.path}?{query}"


def _with_scheme(url: str, scheme: str) -> str:
    """The URL with another scheme, the rest as written (urlunsplit would drop an empty authority)."""
    return f"{scheme}:{url.partition(':')[2]}"


def _with_password(url: str, password: str) -> str:
    """The URL with its password replaced (a `_FILE` secret wins over one written in the URL)."""
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]  # still percent-encoded, as written
    return urlunsplit((parts.scheme, f"{user}:{quote(password, safe='')}@{host}", *parts[2:]))


def read_secret(path: Path) -> str:
    """A password file's content without its trailing newline (what `echo` or an editor adds).

    The one reader of secret files: services and the config they log in against (the CLI's
    nats-server.conf) must read a password the same way."""
    return path.read_text(encoding="utf-8").rstrip("\r\n")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return Settings()
