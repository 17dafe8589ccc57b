"""The compose profile `observability`: Prometheus scrapes every service, Grafana shows a
provisioned dashboard whose queries use only metrics the services expose, and neither
starts without `--profile observability`."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from containerfiles import COMPOSE_FILE, ENV_EXAMPLE, REPO, environment_of, volume_mounts
from observability import (
    GRAFANA_DIR,
    PROMETHEUS_DIR,
    prometheus_problems,
    promql_names,
    rule_problems,
    unknown_names,
)
from test_compose_spec import _docker_compose

from tests.support.metrics import SCRAPE_SERIES, exposed_metrics

PROFILED = ("prometheus", "grafana")
PROMETHEUS_PORT = 9090  # --web.listen-address


@pytest.fixture(scope="module")
def prometheus_config() -> dict[str, Any]:
    return dict(yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def exposed() -> dict[str, frozenset[str]]:
    return exposed_metrics()


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return dict(json.loads((GRAFANA_DIR / "dashboards" / "orewatch.json").read_text(encoding="utf-8")))


def resolved(tmp_path: Path, *profile: str) -> dict[str, Any]:
    """`docker compose [--profile …] config` with .env.example, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "OREWATCH_", "COMPOSE_"))}
    flags = [arg for name in profile for arg in ("--profile", name)]
    result = subprocess.run(
        [*_docker_compose(), "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE), *flags,
         "config", "--format", "json"],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_profile_adds_prometheus_and_grafana_and_nothing_starts_them_otherwise(
    tmp_path: Path, compose: dict[str, Any]
) -> None:
    plain, observed = resolved(tmp_path), resolved(tmp_path, "observability")
    assert not set(PROFILED) & set(plain["services"])
    assert set(observed["services"]) == set(plain["services"]) | set(PROFILED)
    for name in PROFILED:
        assert compose["services"][name]["profiles"] == ["observability"]
    # no pipeline service waits for them: the pipeline runs the same without the profile
    for name, service in compose["services"].items():
        if name not in PROFILED:
            assert not set(service.get("depends_on") or {}) & set(PROFILED), name


@pytest.mark.parametrize("svc", PROFILED)
def test_images_are_pinned_to_a_release(svc: str, compose: dict[str, Any]) -> None:
    image = compose["services"][svc]["image"]
    assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", image), f"{image}: a moving tag"


@pytest.mark.parametrize("svc", PROFILED)
def test_least_privilege(svc: str, compose: dict[str, Any]) -> None:
    service = compose["services"][svc]
    assert service["read_only"] is True, "a read-only root file system; data only on its volume"
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert str(service["user"]).split(":")[0] not in ("0", "root", "")
    binds = [(source, mode) for source, _target, mode in volume_mounts(service) if source.startswith(".")]
    assert binds and all(mode == "ro" for _source, mode in binds), binds
    for port in service["ports"]:
        assert str(port).startswith("127.0.0.1:")


@pytest.mark.parametrize(("svc", "probe"), [("prometheus", "/-/ready"), ("grafana", "/api/health")])
def test_healthchecks_ask_the_readiness_endpoints(svc: str, probe: str, compose: dict[str, Any]) -> None:
    check = compose["services"][svc]["healthcheck"]
    assert check["test"][0] == "CMD" and check["test"][-1].endswith(probe)
    assert int(check["retries"]) >= 3


def test_prometheus_reads_the_mounted_config_and_rules(
    compose: dict[str, Any], prometheus_config: dict[str, Any]
) -> None:
    service = compose["services"]["prometheus"]
    flags = dict(arg.removeprefix("--").split("=", 1) for arg in service["command"])
    mounts = {target: source for source, target, _mode in volume_mounts(service)}
    assert (REPO / mounts[flags["config.file"]]).resolve() == PROMETHEUS_DIR / "prometheus.yml"
    for rules in prometheus_config["rule_files"]:
        assert (REPO / mounts[rules]).is_file(), f"{rules} is not mounted"
    assert mounts[flags["storage.tsdb.path"]] == "prometheus-data", "samples on the named volume"
    assert flags["web.listen-address"] == f":{PROMETHEUS_PORT}"


def test_the_prometheus_config_is_valid(prometheus_config: dict[str, Any]) -> None:
    assert prometheus_problems(prometheus_config) == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda c: c["global"].update(scrape_intervall="15s"), "global.scrape_intervall: unknown field"),
        (lambda c: c["global"].update(scrape_interval="15 seconds"), "is not a Prometheus duration"),
        (lambda c: c["global"].update(scrape_timeout="1m"), "scrape_timeout is longer than scrape_interval"),
        (lambda c: c["scrape_configs"].append(copy.deepcopy(c["scrape_configs"][0])), "is used twice"),
        (lambda c: c["scrape_configs"][0].pop("dns_sd_configs"), "no targets"),
        (lambda c: c["scrape_configs"][0]["dns_sd_configs"][0].update(type="B"), ".type: one of"),
        (lambda c: c["scrape_configs"][0]["dns_sd_configs"][0].pop("port"), ".port: required"),
        (
            lambda c: c["scrape_configs"][-1]["static_configs"][0].update(targets=["prometheus"]),
            "not host:port",
        ),
        (lambda c: c["scrape_configs"][0].update(metrics_path="metrics"), "metrics_path: a path from /"),
        (lambda c: c.update(scrape_config=[]), "<root>.scrape_config: unknown field"),
    ],
)
def test_the_structure_check_catches_a_broken_config(
    prometheus_config: dict[str, Any], edit: Any, problem: str
) -> None:
    broken = copy.deepcopy(prometheus_config)
    edit(broken)
    assert any(problem in found for found in prometheus_problems(broken)), prometheus_problems(broken)


def test_every_service_is_scraped_on_its_health_port(
    compose: dict[str, Any], prometheus_config: dict[str, Any]
) -> None:
    """Each service with a health port has a job of its name that finds every replica."""
    jobs = {job["job_name"]: job for job in prometheus_config["scrape_configs"]}
    served = {
        name: int(environment_of(service)["OREWATCH_HEALTH_PORT"])
        for name, service in compose["services"].items()
        if "OREWATCH_HEALTH_PORT" in environment_of(service)
    }
    assert set(served) == {"fetcher", "cleaner", "extractor", "store"}
    for name, port in served.items():
        job = jobs[name]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        # an A lookup of the compose service name: one address per replica (`--scale`)
        assert [(d["names"], d["type"], d["port"]) for d in job["dns_sd_configs"]] == [([name], "A", port)]


def test_the_alert_rules_are_valid_and_use_exposed_metrics(exposed: dict[str, frozenset[str]]) -> None:
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text(encoding="utf-8"))
    assert rule_problems(rules) == []
    extra = dict.fromkeys(SCRAPE_SERIES, frozenset())
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert unknown_names(rule["expr"], exposed, extra) == [], rule["alert"]


def test_grafana_provisions_the_prometheus_of_the_profile(
    compose: dict[str, Any], dashboard: dict[str, Any]
) -> None:
    grafana = compose["services"]["grafana"]
    mounts = {source: target for source, target, _mode in volume_mounts(grafana)}
    provisioning = Path(mounts["./compose/grafana/provisioning"])
    assert environment_of(grafana)["GF_PATHS_PROVISIONING"] == str(provisioning)
    sources = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text())
    [source] = sources["datasources"]
    assert (source["type"], source["url"], source["access"]) == (
        "prometheus", f"http://prometheus:{PROMETHEUS_PORT}", "proxy"
    )  # fmt: skip
    providers = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "orewatch.yml").read_text())
    [provider] = providers["providers"]
    assert provider["options"]["path"] == mounts["./compose/grafana/dashboards"]
    uids = {target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel["targets"]}
    assert uids | {panel["datasource"]["uid"] for panel in dashboard["panels"]} == {source["uid"]}


def dashboard_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_dashboard_queries_use_only_exposed_metrics_and_labels(
    dashboard: dict[str, Any], exposed: dict[str, frozenset[str]]
) -> None:
    extra = dict.fromkeys(SCRAPE_SERIES, frozenset())
    assert {title: unknown_names(expr, exposed, extra) for title, expr in dashboard_queries(dashboard)} == {
        title: [] for title, _expr in dashboard_queries(dashboard)
    }
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


# What the issue asks the dashboard to show, and a metric that shows it.
SHOWN = {
    "throughput": "faststream_received_messages_total",
    "extractor throughput": "orewatch_extractor_documents_total",
    "pending": "orewatch_consumer_pending_messages",
    "errors": "faststream_received_processed_messages_exceptions_total",
    "dead letters": "orewatch_dead_letters_total",
    "redeliveries": "orewatch_redeliveries_total",
    "latency": "faststream_received_processed_messages_duration_seconds_bucket",
}


@pytest.mark.parametrize("what", sorted(SHOWN))
def test_the_dashboard_shows(what: str, dashboard: dict[str, Any]) -> None:
    used = set().union(*(promql_names(expr)[0] for _title, expr in dashboard_queries(dashboard)))
    assert SHOWN[what] in used


@pytest.mark.parametrize(
    ("expr", "problems"),
    [
        ("sum(rate(orewatch_dead_letter_total[5m]))", ["metric orewatch_dead_letter_total"]),
        ('sum by (reason) (orewatch_redeliveries_total{service="x"})', ["label reason"]),
        ('orewatch_dead_letters_total{reasons=~"bug|invalid"}', ["label reasons"]),
        (
            "histogram_quantile(0.95, sum by (le, handler) "
            "(rate(faststream_received_processed_messages_duration_seconds_bucket[$__rate_interval])))",
            [],
        ),
        ('up{job="store"} == 0', []),
    ],
)
def test_the_name_check_catches_a_misspelt_metric_or_label(
    expr: str, problems: list[str], exposed: dict[str, frozenset[str]]
) -> None:
    assert unknown_names(expr, exposed, dict.fromkeys(SCRAPE_SERIES, frozenset())) == problems
