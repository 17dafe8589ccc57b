"""Past one machine: a three-node JetStream cluster loses its stream leader mid-batch.

Three real nats-server processes with the pipeline's users and permissions, the stream
and buckets with three replicas, the four services connected to every node, each as
its own user. The leader of the pipeline stream is killed with
SIGKILL while a batch of 300 files flows; every file still ends as exactly one row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from orewatch_cli.credentials import nats_login, nats_secret, write_nats_config
from orewatch_cli.servers import NatsCluster
from orewatch_common.permissions import NatsUser
from orewatch_common.settings import read_secret

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(900)]

BATCH = 300
STREAM = "OREWATCH"


@dataclass
class SecuredCluster:
    """The cluster's nodes and the folder of its users' password files."""

    nodes: NatsCluster
    secrets: Path

    def service_env(self, service: str) -> dict[str, str]:
        return {"NATS_URL": self.nodes.url, **nats_login(service, self.secrets)}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SecuredCluster]:
    secrets = tmp_path / "secrets"
    nodes = NatsCluster(tmp_path / "cluster", size=3, config=write_nats_config(secrets)).start()
    yield SecuredCluster(nodes, secrets)
    nodes.stop()


async def admin_client(cluster: SecuredCluster) -> nats.NATS:
    password = read_secret(cluster.secrets / nats_secret(NatsUser.ADMIN))
    return await nats.connect(cluster.nodes.urls, user=NatsUser.ADMIN.value, password=password)


def numbered_article(number: int, samples: list[Path]) -> str:
    """A sample article with a paragraph of its own, so every file has its own content."""
    title, _, body = samples[number % len(samples)].read_text(encoding="utf-8").partition("\n")
    own = f"Выпуск {number}. Редакция получила {number} писем о добыче лития и меди за неделю."
    return f"{title}\n\n{own}\n\n{body}"


def drop_batch(seeds: Path, samples: list[Path]) -> None:
    """Each file appears whole (written aside, then renamed), as a well-behaved producer does."""
    staging = seeds.parent / "staging"
    staging.mkdir()
    for number in range(BATCH):
        staged = staging / f"batch-{number:03d}.txt"
        staged.write_text(numbered_article(number, samples), encoding="utf-8")
        staged.rename(seeds / staged.name)


def progress(sql: Callable[..., list[tuple[Any, ...]]]) -> dict[str, int]:
    """How far the batch got, per table, for a failure message."""
    counts = {
        "raw": "SELECT count(*) FROM raw_articles",
        "clean": "SELECT count(*) FROM articles",
        "extracted": "SELECT count(*) FROM articles WHERE extracted_at IS NOT NULL",
        "dead": "SELECT count(*) FROM dead_letters",
    }
    return {name: int(sql(statement)[0][0]) for name, statement in counts.items()}


async def stream_leader(cluster: SecuredCluster) -> str:
    client = await admin_client(cluster)
    try:
        info = await client.jetstream().stream_info(STREAM)
        assert info.config.num_replicas == 3, info.config
        assert info.cluster is not None and info.cluster.leader, info.cluster
        return str(info.cluster.leader)
    finally:
        await client.close()


async def messages_on(cluster: SecuredCluster, subject: str) -> int:
    client = await admin_client(cluster)
    try:
        info = await client.jetstream().stream_info(STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))
    finally:
        await client.close()


async def test_killing_the_stream_leader_mid_batch_loses_and_duplicates_nothing(
    cluster: SecuredCluster,
    start_service: Callable[..., Any],
    service_env: dict[str, str],
    sql: Callable[..., list[tuple[Any, ...]]],
    empty_db: str,
    wait: Callable[..., Any],
    sample_articles: list[Path],
) -> None:
    cluster_env = {"OREWATCH_STREAM_REPLICAS": "3", "DATABASE_URL": empty_db}
    for service in ("store", "extractor", "cleaner", "fetcher"):
        start_service(service, **cluster_env, **cluster.service_env(service))
    drop_batch(Path(service_env["OREWATCH_SEEDS_DIR"]), sample_articles)

    await wait(lambda: sql("SELECT count(*) FROM raw_articles")[0][0] >= BATCH // 5, timeout=180)
    leader = await stream_leader(cluster)
    extracted = "SELECT count(*) FROM articles WHERE extracted_at IS NOT NULL"
    before_kill = sql(extracted)[0][0]
    cluster.nodes.node(leader).kill()
    killed_at = time.monotonic()

    try:
        await wait(lambda: sql(extracted)[0][0] >= BATCH, timeout=600, interval=1.0)
    except AssertionError as exc:
        raise AssertionError(f"after the kill: {progress(sql)}") from exc
    print(f"killed leader {leader} at {before_kill} extracted; rest in {time.monotonic() - killed_at:.0f}s")

    per_file = sql("SELECT source_uri, count(*) FROM articles GROUP BY source_uri")
    assert len(per_file) == BATCH, "lost files"
    assert {count for _, count in per_file} == {1}, "duplicated rows"
    assert sql("SELECT count(*) FROM raw_articles") == [(BATCH,)]
    assert sql("SELECT count(*) FROM dead_letters") == [(0,)]
    assert await stream_leader(cluster) != leader, "a surviving node leads the stream"
    # JetStream's dedup window survived the hand-over: no file was published twice.
    assert await messages_on(cluster, "raw.article") == BATCH
    assert await messages_on(cluster, "clean.article") == BATCH
