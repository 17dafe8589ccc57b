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


PIPELINE_SERVICES = ("fetcher", "cleaner", "extractor", "store")
# What Prometheus adds to every target it scrapes: its own series, and the target's labels.
SCRAPE_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
TARGET_LABELS = frozenset({"job", "instance"})


def exposed_metrics() -> dict[str, frozenset[str]]:
    """Each sample name the services' /metrics can show, with its label names: from the very
    registries the health servers serve (each service's app, built as it runs, not started)."""
    import importlib

    from orewatch_common.settings import Settings
    from prometheus_client import generate_latest

    exposed: dict[str, frozenset[str]] = {}
    for service in PIPELINE_SERVICES:
        app = importlib.import_module(f"orewatch_{service}.app").build_app(Settings(_env_file=None))
        registry = app.broker.metrics
        collectors = registry._names_to_collectors  # prometheus-client keeps no public label list
        for name in sample_names(generate_latest(registry).decode()):
            labels = frozenset(getattr(collectors.get(name), "_labelnames", ()))
            if name.endswith("_bucket"):
                labels |= {"le"}
            exposed[name] = exposed.get(name, frozenset()) | labels
    return exposed
