"""The pipeline under benchmark: NATS and PostgreSQL started as `orewatch run` starts them, the
four services as `orewatch serve <service>` processes, and the clock from a file dropped into
the watched folder to its rows in PostgreSQL.

Servers, credentials, migrations and the service command are `orewatch_cli.supervisor`'s own
(`_start_nats`, `_start_postgres`, `_spawn`), not a copy, so the bench measures what `make run`
runs. Only what `orewatch run` cannot do is here: a second extractor replica, service logs in
files instead of the terminal, and the peak RSS of every process.

Each batch goes into a fresh subfolder of the watched folder, moved there in one rename: a
subfolder is its own source (`seeds/<folder>`) with new article ids, so neither the fetcher's
seen-store, the JetStream dedup window nor the cleaner's per-source boilerplate memory has met
it before.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from orewatch_cli.servers import NatsServer, PostgresServer
from orewatch_cli.supervisor import START_ORDER, _spawn, _start_nats, _start_postgres, _stop_children
from orewatch_common.permissions import DbRole

POLL_S = 0.02  # how often the bench asks PostgreSQL whether the rows are in
DONE_SQL = """
SELECT (SELECT count(*) FROM articles WHERE source_uri LIKE %(uri)s AND extracted_at IS NOT NULL)
     + (SELECT count(*) FROM dead_letters WHERE source_uri LIKE %(uri)s)
"""
STAGES_SQL = """
SELECT a.source_uri, r.fetched_at, r.stored_at, a.stored_at, a.extracted_at
FROM articles a JOIN raw_articles r USING (article_id)
WHERE a.source_uri LIKE %(uri)s AND a.extracted_at IS NOT NULL
"""


def peak_rss_mb(pid: int) -> float:
    """The peak resident set of a running process (VmHWM), in MB; 0 when it is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU a running process has used (0 when it is gone)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def tree_peak_mb(pid: int) -> float:
    """Peak RSS of a process or of the largest of its descendants (PostgreSQL's backends)."""
    try:
        family = [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return 0.0
    return max(peak_rss_mb(member) for member in family)


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """stdout and stderr into `log` while a child is spawned, so it inherits the file, not our terminal."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as file:
        os.dup2(file.fileno(), 1)
        os.dup2(file.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@dataclass
class Batch:
    """Files dropped at once into their own folder, and when each became rows."""

    folder: str
    files: list[Path]
    dropped_at: float = 0.0  # monotonic
    dropped_wall: float = 0.0  # time.time(), to compare with the rows' timestamps
    done_at: float = 0.0

    single: str = ""  # the one file's name, when a single file joins an existing folder

    @property
    def uri_pattern(self) -> str:
        """The batch's source URIs (paths under seeds/), as a LIKE pattern."""
        return f"{self.folder}/{self.single or '%'}"

    @property
    def seconds(self) -> float:
        return self.done_at - self.dropped_at


@dataclass
class Pipeline:
    """Servers up for the whole bench; services started and stopped per measured session."""

    state: Path
    servers: list[NatsServer | PostgresServer] = field(default_factory=list)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    peaks: dict[str, float] = field(default_factory=dict)  # service -> peak RSS, MB
    cpu: dict[str, float] = field(default_factory=dict)  # service -> CPU seconds, every session
    batches: int = 0
    db: psycopg.Connection[Any] | None = None  # the app role's, to poll for rows

    @property
    def seeds(self) -> Path:
        return self.state / "seeds"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    def start_servers(self) -> Pipeline:
        """NATS with a user per service and a migrated PostgreSQL, exactly as `orewatch run`."""
        self.seeds.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        runtime: dict[str, Any] = {}
        with output_to(self.logs / "servers.log"):
            nats_env = _start_nats(self.state, self.servers, runtime)
            store_db = _start_postgres(self.state, self.servers, runtime)
        env = {
            **os.environ,
            "NATS_URL": runtime["nats_url"],
            "OREWATCH_SEEDS_DIR": str(self.seeds),
            "OMP_NUM_THREADS": "1",
        }
        self.envs = {
            service: {**env, **nats_env.get(service, {}), **(store_db if service == "store" else {})}
            for service in START_ORDER
        }
        self.db = psycopg.connect(self.postgres.url_for(DbRole.APP), autocommit=True)
        return self

    @property
    def postgres(self) -> PostgresServer:
        return next(server for server in self.servers if isinstance(server, PostgresServer))

    def start_services(self, extractors: int = 1) -> None:
        for service in START_ORDER:
            for replica in range(1, (extractors if service == "extractor" else 1) + 1):
                name = service if replica == 1 else f"{service}-{replica}"
                with output_to(self.logs / f"{name}.log"):
                    self.children[name] = _spawn(service, self.envs[service])

    def stop_services(self) -> None:
        """Record every service's peak RSS, then stop them as `orewatch run` does (replicas too)."""
        for name, process in self.children.items():
            self.peaks[name] = max(self.peaks.get(name, 0.0), peak_rss_mb(process.pid))
            self.cpu[name] = self.cpu.get(name, 0.0) + cpu_seconds(process.pid)
        for name, process in self.children.items():
            if name not in START_ORDER and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        _stop_children(self.children)
        self.children = {}

    def server_peaks(self) -> dict[str, float]:
        found = {}
        for server in self.servers:
            if isinstance(server, NatsServer) and server.process is not None:
                found["nats-server"] = tree_peak_mb(server.process.pid)
            elif isinstance(server, PostgresServer):
                pid_file = server.pgdata / "postmaster.pid"
                with contextlib.suppress(OSError, ValueError, IndexError):
                    found["postgres (largest process)"] = tree_peak_mb(int(pid_file.read_text().split()[0]))
        return found

    def drop(self, files: list[Path], label: str) -> Batch:
        """Copy files into a hidden staging folder, then move it into seeds/ in one rename."""
        self.batches += 1
        batch = Batch(f"{label}-{self.batches:03d}", files)
        staging = self.seeds / f".staging-{batch.folder}"
        staging.mkdir()
        for number, path in enumerate(files):
            shutil.copyfile(path, staging / f"{batch.folder}-{number:04d}.txt")
        batch.dropped_at, batch.dropped_wall = time.monotonic(), time.time()
        staging.rename(self.seeds / batch.folder)
        return batch

    def drop_single(self, path: Path, folder: str) -> Batch:
        """One file into an existing folder of seeds/ (made on first use), renamed into place
        from a hidden staging folder: a user dropping a file, without a half-written moment."""
        self.batches += 1
        batch = Batch(folder, [path], single=f"{folder}-{self.batches:04d}.txt")
        (self.seeds / folder).mkdir(exist_ok=True)
        staging = self.seeds / ".staging-single"
        staging.mkdir(exist_ok=True)
        shutil.copyfile(path, staging / batch.single)
        batch.dropped_at, batch.dropped_wall = time.monotonic(), time.time()
        (staging / batch.single).rename(self.seeds / folder / batch.single)
        return batch

    def done(self, batch: Batch) -> int:
        """Articles of the batch extracted and stored, plus its dead letters."""
        assert self.db is not None, "start_servers first"
        row = self.db.execute(DONE_SQL, {"uri": batch.uri_pattern}).fetchone()
        return int(row[0]) if row else 0

    def wait(self, batch: Batch, timeout: float) -> bool:
        """Until every file of the batch is rows (True), or the timeout (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.done(batch) >= len(batch.files):
                batch.done_at = time.monotonic()
                return True
            self.check_alive()
            time.sleep(POLL_S)
        batch.done_at = time.monotonic()
        return False

    def check_alive(self) -> None:
        for name, process in self.children.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}: see {self.logs / name}.log")

    def stages(self, batch: Batch) -> list[tuple[Any, ...]]:
        """Per article: fetched, raw stored, clean stored, extracted (server clocks)."""
        assert self.db is not None, "start_servers first"
        return self.db.execute(STAGES_SQL, {"uri": batch.uri_pattern}).fetchall()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.stop_services()
        if self.db is not None:
            self.db.close()
        for server in reversed(self.servers):
            with contextlib.suppress(Exception):
                server.stop()
