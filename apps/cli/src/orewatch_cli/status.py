"""`orewatch status [--json]`: how the running pipeline is doing, in one look.

An operator asks four places: each service's health port (ready, and its FastStream
counters from `/metrics`), JetStream (each durable consumer's backlog and redeliveries),
and PostgreSQL (dead letters by reason, the newest stored article). Where they are comes
from the runtime file of `orewatch run` (orewatch_cli.supervisor); without a running
pipeline the command says so and exits 1, like `orewatch db url`.

The pure parts (`counters`, `status_object`, `status_table`) take plain values, so they
are tested without servers; `gather_status` is the only part that talks to them.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from prometheus_client.parser import text_string_to_metric_families

HTTP_TIMEOUT_S = 3.0
NATS_TIMEOUT_S = 5.0
DB_TIMEOUT_S = 5
REASON_WIDTH = 100  # a dead letter's reason carries the error text; the table shows its start


class Counter(StrEnum):
    """What `orewatch status` counts per service, summed over its handlers and subjects."""

    RECEIVED = "received"
    ACKED = "acked"
    NACKED = "nacked"
    REJECTED = "rejected"
    PUBLISHED = "published"
    ERRORS = "errors"


# FastStream's NatsPrometheusMiddleware sample -> counter: (sample name, label, its value or
# None for any, counter). Processed messages are split by how they ended; errors are the
# handlers' and the publishers' exceptions.
_RULES: tuple[tuple[str, str, str | None, Counter], ...] = (
    ("faststream_received_messages_total", "", None, Counter.RECEIVED),
    ("faststream_received_processed_messages_total", "status", "acked", Counter.ACKED),
    ("faststream_received_processed_messages_total", "status", "nacked", Counter.NACKED),
    ("faststream_received_processed_messages_total", "status", "rejected", Counter.REJECTED),
    ("faststream_published_messages_total", "status", "success", Counter.PUBLISHED),
    ("faststream_received_processed_messages_exceptions_total", "", None, Counter.ERRORS),
    ("faststream_published_messages_exceptions_total", "", None, Counter.ERRORS),
)


def counters(metrics_text: str) -> dict[str, int]:
    """A service's counters from its /metrics (Prometheus text): every counter, 0 when unseen."""
    totals = dict.fromkeys(Counter, 0.0)
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            for name, label, value, counter in _RULES:
                if sample.name == name and (value is None or sample.labels.get(label) == value):
                    totals[counter] += sample.value
    return {counter.value: int(total) for counter, total in totals.items()}


@dataclass(frozen=True)
class ServiceStatus:
    ready: bool
    metrics_url: str
    counters: Mapping[str, int]  # empty when /metrics does not answer


@dataclass(frozen=True)
class ConsumerStatus:
    pending: int  # in the stream, not yet delivered
    ack_pending: int  # delivered, not yet acknowledged
    redelivered: int  # of those delivered and not yet acknowledged, how many on a second or later try


@dataclass(frozen=True)
class PipelineStatus:
    services: Mapping[str, ServiceStatus]
    consumers: Mapping[str, ConsumerStatus]
    dead_letters: Mapping[str, int]  # reason -> how many
    newest_article_at: datetime | None


def _timestamp(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def status_object(status: PipelineStatus) -> dict[str, Any]:
    """The one JSON object of `orewatch status --json`."""
    return {
        "services": {
            name: {
                "ready": service.ready,
                "metrics_url": service.metrics_url,
                "counters": dict(service.counters),
            }
            for name, service in status.services.items()
        },
        "consumers": {
            name: {"pending": c.pending, "ack_pending": c.ack_pending, "redelivered": c.redelivered}
            for name, c in status.consumers.items()
        },
        "dead_letters": dict(status.dead_letters),
        "newest_article_at": _timestamp(status.newest_article_at),
    }


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Left-aligned columns, two spaces apart; the last column is not padded."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


def status_table(status: PipelineStatus) -> str:
    """The readable form: services, consumers, dead letters, then the newest article."""
    names = [counter.value for counter in Counter]
    services = [
        [name, "yes" if s.ready else "NO", *(s.counters.get(c, "-") for c in names), s.metrics_url]
        for name, s in status.services.items()
    ]
    lines = _table(["SERVICE", "READY", *(name.upper() for name in names), "METRICS"], services)
    consumers = [[name, c.pending, c.ack_pending, c.redelivered] for name, c in status.consumers.items()]
    lines += ["", *_table(["CONSUMER", "PENDING", "ACK PENDING", "REDELIVERED"], consumers)]
    if status.dead_letters:
        letters = [[count, _shorten(reason)] for reason, count in status.dead_letters.items()]
        lines += ["", *_table(["DEAD LETTERS", "REASON"], letters)]
    else:
        lines += ["", "DEAD LETTERS  none"]
    lines += ["", f"NEWEST ARTICLE  {_timestamp(status.newest_article_at) or 'none stored yet'}"]
    return "\n".join(lines)


def _shorten(reason: str) -> str:
    flat = " ".join(reason.split())
    return flat if len(flat) <= REASON_WIDTH else flat[: REASON_WIDTH - 1] + "…"


def _get(url: str) -> tuple[int, str] | None:
    """Status and body of a GET; None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as response:
            return int(response.status), response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return int(error.code), ""
    except (urllib.error.URLError, OSError, ValueError):
        return None


def service_status(metrics_url: str) -> ServiceStatus:
    """Ready (GET /health/ready answers 200) and the counters of one service's /metrics."""
    ready = _get(urlsplit(metrics_url)._replace(path="/health/ready").geturl())
    metrics = _get(metrics_url)
    found = counters(metrics[1]) if metrics is not None and metrics[0] == 200 else {}
    return ServiceStatus(ready=ready is not None and ready[0] == 200, metrics_url=metrics_url, counters=found)


async def consumer_status(
    url: str, login: tuple[str, str] | None, streams: Sequence[str]
) -> dict[str, ConsumerStatus]:
    """Every consumer of the streams, by name (a stream not created yet has none)."""
    import nats
    from nats.js.errors import NotFoundError

    auth = {"user": login[0], "password": login[1]} if login else {}
    client = await nats.connect(url, connect_timeout=NATS_TIMEOUT_S, allow_reconnect=False, **auth)
    found: dict[str, ConsumerStatus] = {}
    try:
        js = client.jetstream(timeout=NATS_TIMEOUT_S)
        for stream in streams:
            try:
                infos = await js.consumers_info(stream)
            except NotFoundError:
                continue
            for info in sorted(infos, key=lambda info: info.name or ""):
                found[info.name or "?"] = ConsumerStatus(
                    pending=info.num_pending or 0,
                    ack_pending=info.num_ack_pending or 0,
                    redelivered=info.num_redelivered or 0,
                )
    finally:
        await client.close()
    return found


def store_status(database_url: str) -> tuple[dict[str, int], datetime | None]:
    """Dead letters by reason (most first) and when the newest article was stored."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=DB_TIMEOUT_S) as connection:
        rows = connection.execute(
            "SELECT reason, count(*) FROM dead_letters GROUP BY reason ORDER BY count(*) DESC, reason"
        ).fetchall()
        newest = connection.execute("SELECT max(stored_at) FROM articles").fetchone()
    return {str(reason): int(count) for reason, count in rows}, newest[0] if newest else None


def gather_status() -> PipelineStatus:
    """Ask the running pipeline's services, NATS and PostgreSQL (NoPipeline without one).

    The dead letters table is not among the reader role's views, so this reads as the app
    role, which the store itself uses and which may SELECT it."""
    from orewatch_common.bus import advisory_stream_name
    from orewatch_common.permissions import DbRole
    from orewatch_common.settings import get_settings

    from orewatch_cli.supervisor import (
        running_database_url,
        running_nats_login,
        running_nats_url,
        running_services,
    )

    # the servers first: a pipeline that is gone is reported as such, not as four unready services
    nats_url, database_url = running_nats_url(), running_database_url(DbRole.APP)
    services = {name: service_status(url) for name, url in running_services().items()}
    settings = get_settings()
    streams = (settings.stream_name, advisory_stream_name(settings))
    consumers = asyncio.run(consumer_status(nats_url, running_nats_login(), streams))
    dead_letters, newest = store_status(database_url)
    return PipelineStatus(services, consumers, dead_letters, newest)


def show_status(as_json: bool) -> int:
    """`orewatch status`: the table (or one JSON object); exit 1 when there is no pipeline to ask."""
    from orewatch_cli.supervisor import against_the_pipeline

    def show() -> int:
        status = gather_status()
        print(json.dumps(status_object(status), ensure_ascii=False) if as_json else status_table(status))
        return 0

    return against_the_pipeline(show)
