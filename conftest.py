"""Test fixtures shared by every layer: real servers, a bus client, service processes.

The session starts its own nats-server (JetStream) and PostgreSQL on free ports,
from the same pip-installed binaries `orewatch run` uses, unless NATS_URL or
DATABASE_URL point at servers to use instead (they should be disposable: tests
delete the pipeline's stream and truncate its tables).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from orewatch_cli.credentials import nats_login, nats_secret, write_nats_config
from orewatch_cli.servers import NatsServer, PostgresServer
from orewatch_common.contracts import Contract
from orewatch_common.permissions import DbRole, NatsUser
from orewatch_common.settings import Settings, read_secret

REPO = Path(__file__).parent
SAMPLE_SEEDS = REPO / "seeds"  # the five sample articles shipped with the project
STREAM = "OREWATCH"


@pytest.fixture(scope="session")
def server_dir() -> Iterator[Path]:
    # Not under pytest's tmp_path: PostgreSQL runs as `nobody` when we are root and
    # must be able to reach its folder.
    path = Path(tempfile.mkdtemp(prefix="orewatch-test-"))
    path.chmod(0o755)
    yield path


@pytest.fixture(scope="session")
def nats_url(server_dir: Path) -> Iterator[str]:
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
        return
    server = NatsServer(server_dir / "nats").start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(server_dir: Path) -> Iterator[str]:
    """A PostgreSQL built by the Alembic migrations (alembic upgrade head)."""
    from orewatch_store.migrations_runner import upgrade_to_head

    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        server = None
    else:
        server = PostgresServer(server_dir / "postgres").start()
        url = server.url
    upgrade_to_head(Settings(database_url=url).sqlalchemy_url())
    yield Settings(database_url=url).libpq_url()
    if server:
        server.stop()


@pytest.fixture(scope="session")
def database_roles(database_url: str, server_dir: Path) -> dict[DbRole, str]:
    """DSN of each role (owner, app, reader) on the session's own PostgreSQL.

    The server runs scram only; `database_url` is the owner's. A DATABASE_URL given from
    outside has no generated roles, so tests of the roles are skipped there.
    """
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the app and reader roles exist only on the session's own PostgreSQL")
    from urllib.parse import urlsplit

    server = PostgresServer(server_dir / "postgres", port=urlsplit(database_url).port or 5432)
    return {role: server.url_for(role) for role in DbRole}


@dataclass(frozen=True)
class AuthNats:
    """A nats-server that requires the users and permissions of orewatch_common.permissions."""

    url: str  # without credentials, like settings.nats_url
    secrets: Path

    def password_file(self, user: NatsUser) -> Path:
        return self.secrets / nats_secret(user)

    def password(self, user: NatsUser) -> str:
        return read_secret(self.password_file(user))

    def service_env(self, service: str) -> dict[str, str]:
        """What a service process needs to log in as its own user (a path, never the password)."""
        return {"NATS_URL": self.url, **nats_login(service, self.secrets)}


@pytest.fixture(scope="session")
def auth_nats(server_dir: Path) -> Iterator[AuthNats]:
    """A second, authenticated nats-server (the session's `nats_url` one stays open)."""
    secrets = server_dir / "nats-auth-secrets"
    server = NatsServer(server_dir / "nats-auth", config=write_nats_config(secrets)).start()
    yield AuthNats(url=server.url, secrets=secrets)
    server.stop()


PIPELINE_TABLES = (
    "raw_articles, articles, article_removals, actors, actor_aliases, article_actors, minerals, "
    "article_minerals, statements, statement_actors, statement_minerals, dead_letters, article_versions, "
    "reprocess_runs"
)


@pytest.fixture
def empty_db(database_url: str) -> str:
    """The test database with every pipeline table emptied (schema kept)."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        connection.execute(f"TRUNCATE {PIPELINE_TABLES} CASCADE")
    return database_url


def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of one SQL query, in a short-lived connection."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params or None).fetchall()


@pytest.fixture
def run_sql() -> Callable[..., list[tuple[Any, ...]]]:
    """`run_sql(url, "SELECT ...")` on any database."""
    return query


@pytest.fixture
def sample_articles() -> list[Path]:
    """The five sample articles in the project's seeds/."""
    samples = sorted(SAMPLE_SEEDS.glob("0*.txt"))
    assert len(samples) == 5, f"expected the five sample articles in {SAMPLE_SEEDS}"
    return samples


@pytest.fixture
def sql(empty_db: str) -> Callable[..., list[tuple[Any, ...]]]:
    """`sql("SELECT ...")` on the (emptied) test database."""
    return lambda statement, *params: query(empty_db, statement, *params)


@pytest.fixture
def service_env(nats_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment of a service process under test: fast retries, its own seeds folder."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    return {
        **os.environ,
        "NATS_URL": nats_url,
        "OREWATCH_SEEDS_DIR": str(seeds),
        "OREWATCH_ACK_WAIT_S": "4",
        "OREWATCH_RETRY_BASE_S": "0.25",
        "OREWATCH_RETRY_MAX_S": "1",
        "OREWATCH_MAX_DELIVER": "4",
        "OREWATCH_LOG_LEVEL": "INFO",
        "OMP_NUM_THREADS": "1",
    }


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[BusClient]:
    """A fresh pipeline stream (old one deleted) and a client to publish and read it."""
    client = await nats.connect(nats_url)
    await _reset_pipeline(client.jetstream())
    yield BusClient(client)
    await client.drain()


@pytest.fixture
async def auth_bus(auth_nats: AuthNats) -> AsyncIterator[BusClient]:
    """`bus` on the authenticated server, as its admin user."""
    client = await nats.connect(
        auth_nats.url, user=NatsUser.ADMIN.value, password=auth_nats.password(NatsUser.ADMIN)
    )
    await _reset_pipeline(client.jetstream())
    yield BusClient(client)
    await client.drain()


async def _reset_pipeline(js: Any) -> None:
    """No stream or bucket left from an earlier test."""
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(STREAM)
    for bucket in ("orewatch_fetcher_seen", "orewatch_feed_state", "orewatch_cleaner_segments"):
        with contextlib.suppress(NotFoundError, Exception):
            await js.delete_key_value(bucket)
    with contextlib.suppress(NotFoundError, Exception):
        await js.delete_object_store("orewatch_payloads")


class BusClient:
    """Test-side JetStream client: publish contracts or raw bytes, read a subject."""

    def __init__(self, client: nats.NATS) -> None:
        self.client = client
        self.js = client.jetstream()

    async def ensure_stream(self) -> None:
        """The pipeline stream exactly as the services declare it."""
        from orewatch_common.bus import ensure_stream

        await ensure_stream(self.js, Settings(_env_file=None, stream_name=STREAM))

    async def publish(self, subject: str, message: Contract | bytes, msg_id: str | None = None) -> None:
        await self.ensure_stream()
        if isinstance(message, Contract):
            data = message.model_dump_json().encode()
            msg_id = msg_id or message.message_id()
        else:
            data = message
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        await self.js.publish(subject, data, headers=headers)

    async def read(self, subject: str, count: int, timeout: float = 30.0) -> list[bytes]:
        """The first `count` messages on the subject (from the stream's start), waiting up to timeout."""
        await self.ensure_stream()
        sub = await self.js.pull_subscribe(
            subject,
            durable=None,
            stream=STREAM,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        found: list[bytes] = []
        deadline = time.monotonic() + timeout
        try:
            while len(found) < count and time.monotonic() < deadline:
                with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):  # nats-py raises both
                    for msg in await sub.fetch(count - len(found), timeout=1):
                        found.append(await self._whole_body(msg))
                        await msg.ack()
        finally:
            await sub.unsubscribe()
        return found

    async def _whole_body(self, msg: Any) -> bytes:
        """The message's body, fetched from the object store when it was offloaded there."""
        from orewatch_common.payloads import resolve

        return await resolve(self.js, Settings(_env_file=None), msg.data, dict(msg.headers or {}))

    async def count(self, subject: str) -> int:
        """How many messages the stream holds on the subject."""
        await self.ensure_stream()
        info = await self.js.stream_info(STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))


class ServiceProcess:
    """`orewatch serve <service>` as a subprocess, as it runs in its own container."""

    def __init__(self, service: str, env: dict[str, str], log_path: Path) -> None:
        self.service = service
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orewatch_cli.main", "serve", self.service],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def start_service(service_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    started: list[ServiceProcess] = []

    def start(service: str, **env: str) -> ServiceProcess:
        process = ServiceProcess(service, {**service_env, **env}, tmp_path / f"{service}.log").start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@dataclass
class OrewatchRun:
    """`orewatch run` as a user starts it: own servers under `state`, watching `seeds`."""

    process: subprocess.Popen[bytes]
    env: dict[str, str]
    seeds: Path
    state: Path


@pytest.fixture
def orewatch_run(tmp_path: Path) -> Callable[..., OrewatchRun]:
    """`orewatch_run(*files)`: copy the files into a fresh seeds folder, then start `orewatch run`
    there (without the session's NATS_URL and DATABASE_URL, so it starts its own servers)."""

    def start(*files: Path) -> OrewatchRun:
        seeds, state = tmp_path / "seeds", tmp_path / "state"
        seeds.mkdir()
        for file in files:
            shutil.copy(file, seeds / file.name)
        env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
        env["OREWATCH_STATE_DIR"] = str(state)
        process = subprocess.Popen(
            [sys.executable, "-m", "orewatch_cli.main", "run", "--seeds", str(seeds)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        return OrewatchRun(process, env, seeds, state)

    return start


async def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll a (sync or async) condition until it is truthy; fail with the last value."""
    deadline = time.monotonic() + timeout
    value: Any = None
    while time.monotonic() < deadline:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")


@pytest.fixture
def wait() -> Callable[..., Any]:
    return wait_for


def health_status(port: int) -> tuple[int, dict[str, Any]] | None:
    """Status and JSON body of a service's GET /health/ready; None when nothing answers."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None


@pytest.fixture
def health() -> Callable[[int], tuple[int, dict[str, Any]] | None]:
    """`health(port)`: the readiness a service started with OREWATCH_HEALTH_PORT=port reports."""
    return health_status
