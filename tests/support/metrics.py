"""Reading a service's /metrics in tests: one scrape over HTTP, and the values in it."""

from __future__ import annotations

import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scrape(port: int) -> str | None:
    """The Prometheus text of GET /metrics on a service's health port; None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as response:
            return str(response.read().decode())
    except (urllib.error.URLError, OSError):
        return None


def values(text: str, name: str, **labels: str) -> list[float]:
    """The values of the samples called `name` whose labels include `labels`."""
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when there are none)."""
    return sum(values(text, name, **labels))


def sample_names(text: str) -> set[str]:
    """Every sample name a scrape (or registry text) can show: a family's own samples, and for
    a family with none yet the names its type gives it (`_total`, `_bucket`, `_sum`, …)."""
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {sample.name for sample in family.samples}
        names |= {family.name + suffix for suffix in suffixes.get(family.type, ("",))}
    return names
