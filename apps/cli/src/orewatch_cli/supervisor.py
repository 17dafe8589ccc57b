"""`orewatch run`: servers, migrations and the four services as separate processes.

Each service runs as `orewatch serve <name>` in its own process, exactly as in
its own container. A service that dies is restarted; Ctrl-C (or SIGTERM) stops
the services first, then the servers this command started. Each service gets its own
free HTTP port for /health and /metrics (OREWATCH_HEALTH_PORT). Where the pipeline runs,
servers and services, is written to `.orewatch/runtime.json` for `orewatch db url`,
`orewatch bus url` and `orewatch status`.

The servers it starts require passwords, generated on the first run into
`.orewatch/secrets/` (orewatch_cli.credentials): each service logs in to NATS as its own
user and the store to PostgreSQL as the app role; migrations run as the owner. A service
gets the *paths* of its password files (the `_FILE` settings), never a password.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from orewatch_common.logs import configure_logging, get_logger
from orewatch_common.permissions import DbRole, NatsUser
from orewatch_common.settings import Settings, get_settings, read_secret

from orewatch_cli.credentials import nats_login, nats_secret, write_nats_config
from orewatch_cli.servers import NatsServer, PostgresServer, free_port

log = get_logger("orewatch.run")

START_ORDER = ("store", "extractor", "cleaner", "fetcher")
RESTART_DELAY_S = 2.0
SERVER_CHECK_TIMEOUT_S = 2.0


def _runtime_file(state_dir: Path) -> Path:
    return state_dir / "runtime.json"


def _stable_port(state_dir: Path, name: str, taken: Collection[int] = ()) -> int:
    """Reuse last run's port when it is free, so URLs stay the same between runs (and a
    Prometheus scraping them needs no new config); never one of `taken`, already handed out."""
    ports_file = state_dir / "ports.json"
    ports = json.loads(ports_file.read_text()) if ports_file.exists() else {}
    port = ports.get(name)
    if port is None or port in taken or not _port_is_free(port):
        port = free_port()
        while port in taken:
            port = free_port()
        ports[name] = port
        state_dir.mkdir(parents=True, exist_ok=True)
        ports_file.write_text(json.dumps(ports))
    return int(port)


def _port_is_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class NoPipeline(Exception):
    """No pipeline of `orewatch run` answers: the message says why, for the operator."""


def _running_info(state_dir: Path | None) -> dict[str, Any]:
    """What runtime.json says about a pipeline that is still running; NoPipeline otherwise."""
    runtime = _runtime_file(state_dir or get_settings().state_dir)
    hint = "start it with `make run` (or `orewatch run`)"
    if not runtime.exists():
        raise NoPipeline(f"no running pipeline: {runtime} does not exist; {hint}")
    try:
        info: dict[str, Any] = json.loads(runtime.read_text(encoding="utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise NoPipeline(f"no running pipeline: {runtime} is unreadable ({error}); {hint}") from error
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        raise NoPipeline(f"no running pipeline: process {pid} of {runtime} has exited; {hint}") from None
    except PermissionError:
        pass  # alive, another user's: the server check below decides
    return info


def _require_answer(url: str, what: str) -> None:
    """NoPipeline unless the server a runtime file names accepts a TCP connection: a pid
    can be reused by another process after a crash, a port cannot be listened on by nobody."""
    parts = urlsplit(url.split(",")[0])
    host, port = parts.hostname or "127.0.0.1", parts.port
    if port is None:
        return
    try:
        with socket.create_connection((host, port), timeout=SERVER_CHECK_TIMEOUT_S):
            return
    except OSError:
        raise NoPipeline(
            f"no running pipeline: its {what} at {host}:{port} does not answer "
            "(a stale runtime file of a pipeline that was killed?); start it with `make run`"
        ) from None


def running_database_url(role: DbRole = DbRole.READER, state_dir: Path | None = None) -> str:
    """The DSN of one role of the pipeline `orewatch run` is running, or DATABASE_URL if set."""
    if os.environ.get("DATABASE_URL"):
        return get_settings().libpq_url()
    info = _running_info(state_dir)
    if "postgres_port" not in info:  # `orewatch run` was given a DATABASE_URL
        return str(info["database_url"])
    state, port = Path(info["state_dir"]), int(info["postgres_port"])
    _require_answer(f"postgresql://127.0.0.1:{port}", "PostgreSQL")
    return PostgresServer(state / "postgres", port=port, secrets_dir=state / "secrets").url_for(role)


def running_nats_url(state_dir: Path | None = None) -> str:
    """The NATS URL of the running pipeline (or NATS_URL), always without credentials."""
    if os.environ.get("NATS_URL"):
        url = get_settings().nats_url
    else:
        url = str(_running_info(state_dir)["nats_url"])
        _require_answer(url, "NATS")
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], *parts[2:]))


def running_nats_login(
    state_dir: Path | None = None, user: NatsUser = NatsUser.ADMIN
) -> tuple[str, str] | None:
    """(user, password) for the operator on the pipeline's NATS: `user` (admin unless a command
    has its own, least-privileged one) of a server `orewatch run` started, its password beside
    the admin's, else the OREWATCH_NATS_* settings (None for an open server)."""
    if not os.environ.get("NATS_URL"):
        password_file = _running_info(state_dir).get("nats_admin_password_file")
        if password_file:
            own = Path(password_file).with_name(nats_secret(user))
            if not own.exists():
                raise NoPipeline(
                    f"the running pipeline has no NATS user {user.value} (started by an older "
                    "orewatch?); restart it with `make run`"
                )
            return user.value, read_secret(own)
    return get_settings().nats_credentials()


def running_seeds_dir(state_dir: Path | None = None) -> Path:
    """The folder the running pipeline's fetcher watches: the one `orewatch run` recorded, or
    the seeds_dir setting where the pipeline runs elsewhere (DATABASE_URL set: compose)."""
    if os.environ.get("DATABASE_URL"):
        return get_settings().seeds_dir
    seeds = _running_info(state_dir).get("seeds_dir")
    if not seeds:
        raise NoPipeline(
            "the running pipeline recorded no seeds folder (started by an older orewatch?); "
            "restart it with `make run`, or pass --seeds"
        )
    return Path(seeds)


def running_services(state_dir: Path | None = None) -> dict[str, str]:
    """Each service's metrics URL, as `orewatch run` recorded it (its health port's /metrics)."""
    services = _running_info(state_dir).get("services")
    if not isinstance(services, dict) or not services:
        raise NoPipeline(
            "the running pipeline recorded no service ports (started by an older orewatch?); "
            "restart it with `make run`"
        )
    return {str(name): str(entry["metrics_url"]) for name, entry in services.items()}


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run_pipeline(seeds_dir: Path | None = None, state_dir: Path | None = None) -> int:
    settings = get_settings()
    configure_logging("run", settings.log_level, settings.log_format)
    state = (state_dir or settings.state_dir).absolute()
    seeds = (seeds_dir or settings.seeds_dir).absolute()
    seeds.mkdir(parents=True, exist_ok=True)
    servers: list[NatsServer | PostgresServer] = []
    children: dict[str, subprocess.Popen[bytes]] = {}
    # Explicit handlers: a shell that starts us in the background ignores SIGINT otherwise.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        envs = _start_servers(state, seeds, servers)
        for service in START_ORDER:
            children[service] = _spawn(service, envs[service])
        log.info(
            "pipeline running: drop files into %s; `orewatch status` shows how it is doing, "
            "`orewatch db url` prints the database URL; Ctrl-C stops",
            seeds,
        )
        _supervise(children, envs)
    except (KeyboardInterrupt, _Stop):
        log.info("stopping")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop_children(children)
        for server in reversed(servers):
            server.stop()
        _runtime_file(state).unlink(missing_ok=True)
        log.info("stopped")
    return 0


def _start_servers(
    state: Path, seeds: Path, servers: list[NatsServer | PostgresServer]
) -> dict[str, dict[str, str]]:
    """NATS, PostgreSQL and the health ports, recorded in the runtime file; returns each
    service's environment (its logins, its health port)."""
    runtime: dict[str, Any] = {"pid": os.getpid(), "state_dir": str(state), "seeds_dir": str(seeds)}
    nats_env = _start_nats(state, servers, runtime)
    store_db = _start_postgres(state, servers, runtime)
    health_ports = _health_ports(state, runtime)
    _runtime_file(state).write_text(json.dumps(runtime))
    env = {**os.environ, "NATS_URL": runtime["nats_url"], "OREWATCH_SEEDS_DIR": str(seeds)}
    return {
        service: {
            **env,
            **nats_env.get(service, {}),
            **(store_db if service == "store" else {}),
            "OREWATCH_HEALTH_PORT": str(health_ports[service]),
            "OREWATCH_HEALTH_HOST": "127.0.0.1",  # this machine only; containers listen on all
        }
        for service in START_ORDER
    }


def _supervise(children: dict[str, subprocess.Popen[bytes]], envs: dict[str, dict[str, str]]) -> None:
    """Restart a service that exits, until Ctrl-C or SIGTERM (raised as _Stop)."""
    while True:
        time.sleep(0.5)
        for service, process in list(children.items()):
            if process.poll() is not None:
                log.error(
                    "%s exited with status %s; restarting in %.0fs",
                    service,
                    process.returncode,
                    RESTART_DELAY_S,
                )
                time.sleep(RESTART_DELAY_S)
                children[service] = _spawn(service, envs[service])


def _start_nats(
    state: Path, servers: list[NatsServer | PostgresServer], runtime: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """NATS_URL if set (then the services bring their own OREWATCH_NATS_* settings), else our own
    server with a user per service; returns each service's login settings."""
    if os.environ.get("NATS_URL"):
        runtime["nats_url"] = os.environ["NATS_URL"]
        return {}
    secrets = state / "secrets"
    config = write_nats_config(secrets)
    nats = NatsServer(state / "nats", port=_stable_port(state, "nats"), config=config).start()
    servers.append(nats)
    runtime["nats_url"] = nats.url
    runtime["nats_admin_password_file"] = str(secrets / nats_secret(NatsUser.ADMIN))
    log.info("NATS with JetStream on %s (data in %s, users in %s)", nats.url, nats.data_dir, config)
    return {service: nats_login(service, secrets) for service in START_ORDER}


def _health_ports(state: Path, runtime: dict[str, Any]) -> dict[str, int]:
    """A free HTTP port per service for /health and /metrics (stable between runs), recorded in
    the runtime file for `orewatch status`. The servers already listen, so their ports are not
    free; the services' are not yet, so none is handed out twice."""
    ports: dict[str, int] = {}
    for service in reversed(START_ORDER):  # pipeline order, as `orewatch status` lists them
        ports[service] = _stable_port(state, f"{service}-health", taken=ports.values())
    runtime["services"] = {
        service: {"health_port": port, "metrics_url": f"http://127.0.0.1:{port}/metrics"}
        for service, port in ports.items()
    }
    return ports


def _start_postgres(
    state: Path, servers: list[NatsServer | PostgresServer], runtime: dict[str, Any]
) -> dict[str, str]:
    """DATABASE_URL if set, else our own PostgreSQL; migrated as the owner. Returns the store's
    database settings: on our server the app role, its password a file."""
    from orewatch_store.migrations_runner import upgrade_to_head

    if os.environ.get("DATABASE_URL"):
        database_url = os.environ["DATABASE_URL"]
        upgrade_to_head(Settings(database_url=database_url).sqlalchemy_url())
        runtime["database_url"] = Settings(database_url=database_url).libpq_url()
        return {"DATABASE_URL": database_url}
    port = _stable_port(state, "postgres")
    postgres = PostgresServer(state / "postgres", port=port, secrets_dir=state / "secrets").start()
    servers.append(postgres)
    log.info("PostgreSQL on 127.0.0.1:%d (data in %s)", postgres.port, postgres.pgdata)
    upgrade_to_head(Settings(database_url=postgres.url).sqlalchemy_url())
    log.info("database schema at head")
    runtime["postgres_port"] = postgres.port
    return {
        "DATABASE_URL": postgres.url_for(DbRole.APP, with_password=False),
        "POSTGRES_PASSWORD_FILE": str(postgres.password_file(DbRole.APP)),
    }


def _spawn(service: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    child_env = dict(env)
    if service == "extractor":
        child_env["OMP_NUM_THREADS"] = "1"
    return subprocess.Popen([sys.executable, "-m", "orewatch_cli.main", "serve", service], env=child_env)


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """Stop producers first (fetcher), consumers last, each gracefully then by force."""
    for service in reversed(START_ORDER):
        process = children.get(service)
        if process and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in children.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def against_the_pipeline(command: Callable[[], int]) -> int:
    """Runs a command that asks the running pipeline (status, reprocess): no pipeline, or one
    whose servers do not answer, is one line on stderr and exit 1, never a traceback."""
    import nats.errors
    import psycopg

    try:
        return command()
    except NoPipeline as reason:
        print(reason, file=sys.stderr)
        return 1
    except (OSError, TimeoutError, nats.errors.Error, psycopg.Error) as error:
        print(f"the pipeline does not answer: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
