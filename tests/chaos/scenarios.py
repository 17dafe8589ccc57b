"""The chaos scenarios, one function each, registered in `SCENARIOS`.

A scenario gets a running `Pipeline` (servers started, services not yet) and a `scale`
for its fault durations (1.0 in `make chaos`; smaller for a quick development run), injects
its fault while numbered articles flow, and returns what it dropped as `Expected`. The
runner (`run.py`) then waits for the pipeline to settle, reads the rows back and checks.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from checker import Expected
from harness import (
    CONSUMER_OF,
    Pipeline,
    Servers,
    accounted,
    article,
    consumer_delivered,
    drop,
    file_name,
    harness_client,
    numbered,
    query,
    unstorable_article,
    until,
    write_whole,
)

ScenarioRun = Callable[[Pipeline, float], Awaitable[Expected]]


@dataclass(frozen=True)
class Scenario:
    """A fault and how long the runner may wait, after it, for every article to be accounted for."""

    name: str
    run: ScenarioRun
    settle_s: float = 120.0
    nominal_s: float = 60.0  # rough wall time, so the runner starts the long ones first
    quick: bool = False  # part of `make test` (seconds)
    cluster: bool = False  # needs the lead's NatsCluster (three nodes)
    crash_free: bool = False  # bad input or an outage must never cost a service's exit


SCENARIOS: dict[str, Scenario] = {}


def register(name: str, **options: object) -> Callable[[ScenarioRun], ScenarioRun]:
    def add(run: ScenarioRun) -> ScenarioRun:
        SCENARIOS[name] = Scenario(name, run, **options)  # type: ignore[arg-type]
        return run

    return add


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def _some_done(pipeline: Pipeline, numbers: list[int], at_least: int, timeout: float = 90.0) -> None:
    """Wait until a few articles are through: the fault then hits a batch in flight."""
    await until(lambda: accounted(pipeline, numbers) >= at_least, timeout)


# --- kill -9 of each service in the middle of a batch -----------------------------------------


async def _kill_mid_batch(pipeline: Pipeline, service: str, count: int) -> Expected:
    """Once the pipeline is warm (one article through), the batch trickles in (a file every
    0.2 s) and the service dies while it is at work on it."""
    numbers = list(range(1, count + 1))
    pipeline.start()
    drop(pipeline.seeds, numbers[:1])
    await _some_done(pipeline, numbers, 1)
    dropping = asyncio.create_task(_trickle(pipeline, numbers[1:], 0.2))
    if service == "fetcher":  # a few files are published, the rest not yet
        await until(lambda: raw_rows(pipeline) >= min(6, count // 2), 60, interval=0.1)
    else:
        durable = CONSUMER_OF[service]
        await until(lambda: consumer_delivered(pipeline.servers, durable), 60, interval=0.1)
    pipeline.restart(service)
    await dropping
    return Expected(frozenset(numbers))


async def _trickle(pipeline: Pipeline, numbers: list[int], every_s: float) -> None:
    for number in numbers:
        drop(pipeline.seeds, [number])
        await asyncio.sleep(every_s)


def raw_rows(pipeline: Pipeline) -> int:
    try:
        return int(query(pipeline.servers.database_url, "SELECT count(*) FROM raw_articles")[0][0])
    except Exception:
        return 0


def _register_kill(service: str, count: int, name: str, quick: bool = False) -> None:
    async def run(pipeline: Pipeline, scale: float) -> Expected:
        return await _kill_mid_batch(pipeline, service, count)

    register(name, nominal_s=60, quick=quick)(run)


for _service in ("fetcher", "cleaner", "extractor", "store"):
    _register_kill(_service, 30, f"kill -9 {_service}")
_register_kill("store", 10, "kill -9 store (quick)", quick=True)


# --- NATS and Postgres outages ---------------------------------------------------------------


async def _nats_outage(pipeline: Pipeline, down_s: float) -> Expected:
    """Half the batch before the outage, half dropped while NATS is down."""
    first, second = list(range(1, 16)), list(range(16, 31))
    pipeline.start()
    drop(pipeline.seeds, first)
    await _some_done(pipeline, first, 3)
    pipeline.servers.nats.stop()
    outage_started = time.monotonic()
    await asyncio.sleep(min(5.0, down_s / 2))
    drop(pipeline.seeds, second)
    if down_s >= 30:  # services must idle while NATS is away (issue 13: under 5 % CPU)
        await asyncio.sleep(15)
        cpu = await pipeline.cpu_percent()
        pipeline.notes.append("CPU during outage: " + ", ".join(f"{n} {c:.0f}%" for n, c in cpu.items()))
    await asyncio.sleep(max(down_s - (time.monotonic() - outage_started), 0))
    pipeline.servers.nats.start()
    return Expected(frozenset(first + second))


@register("NATS restart", nominal_s=60, crash_free=True)
async def nats_restart(pipeline: Pipeline, scale: float) -> Expected:
    return await _nats_outage(pipeline, 1.0)


@register("NATS down 150 s", nominal_s=240, settle_s=240, crash_free=True)
async def nats_down_150(pipeline: Pipeline, scale: float) -> Expected:
    return await _nats_outage(pipeline, 150 * scale)


@register("NATS down 10 min", nominal_s=700, settle_s=240, crash_free=True)
async def nats_down_600(pipeline: Pipeline, scale: float) -> Expected:
    return await _nats_outage(pipeline, 600 * scale)


async def _postgres_outage(pipeline: Pipeline, down_s: float, *, freeze: bool) -> Expected:
    first, second = list(range(1, 16)), list(range(16, 31))
    pipeline.start()
    drop(pipeline.seeds, first)
    await _some_done(pipeline, first, 3)
    postgres = pipeline.servers
    postgres.pause_postgres() if freeze else postgres.postgres.stop()
    drop(pipeline.seeds, second)
    await asyncio.sleep(down_s)
    postgres.resume_postgres() if freeze else postgres.postgres.start()
    return Expected(frozenset(first + second))


@register("Postgres stopped 90 s", nominal_s=200, settle_s=240, crash_free=True)
async def postgres_stopped(pipeline: Pipeline, scale: float) -> Expected:
    return await _postgres_outage(pipeline, 90 * scale, freeze=False)


@register("Postgres SIGSTOP 60 s", nominal_s=170, settle_s=240, crash_free=True)
async def postgres_frozen(pipeline: Pipeline, scale: float) -> Expected:
    return await _postgres_outage(pipeline, 60 * scale, freeze=True)


# --- a slow consumer ---------------------------------------------------------------------------


@register("slow consumer (store SIGSTOP 30 s)", nominal_s=90, crash_free=True)
async def slow_consumer(pipeline: Pipeline, scale: float) -> Expected:
    numbers = list(range(1, 31))
    pipeline.start()
    drop(pipeline.seeds, numbers[:10])
    await _some_done(pipeline, numbers, 2)
    pipeline.signal("store", signal.SIGSTOP)
    drop(pipeline.seeds, numbers[10:])
    await asyncio.sleep(30 * scale)
    pipeline.signal("store", signal.SIGCONT)
    return Expected(frozenset(numbers))


# --- poison input ----------------------------------------------------------------------------


def _poison_files(seeds: Path, first: int) -> list[int]:
    """Files that can never be articles: not UTF-8 nor any code page, empty, binary."""
    noise = random.Random(first)
    text = article(first).encode("utf-8")
    files = {
        first: bytes(noise.randrange(0x80, 0x100) for _ in range(3000)),  # no encoding reads it
        first + 1: text.replace(b" ", b" \xd0 ", 1),  # UTF-8 with a lead byte and no sequence
        first + 2: b"",
        first + 3: bytes(noise.randrange(0, 256) for _ in range(3000)),  # binary
        # control bytes: a dead letter of their first 200 kB, each one \\u00NN in JSON, is over 1 MiB
        first + 7: bytes(range(1, 32)) * 13_000,
    }
    for number, data in files.items():
        write_whole(seeds / file_name(number), data)
    return list(files)


async def _publish_invalid_raw_articles(servers: Servers, first: int) -> list[int]:
    """raw.article messages no contract accepts, published straight onto the stream."""
    missing_fields = {"schema_version": 1, "source_uri": file_name(first), "content": f"№ {first:06d}"}
    not_json = f"not json at all: № {first + 1:06d}".encode()
    client = await harness_client(servers)
    try:
        js = client.jetstream()
        await js.publish("raw.article", json.dumps(missing_fields).encode())
        await js.publish("raw.article", not_json)
    finally:
        await client.drain()
    return [first, first + 1]


@register("poison articles", nominal_s=90, crash_free=True)
async def poison(pipeline: Pipeline, scale: float) -> Expected:
    good = list(range(1, 21))
    pipeline.start()
    drop(pipeline.seeds, good[:10])
    poison = _poison_files(pipeline.seeds, 100)
    write_whole(pipeline.seeds / file_name(104), unstorable_article(104).encode("utf-8"))
    await _some_done(pipeline, good, 1)  # the stream exists once something flowed
    poison += await _publish_invalid_raw_articles(pipeline.servers, 105)
    drop(pipeline.seeds, good[10:])
    # The unstorable article (one canonical actor twice) is stored once the extractor
    # merges the two; either way it must not vanish.
    return Expected(frozenset(good), dead=frozenset(poison), either=frozenset([104]))


# --- huge, odd and slowly written files ------------------------------------------------------


def huge_html(number: int, size: int) -> str:
    """A real-looking page of `size` bytes: a short article and a big inline image."""
    title, _, body = article(number).partition("\n\n")
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    head = f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><article><h1>{title}</h1>"
    tail = "</article></body></html>"
    image = "<img src='data:image/jpeg;base64,"
    filler = "QUJD" * ((size - len((head + paragraphs + tail + image).encode()) - 3) // 4)
    return f"{head}{paragraphs}{image}{filler}'>{tail}"


@register("huge files (3 MB, 60 MB)", nominal_s=120, settle_s=180, crash_free=True)
async def huge(pipeline: Pipeline, scale: float) -> Expected:
    good = list(range(1, 11))
    pipeline.start()
    drop(pipeline.seeds, good[:5])
    big = huge_html(300, 3_000_000)
    write_whole(pipeline.seeds / file_name(300, ".html"), big.encode("utf-8"))
    over = (pipeline.seeds / file_name(301)).open("wb")
    with over:  # past the 50 MB hard limit: a dead letter saying why
        over.write(article(301).encode("utf-8"))
        over.write(b"\n" + b"x" * 60_000_000)
    drop(pipeline.seeds, good[5:])
    return Expected(frozenset([*good, 300]), dead=frozenset([301]), content={300: sha(big)})


@register("odd files (non-UTF-8 name, symlinks)", nominal_s=60, crash_free=True)
async def odd(pipeline: Pipeline, scale: float) -> Expected:
    good = list(range(1, 11))
    drop(pipeline.seeds, good[:5])
    not_utf8 = os.fsdecode(b"chaos-000200-\xff\xfe.txt")  # surrogate-escaped, written as these bytes
    write_whole(pipeline.seeds / not_utf8, article(200).encode("utf-8"))
    (pipeline.seeds / file_name(201, "")).symlink_to("/")  # a directory symlink out, before start
    (pipeline.seeds / file_name(202)).symlink_to(file_name(202))  # a link to itself
    dead = [200, 201, 202]
    if os.geteuid() != 0:  # root reads any file
        unreadable = pipeline.seeds / file_name(203)
        write_whole(unreadable, article(203).encode("utf-8"))
        unreadable.chmod(0)
        dead.append(203)
    pipeline.start()
    await asyncio.sleep(3)
    drop(pipeline.seeds, good[5:])
    return Expected(frozenset(good), dead=frozenset(dead))


@register("slowly written file", nominal_s=60, crash_free=True)
async def slow_write(pipeline: Pipeline, scale: float) -> Expected:
    good = list(range(1, 6))
    pipeline.start()
    drop(pipeline.seeds, good)
    await _some_done(pipeline, good, 1)
    text = article(400)
    data = text.encode("utf-8")
    step = len(data) // 15 + 1
    with (pipeline.seeds / file_name(400)).open("wb") as slow:
        for start in range(0, len(data), step):
            slow.write(data[start : start + step])
            slow.flush()
            await asyncio.sleep(0.3)
    return Expected(frozenset([*good, 400]), content={400: sha(text)})


# --- an edit A -> B -> A within the dedup window ----------------------------------------------


@register("edit A→B→A", nominal_s=60, crash_free=True)
async def edit_back(pipeline: Pipeline, scale: float) -> Expected:
    """Three versions of one file, each waited for: the third (the first again) must be stored."""
    good = list(range(1, 4))
    pipeline.start()
    drop(pipeline.seeds, good)
    path = pipeline.seeds / file_name(500)
    first, second = article(500), article(500) + "\nДополнено: компания подтвердила сделку.\n"
    for version in (first, second, first):
        write_whole(path, version.encode("utf-8"))
        await until(lambda v=version: stored_hash(pipeline, 500) == sha(v), 60)
    return Expected(frozenset([*good, 500]), content={500: sha(first)}, versions={500: 3})


def stored_hash(pipeline: Pipeline, number: int) -> str | None:
    rows = query(
        pipeline.servers.database_url,
        "SELECT raw_sha256 FROM articles WHERE source_uri = %s AND extracted_at IS NOT NULL",
        file_name(number),
    )
    return rows[0][0] if rows else None


# --- a consumer that dies on every delivery (the kernel's OOM killer) ------------------------


@register("extractor killed on every delivery (OOM)", nominal_s=150, settle_s=120)
async def killed_every_delivery(pipeline: Pipeline, scale: float) -> Expected:
    """The extractor dies holding one article until JetStream's delivery limit: the message
    must still become a dead letter (max-deliveries advisory), not vanish."""
    pipeline.start("store", "cleaner", "fetcher")
    long_read = "\n\n".join(article(n).partition("\n\n")[2] for n in range(600, 612))  # seconds of work
    write_whole(pipeline.seeds / file_name(600), numbered(f"Обзор недели\n\n{long_read}", 600).encode())
    servers = pipeline.servers
    limit = 3  # the extractor's delivery limit here (default 6), so the redelivery backoff is short
    for handed_out in range(limit):
        pipeline.start("extractor", OREWATCH_MAX_DELIVER=str(limit))
        await until(lambda n=handed_out: consumer_sequence(servers, "extractor", n), 180, interval=0.05)
        pipeline.kill("extractor")
    pipeline.start("extractor", OREWATCH_MAX_DELIVER=str(limit))
    return Expected(frozenset(), dead=frozenset([600]))


async def consumer_sequence(servers: Servers, durable: str, past: int) -> bool:
    """Whether the consumer has made more than `past` deliveries (redeliveries count)."""
    client = await harness_client(servers)
    try:
        info = await client.jetstream().consumer_info("OREWATCH", durable)
        return int(info.delivered.consumer_seq) > past
    except Exception:
        return False
    finally:
        await client.close()


# --- a leader kill in a three-node cluster ---------------------------------------------------


@register("cluster leader kill (300 files)", nominal_s=240, settle_s=240, cluster=True, crash_free=True)
async def cluster_leader_kill(pipeline: Pipeline, scale: float) -> Expected:
    numbers = list(range(1, 301))
    cluster = pipeline.servers.cluster
    assert cluster is not None
    pipeline.start()
    drop(pipeline.seeds, numbers)
    await _some_done(pipeline, numbers, 30, timeout=180)
    client = await harness_client(pipeline.servers)
    try:
        info = await client.jetstream().stream_info("OREWATCH")
    finally:
        await client.close()
    assert info.cluster is not None and info.cluster.leader, "a replicated stream has a leader"
    cluster.node(info.cluster.leader).kill()
    pipeline.notes.append(f"killed stream leader {info.cluster.leader}")
    return Expected(frozenset(numbers))
