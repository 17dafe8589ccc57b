"""`orewatch run`: servers, migrations and the four services as separate processes.

Each service runs as `orewatch serve <name>` in its own process, exactly as in
its own container. A service that dies is restarted; Ctrl-C (or SIGTERM) stops
the services first, then the servers this command started. The URLs of the
running pipeline are written to `.orewatch/runtime.json` for `orewatch db url`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orewatch_common.logs import configure_logging
from orewatch_common.settings import Settings, get_settings

from orewatch_cli.servers import NatsServer, PostgresServer, free_port

log = logging.getLogger("orewatch.run")

START_ORDER = ("store", "extractor", "cleaner", "fetcher")
RESTART_DELAY_S = 2.0


def _runtime_file(state_dir: Path) -> Path:
    return state_dir / "runtime.json"


def _stable_port(state_dir: Path, name: str) -> int:
    """Reuse last run's port when it is free, so URLs stay the same between runs."""
    ports_file = state_dir / "ports.json"
    ports = json.loads(ports_file.read_text()) if ports_file.exists() else {}
    port = ports.get(name)
    if port is None or not _port_is_free(port):
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


def running_database_url(state_dir: Path | None = None) -> str | None:
    """URL of the pipeline that `orewatch run` is running, or DATABASE_URL if set."""
    if os.environ.get("DATABASE_URL"):
        return get_settings().libpq_url()
    runtime = _runtime_file(state_dir or get_settings().state_dir)
    if not runtime.exists():
        return None
    info = json.loads(runtime.read_text())
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError):
        return None
    return str(info["database_url"])


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run_pipeline(seeds_dir: Path | None = None, state_dir: Path | None = None) -> int:
    settings = get_settings()
    configure_logging("run", settings.log_level)
    state = (state_dir or settings.state_dir).absolute()
    seeds = (seeds_dir or settings.seeds_dir).absolute()
    seeds.mkdir(parents=True, exist_ok=True)
    servers: list[NatsServer | PostgresServer] = []
    children: dict[str, subprocess.Popen[bytes]] = {}
    # Explicit handlers: a shell that starts us in the background ignores SIGINT otherwise.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            nats = NatsServer(state / "nats", port=_stable_port(state, "nats")).start()
            servers.append(nats)
            nats_url = nats.url
            log.info("NATS with JetStream on %s (data in %s)", nats_url, nats.data_dir)
        database_url = os.environ.get("DATABASE_URL")
        if not database_url:
            postgres = PostgresServer(state / "postgres", port=_stable_port(state, "postgres")).start()
            servers.append(postgres)
            database_url = postgres.url
            log.info("PostgreSQL on %s (data in %s)", database_url, postgres.pgdata)
        db_settings = Settings(database_url=database_url)

        from orewatch_store.migrations_runner import upgrade_to_head

        upgrade_to_head(db_settings.sqlalchemy_url())
        log.info("database schema at head")
        _runtime_file(state).write_text(
            json.dumps({"pid": os.getpid(), "nats_url": nats_url, "database_url": db_settings.libpq_url()})
        )

        env = {
            **os.environ,
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "OREWATCH_SEEDS_DIR": str(seeds),
        }
        for service in START_ORDER:
            children[service] = _spawn(service, env)
        log.info(
            "pipeline running: drop files into %s; `orewatch db url` prints the database URL; Ctrl-C stops",
            seeds,
        )
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
                    children[service] = _spawn(service, env)
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
