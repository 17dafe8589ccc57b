"""End to end on real servers: files in seeds/, rows in Postgres, through all four services."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.slow


def copy_samples(samples: list[Path], seeds: Path) -> None:
    for sample in samples:
        shutil.copy(sample, seeds / sample.name)


def extracted_articles(sql) -> int:
    return sql("SELECT count(*) FROM articles WHERE extracted_at IS NOT NULL")[0][0]


async def test_sample_articles_end_as_rows(
    start_service, service_env, bus, sql, empty_db, wait, sample_articles
):
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    copy_samples(sample_articles, seeds)
    for service in ("store", "extractor", "cleaner", "fetcher"):
        start_service(service, DATABASE_URL=empty_db)

    await wait(lambda: extracted_articles(sql) == 5, timeout=120)
    articles = sql("SELECT url, statements FROM v_articles ORDER BY url")
    assert [url for url, _ in articles] == [p.name for p in sample_articles]
    assert all(count > 0 for _, count in articles), articles
    assert sql("SELECT count(*) FROM raw_articles") == [(5,)]
    assert sql("SELECT count(*) FROM v_statements WHERE speaker IS NOT NULL")[0][0] >= 5
    pairs = sql("SELECT actor, mineral FROM v_actor_minerals")
    assert ("Кирилл Дмитриев", "редкоземельные металлы") in {(a, m) for a, m in pairs}

    # A file dropped while the pipeline runs has its statements in Postgres within seconds.
    dropped = seeds / "dropped.txt"
    started = time.monotonic()
    dropped.write_text(
        "Добыча угля вырастет\n\n"
        "Министр энергетики России Сергей Цивилев заявил, что добыча угля в 2026 году вырастет.\n",
        encoding="cp1251",
    )
    await wait(
        lambda: sql("SELECT statements FROM v_articles WHERE url = 'dropped.txt'") == [(1,)], timeout=30
    )
    print(f"dropped file to rows: {time.monotonic() - started:.1f}s")

    # Bad input leaves a dead letter and a running pipeline.
    (seeds / "empty.txt").write_bytes(b"")
    await wait(
        lambda: sql("SELECT service, reason FROM dead_letters WHERE source_uri = 'empty.txt'"), timeout=30
    )
    assert sql("SELECT reason FROM dead_letters WHERE source_uri = 'empty.txt'") == [("empty file",)]


async def test_killed_extractor_loses_and_duplicates_nothing(
    start_service, service_env, bus, sql, empty_db, wait, sample_articles
):
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    copy_samples(sample_articles, seeds)
    for service in ("store", "cleaner", "fetcher"):
        start_service(service, DATABASE_URL=empty_db)
    await wait(lambda: sql("SELECT count(*) FROM articles")[0][0] == 5, timeout=60)

    extractor = start_service("extractor")
    await wait(lambda: _delivered(bus), timeout=60)  # it holds messages: kill it mid-work
    extractor.kill()
    start_service("extractor")

    await wait(lambda: extracted_articles(sql) == 5, timeout=120)
    assert sql("SELECT count(*) FROM articles") == [(5,)]
    assert sql("SELECT count(*) FROM raw_articles") == [(5,)]
    per_article = sql("SELECT article_id, count(*), count(DISTINCT position) FROM statements GROUP BY 1")
    assert len(per_article) == 5
    assert all(total == distinct for _, total, distinct in per_article)


async def _delivered(bus) -> bool:
    """The extractor's consumer exists and has handed out at least one message."""
    from nats.js.errors import NotFoundError

    try:
        info = await bus.js.consumer_info("OREWATCH", "extractor")
    except NotFoundError:
        return False
    return info.delivered.stream_seq > 0


def test_orewatch_run_starts_everything_and_stops_cleanly(
    tmp_path: Path, sample_articles, run_sql, orewatch_run
):
    """`orewatch run` as a user runs it: own servers under the state folder, Ctrl-C stops all."""
    started = orewatch_run(sample_articles[3])
    run, env, state = started.process, started.env, started.state
    try:
        deadline = time.monotonic() + 120
        url = None
        while time.monotonic() < deadline and url is None:
            result = subprocess.run(
                [sys.executable, "-m", "orewatch_cli.main", "db", "url"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
            url = result.stdout.strip() or None
            time.sleep(0.5)
        assert url and url.startswith("postgresql://"), "orewatch db url printed no URL"
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.Error):  # the schema may not be migrated yet
                if run_sql(url, "SELECT count(*) FROM v_articles WHERE statements > 0")[0][0] == 1:
                    break
            time.sleep(1)
        assert run_sql(url, "SELECT url FROM v_articles") == [(sample_articles[3].name,)]
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output.decode(errors="replace")[-3000:]
    assert not (state / "runtime.json").exists()
    assert not (state / "postgres" / "pgdata" / "postmaster.pid").exists()
    services = ("fetcher", "cleaner", "extractor", "store")  # each one's health/metrics port
    assert json.loads((state / "ports.json").read_text()).keys() == {
        "nats",
        "postgres",
        *(f"{service}-health" for service in services),
    }
