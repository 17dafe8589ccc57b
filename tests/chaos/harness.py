"""Fault injection on real servers: its own nats-server and PostgreSQL, the four services as
processes, numbered articles in a seeds folder, and the rows read back for the checker.

Each scenario gets a `Pipeline` of its own (own ports, own data dirs), so independent
scenarios can run at the same time. The servers are built in `start_servers` and the
services' environment in `service_environment`, one function each, so credentials (NATS
users, Postgres roles) are added in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nats
from checker import Observed, number_in
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from orewatch_cli.credentials import nats_login, nats_secret, write_nats_config
from orewatch_cli.servers import NatsCluster, NatsServer, PostgresServer
from orewatch_common.permissions import DbRole, NatsUser
from orewatch_common.settings import Settings, read_secret

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from conftest import ServiceProcess, query  # noqa: E402  (root conftest: the one ServiceProcess)

STREAM = "OREWATCH"
SERVICES = ("store", "extractor", "cleaner", "fetcher")
RESTART_DELAY_S = 2.0  # as orewatch run's supervisor
CONSUMER_OF = {"cleaner": "cleaner", "extractor": "extractor", "store": "store-extracted"}
# ../shared beside the project (or beside the folder of its git worktrees)
TEXTS = next(
    (d for d in (p / "shared" / "eval" / "bsnlp-dev" / "texts" for p in REPO.parents) if d.is_dir()),
    REPO.parent / "shared" / "eval" / "bsnlp-dev" / "texts",
)
# One canonical actor twice: an extraction the store can never store (issue 13).
UNSTORABLE = "brexit__brexit_ru.txt_file_1070.txt"


# --- servers and environment ------------------------------------------------------------------


@dataclass
class Servers:
    """The nats-server and PostgreSQL of one scenario; restarts keep ports and data dirs."""

    base: Path
    nats: NatsServer
    postgres: PostgresServer
    cluster: NatsCluster | None = None  # when the scenario runs on three nodes
    stopped: list[int] = field(default_factory=list)

    @property
    def secrets(self) -> Path:
        """Every password of the scenario (NATS users, PostgreSQL roles), as `orewatch run` keeps them."""
        return self.base / "secrets"

    @property
    def nats_url(self) -> str:
        """The NATS URL services get; a cluster's node URLs comma-separated."""
        return ",".join(self.cluster.urls) if self.cluster is not None else self.nats.url

    @property
    def database_url(self) -> str:
        return Settings(_env_file=None, database_url=self.postgres.url).libpq_url()

    def pause_postgres(self) -> None:
        """SIGSTOP the postmaster and every backend: connections hang, nothing is refused."""
        self.stopped = postgres_pids(self.postgres)
        for pid in self.stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume_postgres(self) -> None:
        for pid in self.stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.stopped = []

    def stop(self) -> None:
        self.resume_postgres()
        if self.cluster is not None:
            self.cluster.stop()
        self.nats.stop()
        self.postgres.stop()


def start_servers(base: Path, cluster_size: int = 0) -> Servers:
    """A fresh nats-server (JetStream), or a cluster of `cluster_size` nodes, and PostgreSQL
    built by `alembic upgrade head`.

    The migrations run as `orewatch db upgrade` in a process of their own, as an operator
    runs them: Alembic's context is process-global, so two scenarios migrating from two
    threads of one process would share it.
    """
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    users = write_nats_config(base / "secrets")  # a user per service, anonymous clients refused
    servers = Servers(
        base,
        NatsServer(base / "nats", config=users),
        PostgresServer(base / "postgres", secrets_dir=base / "secrets"),
    )
    if cluster_size:
        servers.cluster = NatsCluster(base / "cluster", size=cluster_size, config=users).start()
    else:
        servers.nats.start()
    servers.postgres.start()
    environment = {**os.environ, "DATABASE_URL": servers.database_url}
    subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", "db", "upgrade"],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return servers


# the pipeline's own settings: a scenario sets every one it needs, nothing leaks in
OWN_VARIABLES = ("OREWATCH_", "NATS_", "DATABASE_", "POSTGRES_")


def service_environment(servers: Servers, seeds: Path, state: Path, service: str) -> dict[str, str]:
    """Environment of one service process of a scenario, logged in as `orewatch run` logs it in:
    its own NATS user, and for the store the app role (passwords as files).

    Retry and delivery limits stay at the project's defaults, which are what an operator
    runs: an outage must be survived by those, not by a test's generous ones. Only the ack
    wait is shortened, so a killed service's message comes back in seconds, not a minute.
    """
    database = (
        {
            "DATABASE_URL": servers.postgres.url_for(DbRole.APP, with_password=False),
            "POSTGRES_PASSWORD_FILE": str(servers.postgres.password_file(DbRole.APP)),
        }
        if service == "store"
        else {}
    )
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OREWATCH_", "NATS_", "DATABASE_", "POSTGRES_"))
        },
        "NATS_URL": servers.nats_url,
        **nats_login(service, servers.secrets),
        **database,
        "OREWATCH_SEEDS_DIR": str(seeds),
        "OREWATCH_STATE_DIR": str(state),
        "OREWATCH_ACK_WAIT_S": "5",
        "OREWATCH_NATS_RECONNECT_WAIT_S": "1",
        "OREWATCH_LOG_LEVEL": "INFO",
        "OMP_NUM_THREADS": "1",
        **({"OREWATCH_STREAM_REPLICAS": str(len(servers.cluster.urls))} if servers.cluster else {}),
    }


async def harness_client(servers: Servers) -> nats.NATS:
    """The harness's own NATS connection, as the operator's admin user (reads the stream,
    publishes poison, asks consumers)."""
    password = read_secret(servers.secrets / nats_secret(NatsUser.ADMIN))
    return await nats.connect(
        servers=servers.nats_url.split(","),
        user=NatsUser.ADMIN.value,
        password=password,
        connect_timeout=5,
        max_reconnect_attempts=2,
    )


def postgres_pids(server: PostgresServer) -> list[int]:
    """The postmaster (first line of postmaster.pid) and its children, the backends."""
    pid_file = server.pgdata / "postmaster.pid"
    if not pid_file.exists():
        return []
    postmaster = int(pid_file.read_text().split()[0])
    return [postmaster, *_children(postmaster)]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_children(int(child))]
    return found


# --- the pipeline -----------------------------------------------------------------------------


class Pipeline:
    """Servers, a seeds folder and the four services of one scenario."""

    def __init__(self, name: str, *, cluster_size: int = 0, root: Path | None = None) -> None:
        self.name = name
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.base = Path(tempfile.mkdtemp(prefix=f"orewatch-chaos-{slug}-", dir=root))
        self.base.chmod(0o755)
        self.seeds = self.base / "seeds"
        self.seeds.mkdir()
        self.servers = start_servers(self.base / "servers", cluster_size)
        self.state = self.base / "state"
        self.services: dict[str, ServiceProcess] = {}
        self.crashes: Counter[str] = Counter()
        self.notes: list[str] = []  # figures a scenario measured, printed with the table
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._down: set[str] = set()  # killed on purpose: not restarted by the supervisor
        threading.Thread(target=self._supervise, name=f"supervise-{slug}", daemon=True).start()

    def start(self, *names: str, **env: str) -> None:
        with self._lock:
            for name in names or SERVICES:
                self._down.discard(name)
                log = self.base / f"{name}.log"
                environment = service_environment(self.servers, self.seeds, self.state, name)
                self.services[name] = ServiceProcess(name, {**environment, **env}, log).start()

    def kill(self, name: str) -> None:
        """kill -9, and keep it down (the supervisor leaves it alone) until `start`."""
        with self._lock:
            self._down.add(name)
            self.services[name].kill()

    def restart(self, name: str) -> None:
        """kill -9, then start it again at once (as a supervisor would)."""
        self.kill(name)
        self.start(name)

    async def cpu_percent(self, seconds: float = 5.0) -> dict[str, float]:
        """CPU use of each service process over a few seconds (100 = one core)."""
        import psutil

        processes = {
            n: psutil.Process(p.process.pid) for n, p in self.services.items() if p.process is not None
        }
        for process in processes.values():
            process.cpu_percent(None)
        await asyncio.sleep(seconds)
        used = {}
        for name, process in processes.items():
            with contextlib.suppress(psutil.Error):
                used[name] = process.cpu_percent(None)
        return used

    def _supervise(self) -> None:
        """Restart a service that exited by itself, as `orewatch run` and Docker do, and count it."""
        while not self._stopping.wait(RESTART_DELAY_S):
            with self._lock:
                exited = [
                    n
                    for n, p in self.services.items()
                    if n not in self._down and p.process and p.process.poll() is not None
                ]
                for name in exited:
                    self.crashes[name] += 1
                    self.services[name].start()

    def signal(self, name: str, sig: signal.Signals) -> None:
        process = self.services[name].process
        assert process is not None
        process.send_signal(sig)

    def stop(self) -> None:
        """Services first (all told at once, each killed if it ignores SIGTERM), then servers."""
        self._stopping.set()
        running = [p.process for p in self.services.values() if p.process and p.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGTERM)
        for service in self.services.values():
            service.stop()
        self.servers.stop()


# --- numbered articles ------------------------------------------------------------------------


def base_texts() -> list[str]:
    """Small real Russian news texts (title line, blank line, body), each a different article."""
    paths = sorted(p for p in TEXTS.glob("*.txt") if p.name != UNSTORABLE and 400 < p.stat().st_size < 4000)
    if not paths:
        raise FileNotFoundError(f"no texts in {TEXTS}: the chaos suite needs ../shared/eval/bsnlp-dev")
    return [p.read_text(encoding="utf-8") for p in paths]


def numbered(text: str, number: int) -> str:
    """The text with its number in the title and as the body's first sentence."""
    title, _, body = text.partition("\n")
    return f"{title.rstrip()} (сводка № {number:06d})\n\nСводка № {number:06d}. {body.lstrip()}"


def file_name(number: int, suffix: str = ".txt") -> str:
    return f"chaos-{number:06d}{suffix}"


def article(number: int) -> str:
    texts = _texts()
    return numbered(texts[number % len(texts)], number)


_TEXT_CACHE: list[str] = []


def _texts() -> list[str]:
    if not _TEXT_CACHE:
        _TEXT_CACHE.extend(base_texts())
    return _TEXT_CACHE


def drop(seeds: Path, numbers: Iterable[int]) -> list[int]:
    """Write numbered articles into seeds/ whole (written hidden, then renamed into place)."""
    dropped = list(numbers)
    for number in dropped:
        write_whole(seeds / file_name(number), article(number).encode("utf-8"))
    return dropped


def write_whole(path: Path, data: bytes) -> None:
    hidden = path.with_name(f".{path.name}.tmp")
    hidden.write_bytes(data)
    hidden.replace(path)


def unstorable_article(number: int) -> str:
    return numbered((TEXTS / UNSTORABLE).read_text(encoding="utf-8"), number)


# --- reading back -----------------------------------------------------------------------------


def observe(pipeline: Pipeline, published: tuple[int, ...] = ()) -> Observed:
    """The numbers the rows in Postgres carry (one entry per row)."""
    url = pipeline.servers.database_url
    articles = query(url, "SELECT source_uri, title FROM articles WHERE extracted_at IS NOT NULL")
    raw = query(url, "SELECT source_uri, content_sha256 FROM raw_articles")
    dead = query(url, "SELECT service, source_uri, left(payload, 4000) FROM dead_letters")
    return Observed(
        articles=_numbers((uri, title) for uri, title in articles),
        raw=_numbers((uri,) for uri, _ in raw),
        dead=tuple(
            (service, number)
            for service, uri, payload in dead
            if (number := number_in(uri, payload)) is not None
        ),
        published=published,
        content_hashes=tuple(sha for uri, sha in raw if number_in(uri) is not None),
        raw_hashes=tuple((n, sha) for uri, sha in raw if (n := number_in(uri)) is not None),
    )


def _numbers(rows: Iterable[tuple[str | None, ...]]) -> tuple[int, ...]:
    return tuple(number for row in rows if (number := number_in(*row)) is not None)


_SOURCE_URI = re.compile(rb'"source_uri"\s*:\s*"([^"]*)"')


async def published_numbers(servers: Servers, timeout: float = 20.0) -> tuple[int, ...]:
    """The number of every raw.article message in the stream (a repeat is a duplicate publish)."""
    client = await harness_client(servers)
    try:
        js = client.jetstream()
        try:
            info = await js.stream_info(STREAM, subjects_filter="raw.article")
        except NotFoundError:
            return ()
        total = int((info.state.subjects or {}).get("raw.article", 0))
        sub = await js.pull_subscribe(
            "raw.article",
            durable=None,
            stream=STREAM,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        found: list[int] = []
        deadline = time.monotonic() + timeout
        seen = 0
        while seen < total and time.monotonic() < deadline:
            with contextlib.suppress(nats.errors.TimeoutError):
                for msg in await sub.fetch(min(total - seen, 100), timeout=1):
                    seen += 1
                    await msg.ack()
                    uri = _SOURCE_URI.search(msg.data[:100_000])
                    text = uri.group(1).decode(errors="replace") if uri else None
                    number = number_in(text, msg.data[:20_000].decode(errors="replace"))
                    if number is not None:
                        found.append(number)
        await sub.unsubscribe()
        return tuple(found)
    finally:
        await client.close()


async def consumer_delivered(servers: Servers, durable: str) -> int:
    """How far a durable consumer has handed out the stream (0 before it exists)."""
    client = await harness_client(servers)
    try:
        info = await client.jetstream().consumer_info(STREAM, durable)
        return int(info.delivered.stream_seq)
    except NotFoundError:
        return 0
    finally:
        await client.close()


def accounted(pipeline: Pipeline, numbers: Iterable[int]) -> int:
    """How many of the numbers are stored (extracted) or dead-lettered, right now."""
    with contextlib.suppress(Exception):
        seen = observe(pipeline)
        done = set(seen.articles) | {n for _, n in seen.dead}
        return len(set(numbers) & done)
    return 0


async def settle(pipeline: Pipeline, numbers: Iterable[int], timeout: float, quiet_s: float = 3.0) -> float:
    """Wait until every number is stored or dead-lettered (then a little longer, so late
    duplicates show), or the timeout passes. Returns the seconds waited."""
    wanted = set(numbers)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if accounted(pipeline, wanted) == len(wanted):
            await asyncio.sleep(quiet_s)
            break
        await asyncio.sleep(1.0)
    return time.monotonic() - started


async def until(condition: object, timeout: float, interval: float = 0.3) -> bool:
    """Poll a sync or async callable until truthy; False on timeout (a scenario carries on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()  # type: ignore[operator]
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return True
        await asyncio.sleep(interval)
    return False
