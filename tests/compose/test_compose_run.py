"""Each container's command, run here against the test session's NATS and PostgreSQL.

What a container would run is taken from the files themselves: the compose `command`
or else the image's CMD, the compose `environment` plus the image's ENV, the
fetcher's seeds bind mount and each service's secrets. Only the server addresses are
swapped for the test servers' (compose's `nats` / `postgres` hosts do not exist here),
the secret files for the test servers' password files (same names: the NATS server
requires the users of orewatch_common.permissions, PostgreSQL its three roles), and
`python` is this venv's. The working directory is empty, like the image's /app: no
.env is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from containerfiles import (
    REPO,
    SECRETS_TARGET,
    Stage,
    config_files,
    environment_of,
    image_of,
    secret_files,
    volume_mounts,
)
from nats.js.errors import NotFoundError
from orewatch_common.contracts import RAW_ARTICLE

from tests.support.metrics import values

pytestmark = pytest.mark.slow

STREAM = "OREWATCH"
STOP_GRACE_S = 10  # `docker compose stop` sends SIGKILL after this
# Hand-written: what each service creates on the bus once it is up.
DURABLES = {
    "fetcher": (),
    "cleaner": ("cleaner",),
    "extractor": ("extractor",),
    "store": ("store-raw", "store-clean", "store-extracted", "store-dead-letters"),
}
KV_BUCKETS = {"fetcher": ("orewatch_fetcher_seen",)}
PENDING = "orewatch_consumer_pending_messages"


def container_command(svc: str, compose: dict[str, Any], dockerfiles: dict[str, list[Stage]]) -> list[str]:
    service = compose["services"][svc]
    command = service.get("command") or dockerfiles[image_of(service)][-1].all("CMD")[-1].args
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def local_environment(
    svc: str,
    compose: dict[str, Any],
    dockerfiles: dict[str, list[Stage]],
    *,
    nats_url: str,
    database_url: str,
    mounts: dict[str, Path],
    secrets: Path,
) -> dict[str, str]:
    """The container's environment, with compose's server hosts mapped onto the test servers
    and each mounted secret onto the file of that name in `secrets`, each config onto the
    file compose reads it from, and the health port onto a free one (it is the container's own)."""
    service = compose["services"][svc]
    image_env = {k: v for k, v in dockerfiles[image_of(service)][-1].env().items() if k != "PATH"}
    env = {**image_env, **environment_of(service)}
    if "NATS_URL" in env:
        assert urlsplit(env["NATS_URL"]).hostname == "nats"
        env["NATS_URL"] = nats_url
    if "POSTGRES_HOST" in env:
        assert env["POSTGRES_HOST"] == "postgres"
        db = urlsplit(database_url)
        env |= {
            "POSTGRES_HOST": db.hostname or "",
            "POSTGRES_PORT": str(db.port or 5432),
            "POSTGRES_DB": db.path.lstrip("/"),
        }
    if "OREWATCH_HEALTH_PORT" in env:
        env["OREWATCH_HEALTH_PORT"] = str(free_port())
    mounted = secret_files(compose, service)
    configs = config_files(service)
    for name, value in env.items():
        if value in configs:
            env[name] = str(REPO / compose["configs"][configs[value]]["file"])
        elif value in mounts:
            env[name] = str(mounts[value])
        elif value.startswith(SECRETS_TARGET):
            env[name] = str(secrets / Path(mounted[value]).name)
    return {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthcheck(svc: str, compose: dict[str, Any], env: dict[str, str]) -> int:
    """Exit code of the service's compose healthcheck, run in the container's environment."""
    kind, *command = compose["services"][svc]["healthcheck"]["test"]
    assert kind == "CMD" and command[0] == "python"
    done = subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30)
    return done.returncode


def first_metrics(port: int) -> str:
    """GET /metrics of a running service, on its health port."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode())


class Container:
    """One service process, started the way its container would be."""

    def __init__(self, command: list[str], env: dict[str, str], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir.parent / f"{workdir.name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, env={**env, "HOME": str(workdir)}, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait()


@pytest.fixture
def run_container(tmp_path: Path) -> Iterator[Callable[[list[str], dict[str, str], str], Container]]:
    started: list[Container] = []

    def run(command: list[str], env: dict[str, str], name: str) -> Container:
        container = Container(command, env, tmp_path / name)
        started.append(container)
        return container

    yield run
    for container in started:
        container.kill()


@pytest.fixture
def test_secrets(tmp_path: Path, server_dir: Path, auth_nats: Any, database_roles: dict[Any, str]) -> Path:
    """./secrets/ for the test servers: their password files, under the names compose mounts
    (`database_roles`: the session's own PostgreSQL, which has the roles compose's init script makes)."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for source in (*(server_dir / "secrets").glob("postgres-*"), *auth_nats.secrets.glob("nats-*")):
        shutil.copy(source, secrets / source.name)
    return secrets


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    """An empty database on the test server, as the postgres container has on its first start."""
    name = f"orewatch_compose_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(database_url)
    yield urlunsplit((url.scheme, url.netloc, f"/{name}", url.query, url.fragment))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrate_builds_the_schema_in_an_empty_database_and_exits_0(
    compose: dict[str, Any],
    dockerfiles: dict[str, list[Stage]],
    nats_url: str,
    fresh_database: str,
    run_container: Callable[..., Container],
    test_secrets: Path,
) -> None:
    env = local_environment(
        "migrate",
        compose,
        dockerfiles,
        nats_url=nats_url,
        database_url=fresh_database,
        mounts={},
        secrets=test_secrets,
    )
    migrate = run_container(container_command("migrate", compose, dockerfiles), env, "migrate")
    assert migrate.process.wait(timeout=60) == 0, migrate.log()
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
    again = run_container(container_command("migrate", compose, dockerfiles), env, "migrate-again")
    assert again.process.wait(timeout=60) == 0, "a restarted `up` runs migrate again: a no-op\n" + again.log()


@pytest.mark.parametrize("svc", sorted(DURABLES))
async def test_service_comes_up_on_the_bus_and_stops_on_sigterm(
    svc: str,
    compose: dict[str, Any],
    dockerfiles: dict[str, list[Stage]],
    auth_nats: Any,
    database_url: str,
    auth_bus: Any,
    wait: Callable[..., Any],
    run_container: Callable[..., Container],
    tmp_path: Path,
    test_secrets: Path,
) -> None:
    """On a NATS that admits only the users of orewatch_common.permissions, as compose's does."""
    bus = auth_bus
    mounts = {}
    for source, target, _mode in volume_mounts(compose["services"][svc]):
        if source.startswith("./"):  # a bind mount: a copy of one file of it
            mounts[target] = tmp_path / "mounts" / target.strip("/")
            mounts[target].mkdir(parents=True)
            first = sorted((REPO / source).iterdir())[0]
            shutil.copy(first, mounts[target] / first.name)
    env = local_environment(
        svc,
        compose,
        dockerfiles,
        nats_url=auth_nats.url,
        database_url=database_url,
        mounts=mounts,
        secrets=test_secrets,
    )
    container = run_container(container_command(svc, compose, dockerfiles), env, svc)

    async def up() -> bool:
        assert container.alive(), f"{svc} exited with {container.process.returncode}:\n{container.log()}"
        try:
            for durable in DURABLES[svc]:
                await bus.js.consumer_info(STREAM, durable)
            for bucket in KV_BUCKETS.get(svc, ()):
                await bus.js.key_value(bucket)
        except NotFoundError:
            return False
        return True

    await wait(up, timeout=60, interval=0.3)
    # what `depends_on: condition: service_healthy` and `up --wait` wait for
    await wait(lambda: healthcheck(svc, compose, env) == 0, timeout=30, interval=0.5)
    metrics = await asyncio.to_thread(first_metrics, int(env["OREWATCH_HEALTH_PORT"]))
    assert "# TYPE faststream_received_messages_total counter" in metrics, metrics[:2000]
    assert "# TYPE faststream_published_messages_total counter" in metrics, metrics[:2000]
    assert "# TYPE orewatch_dead_letters_total counter" in metrics, metrics[:2000]

    async def gauges() -> bool:
        """Its own NATS user may ask JetStream for its consumers' state (the pending gauges)."""
        text = await asyncio.to_thread(first_metrics, int(env["OREWATCH_HEALTH_PORT"]))
        return all(values(text, PENDING, service=svc, consumer=durable) for durable in DURABLES[svc])

    await wait(gauges, timeout=20, interval=0.5)
    if mounts:  # the fetcher reads the folder the mount stands for
        await wait(lambda: bus.count(RAW_ARTICLE), timeout=30)
    await asyncio.sleep(2)
    assert container.alive(), f"{svc} died after starting:\n{container.log()}"

    container.process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        await asyncio.to_thread(container.process.wait, STOP_GRACE_S)
    assert not container.alive(), f"{svc} ignored SIGTERM for {STOP_GRACE_S}s:\n{container.log()}"
    assert container.process.returncode == 0, container.log()


def test_postgres_init_script_creates_the_roles_from_the_secrets(tmp_path: Path) -> None:
    """compose/postgres-init runs once in the postgres container, as the owner: here on a cluster
    of our own whose bootstrap roles are dropped first, with /run/secrets pointing at its files."""
    from orewatch_cli.servers import PostgresServer, postgres_bin_dir
    from orewatch_common.permissions import DbRole

    root = Path(tempfile.mkdtemp(prefix="orewatch-init-"))  # PostgreSQL runs as nobody: not tmp_path
    root.chmod(0o755)
    server = PostgresServer(root / "postgres").start()
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("DROP ROLE orewatch_app")
            conn.execute("DROP ROLE orewatch_reader")
        script = REPO / "compose" / "postgres-init" / "10-orewatch-roles.sql"
        local = tmp_path / script.name
        local.write_text(script.read_text().replace(f"{SECRETS_TARGET}/", f"{server.secrets}/"))
        result = subprocess.run(
            [str(postgres_bin_dir() / "psql"), server.url, "-X", "-f", str(local)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        for role in (DbRole.APP, DbRole.READER):
            with psycopg.connect(server.url_for(role)) as conn:
                flags = conn.execute(
                    "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
                ).fetchone()
                assert flags == (False, False, False)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
