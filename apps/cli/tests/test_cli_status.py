"""`orewatch status`: the pure parts from hand-written inputs, then the command on a real
`orewatch run` (its own nats-server and PostgreSQL) after a file went through it."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import psycopg
import pytest
from orewatch_cli.status import (
    ConsumerStatus,
    PipelineStatus,
    ServiceStatus,
    counters,
    status_object,
    status_table,
)

from tests.support.cli import orewatch, poll

ZERO = {"received": 0, "acked": 0, "nacked": 0, "rejected": 0, "published": 0, "errors": 0}


def family(name: str, kind: str, *samples: str) -> str:
    """One metric family in the Prometheus text format, as prometheus_client writes it."""
    return "\n".join([f"# HELP {name} doc", f"# TYPE {name} {kind}", *samples]) + "\n"


RECEIVED = family(
    "faststream_received_messages_total",
    "counter",
    'faststream_received_messages_total{app_name="store",broker="nats",handler="raw.article"} 3.0',
    'faststream_received_messages_total{app_name="store",broker="nats",handler="clean.article"} 2.0',
)
RECEIVED_CREATED = family(
    "faststream_received_messages_created",
    "gauge",
    'faststream_received_messages_created{app_name="store",broker="nats",handler="raw.article"} 1.79e+09',
)
PROCESSED = family(
    "faststream_received_processed_messages_total",
    "counter",
    'faststream_received_processed_messages_total{app_name="c",handler="a",status="acked"} 4.0',
    'faststream_received_processed_messages_total{app_name="c",handler="b",status="acked"} 1.0',
    'faststream_received_processed_messages_total{app_name="c",handler="a",status="nacked"} 2.0',
    'faststream_received_processed_messages_total{app_name="c",handler="a",status="rejected"} 1.0',
    'faststream_received_processed_messages_total{app_name="c",handler="a",status="skipped"} 7.0',
)
PUBLISHED = family(
    "faststream_published_messages_total",
    "counter",
    'faststream_published_messages_total{app_name="c",broker="nats",destination="x",status="success"} 5.0',
    'faststream_published_messages_total{app_name="c",broker="nats",destination="y",status="success"} 1.0',
    'faststream_published_messages_total{app_name="c",broker="nats",destination="x",status="error"} 2.0',
)
EXCEPTIONS = family(
    "faststream_received_processed_messages_exceptions_total",
    "counter",
    'faststream_received_processed_messages_exceptions_total{app_name="c",broker="nats",handler="a",'
    'exception_type="ValueError"} 3.0',
) + family(
    "faststream_published_messages_exceptions_total",
    "counter",
    'faststream_published_messages_exceptions_total{app_name="c",broker="nats",destination="x",'
    'exception_type="TimeoutError"} 2.0',
)
HISTOGRAM = family(
    "faststream_received_processed_messages_duration_seconds",
    "histogram",
    'faststream_received_processed_messages_duration_seconds_bucket{app_name="c",handler="a",le="+Inf"} 9.0',
    'faststream_received_processed_messages_duration_seconds_count{app_name="c",handler="a"} 9.0',
    'faststream_received_processed_messages_duration_seconds_sum{app_name="c",handler="a"} 0.5',
)
OTHER = family("process_cpu_seconds_total", "counter", "process_cpu_seconds_total 12.0")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ZERO),
        (RECEIVED, {**ZERO, "received": 5}),  # summed over handlers
        (RECEIVED + RECEIVED_CREATED, {**ZERO, "received": 5}),  # the _created gauge is no count
        (PROCESSED, {**ZERO, "acked": 5, "nacked": 2, "rejected": 1}),  # skipped is none of them
        (PUBLISHED, {**ZERO, "published": 6}),  # failed publishes are counted as errors, below
        (EXCEPTIONS, {**ZERO, "errors": 5}),  # the handlers' and the publishers'
        (HISTOGRAM + OTHER, ZERO),
        (
            RECEIVED + PROCESSED + PUBLISHED + EXCEPTIONS + HISTOGRAM + OTHER,
            {"received": 5, "acked": 5, "nacked": 2, "rejected": 1, "published": 6, "errors": 5},
        ),
    ],
    ids=["empty", "received", "created", "processed", "published", "errors", "unrelated", "all"],
)
def test_counters_sum_faststreams_families_per_service(text: str, expected: dict[str, int]) -> None:
    assert counters(text) == expected


MOSCOW = timezone(timedelta(hours=3))
FETCHER = ServiceStatus(True, "http://127.0.0.1:5001/metrics", {**ZERO, "published": 5})
STORE_DOWN = ServiceStatus(False, "http://127.0.0.1:5004/metrics", {})
FULL = PipelineStatus(
    services={"fetcher": FETCHER, "store": STORE_DOWN},
    consumers={"cleaner": ConsumerStatus(2, 1, 0), "store-raw": ConsumerStatus(0, 0, 3)},
    dead_letters={"empty file": 2, "gave up after 6 deliveries: boom": 1},
    newest_article_at=datetime(2026, 12, 8, 2, 30, tzinfo=MOSCOW),
)
EMPTY = PipelineStatus(services={}, consumers={}, dead_letters={}, newest_article_at=None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            FULL,
            {
                "services": {
                    "fetcher": {
                        "ready": True,
                        "metrics_url": "http://127.0.0.1:5001/metrics",
                        "counters": {**ZERO, "published": 5},
                    },
                    "store": {"ready": False, "metrics_url": "http://127.0.0.1:5004/metrics", "counters": {}},
                },
                "consumers": {
                    "cleaner": {"pending": 2, "ack_pending": 1, "redelivered": 0},
                    "store-raw": {"pending": 0, "ack_pending": 0, "redelivered": 3},
                },
                "dead_letters": {"empty file": 2, "gave up after 6 deliveries: boom": 1},
                "newest_article_at": "2026-12-07T23:30:00+00:00",  # in UTC
            },
        ),
        (EMPTY, {"services": {}, "consumers": {}, "dead_letters": {}, "newest_article_at": None}),
    ],
    ids=["full", "empty"],
)
def test_status_object_is_the_documented_json(status: PipelineStatus, expected: dict[str, Any]) -> None:
    assert status_object(status) == expected
    assert json.loads(json.dumps(status_object(status))) == expected


def test_status_table_lines_up_and_names_what_is_wrong() -> None:
    assert status_table(FULL).splitlines() == [
        "SERVICE  READY  RECEIVED  ACKED  NACKED  REJECTED  PUBLISHED  ERRORS  METRICS",
        "fetcher  yes    0         0      0       0         5          0       http://127.0.0.1:5001/metrics",
        "store    NO     -         -      -       -         -          -       http://127.0.0.1:5004/metrics",
        "",
        "CONSUMER   PENDING  ACK PENDING  REDELIVERED",
        "cleaner    2        1            0",
        "store-raw  0        0            3",
        "",
        "DEAD LETTERS  REASON",
        "2             empty file",
        "1             gave up after 6 deliveries: boom",
        "",
        "NEWEST ARTICLE  2026-12-07T23:30:00+00:00",
    ]
    assert status_table(EMPTY).splitlines()[-3:] == [
        "DEAD LETTERS  none",
        "",
        "NEWEST ARTICLE  none stored yet",
    ]


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200, url
        return str(response.read().decode())


def settled(status: dict[str, Any]) -> bool:
    """Every service ready and nothing left in any consumer."""
    services, consumers = status["services"].values(), status["consumers"].values()
    return all(s["ready"] for s in services) and all(
        c["pending"] == 0 and c["ack_pending"] == 0 for c in consumers
    )


@pytest.mark.slow
def test_status_of_a_running_pipeline_after_a_file_went_through(
    tmp_path: Path, sample_articles: list[Path], orewatch_run: Callable[..., Any]
) -> None:
    started = orewatch_run()
    run, env = started.process, started.env
    try:
        url = poll(lambda: orewatch(env, tmp_path, "db", "url").stdout.strip(), 120, "no database URL")
        shutil.copy(sample_articles[0], started.seeds / sample_articles[0].name)
        with psycopg.connect(url, autocommit=True) as conn:
            poll(
                lambda: conn.execute("SELECT 1 FROM v_articles WHERE statements > 0").fetchone(),
                120,
                "the article's row",
            )

        def status() -> dict[str, Any]:
            result = orewatch(env, tmp_path, "status", "--json")
            assert result.returncode == 0, result.stderr
            parsed: dict[str, Any] = json.loads(result.stdout)
            return parsed if settled(parsed) else {}

        found = poll(status, 60, "every service ready and no consumer pending")
        metrics = {name: scrape(service["metrics_url"]) for name, service in found["services"].items()}
        listening = {
            c.laddr.port: c.laddr.ip for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN
        }
        bound = {
            name: listening.get(urlsplit(s["metrics_url"]).port) for name, s in found["services"].items()
        }
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output.decode(errors="replace")[-3000:]
    assert bound == dict.fromkeys(found["services"], "127.0.0.1")  # make run: this machine only

    assert list(found["services"]) == ["fetcher", "cleaner", "extractor", "store"]
    assert set(found["consumers"]) >= {"cleaner", "extractor", "store-raw", "store-clean", "store-extracted"}
    assert all(c["redelivered"] == 0 for c in found["consumers"].values())
    assert found["services"]["fetcher"]["counters"]["published"] >= 1
    assert found["services"]["store"]["counters"]["acked"] >= 3  # raw, clean and extracted article
    assert found["dead_letters"] == {}
    for name, body in metrics.items():  # each metrics URL answers with FastStream's families
        assert "# TYPE faststream_published_messages_total counter" in body, name
        assert f'app_name="{name}"' in body, name
    assert datetime.fromisoformat(found["newest_article_at"]) > datetime.now(UTC) - timedelta(minutes=10)


def test_make_run_gives_each_service_its_own_health_port_and_keeps_it(tmp_path: Path) -> None:
    """Four distinct ports recorded with their metrics URLs; the next run reuses a free one
    and replaces one that something else now listens on."""
    from orewatch_cli.supervisor import _health_ports

    first: dict[str, Any] = {}
    ports = _health_ports(tmp_path, first)
    assert list(ports) == ["fetcher", "cleaner", "extractor", "store"]
    assert len(set(ports.values())) == 4
    assert first["services"] == {
        name: {"health_port": port, "metrics_url": f"http://127.0.0.1:{port}/metrics"}
        for name, port in ports.items()
    }
    assert _health_ports(tmp_path, {}) == ports
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports["cleaner"]))
        busy.listen()
        again = _health_ports(tmp_path, {})
    assert again["cleaner"] != ports["cleaner"]
    assert {name: again[name] for name in ("fetcher", "extractor", "store")} == {
        name: ports[name] for name in ("fetcher", "extractor", "store")
    }
    assert len(set(again.values())) == 4
