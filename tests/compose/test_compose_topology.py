"""Start order, health checks, volumes and what `docker compose up --scale extractor=3` needs."""

from __future__ import annotations

from typing import Any

import pytest
from containerfiles import REPO
from orewatch_fetcher.feeds import feed_specs

SCALABLE = ("fetcher", "cleaner", "extractor", "store")

# Hand-written start order: who waits for whom, and for what.
DEPENDS_ON = {
    "nats": {},
    "postgres": {},
    "migrate": {"postgres": "service_healthy"},
    "fetcher": {"nats": "service_healthy"},
    "cleaner": {"nats": "service_healthy"},
    "extractor": {"nats": "service_healthy"},
    "store": {
        "nats": "service_healthy",
        "postgres": "service_healthy",
        "migrate": "service_completed_successfully",
    },
}
# Profile `observability`: started only with `--profile observability`.
OBSERVABILITY = {"prometheus": {}, "grafana": {"prometheus": "service_healthy"}}


def test_the_pipeline_has_its_seven_services(compose: dict[str, Any]) -> None:
    unprofiled = {name for name, service in compose["services"].items() if not service.get("profiles")}
    assert unprofiled == set(DEPENDS_ON)
    assert set(compose["services"]) == set(DEPENDS_ON) | set(OBSERVABILITY)
    for name in OBSERVABILITY:
        assert compose["services"][name]["profiles"] == ["observability"]


@pytest.mark.parametrize("svc", sorted({**DEPENDS_ON, **OBSERVABILITY}))
def test_depends_on_conditions(svc: str, compose: dict[str, Any]) -> None:
    depends_on = compose["services"][svc].get("depends_on", {})
    assert isinstance(depends_on, dict), "long form: a bare list waits for nothing but the start"
    assert {name: spec["condition"] for name, spec in depends_on.items()} == {**DEPENDS_ON, **OBSERVABILITY}[
        svc
    ]


@pytest.mark.parametrize(
    ("svc", "probe"),
    [
        ("nats", "http://127.0.0.1:8222/healthz?js-enabled-only=true"),  # ready only once JetStream is
        ("postgres", "pg_isready -h 127.0.0.1"),
    ],
)
def test_servers_have_the_healthchecks_the_conditions_wait_for(
    svc: str, probe: str, compose: dict[str, Any]
) -> None:
    check = compose["services"][svc]["healthcheck"]
    assert probe in " ".join(check["test"])
    assert check["test"][0] in ("CMD", "CMD-SHELL")


def test_nats_runs_jetstream_on_its_volume_with_monitoring(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    command = nats["command"]
    assert "-js" in command
    assert command[command.index("-sd") + 1] == "/data"
    assert command[command.index("-m") + 1] == "8222", "the healthcheck's port"
    assert "nats-data:/data" in nats["volumes"]


def test_postgres_keeps_its_data_on_a_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:17")  # 18 moved PGDATA to /var/lib/postgresql
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    used = {
        spec.split(":")[0]
        for service in compose["services"].values()
        for spec in service.get("volumes", [])
        if not spec.startswith((".", "/"))
    }
    assert used == {"nats-data", "postgres-data", "prometheus-data", "grafana-data"}
    assert used <= set(compose.get("volumes") or {})


def test_migrate_runs_once(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["python", "-m", "orewatch_store.migrations_runner"]
    assert migrate["restart"] == "no", "a finished migration must not be started again"


@pytest.mark.parametrize("svc", SCALABLE)
def test_services_restart_and_stop_gracefully(svc: str, compose: dict[str, Any]) -> None:
    service = compose["services"][svc]
    assert service["restart"] == "unless-stopped"
    assert service["init"] is True, "an init as PID 1 passes SIGTERM on"


@pytest.mark.parametrize("svc", sorted(DEPENDS_ON))
def test_no_fixed_container_name(svc: str, compose: dict[str, Any]) -> None:
    """`--scale` needs compose to name the replicas."""
    assert "container_name" not in compose["services"][svc]


@pytest.mark.parametrize("svc", [*SCALABLE, "migrate"])
def test_workers_publish_no_host_port(svc: str, compose: dict[str, Any]) -> None:
    """Replicas would fight over a fixed host port; workers only connect out."""
    service = compose["services"][svc]
    assert "ports" not in service
    assert service.get("network_mode") != "host"


@pytest.mark.parametrize("svc", ["nats", "postgres", *OBSERVABILITY])
def test_servers_publish_only_on_loopback(svc: str, compose: dict[str, Any]) -> None:
    for port in compose["services"][svc].get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"{svc} port {port} would be open to the network"


@pytest.mark.parametrize("svc", SCALABLE)
def test_every_service_has_a_readiness_healthcheck_on_its_own_port(svc: str, compose: dict[str, Any]) -> None:
    """The probe asks /health/ready on OREWATCH_HEALTH_PORT (orewatch_common.healthcheck); the
    port is inside the container, never published."""
    service = compose["services"][svc]
    assert service["healthcheck"]["test"] == ["CMD", "python", "-m", "orewatch_common.healthcheck"]
    assert service["environment"]["OREWATCH_HEALTH_PORT"] == "8080"
    assert int(service["healthcheck"]["retries"]) >= 3


# Hand-written: what each container may use at most (the extractor's models: ~310 MB resident).
LIMITS = {
    "nats": ("1.0", "512M"),
    "postgres": ("1.0", "1G"),
    "migrate": ("0.5", "256M"),
    "fetcher": ("0.5", "384M"),
    "cleaner": ("0.5", "384M"),
    "extractor": ("1.0", "1G"),
    "store": ("0.5", "384M"),
    "prometheus": ("0.5", "512M"),
    "grafana": ("0.5", "256M"),
}


@pytest.mark.parametrize("svc", sorted({**DEPENDS_ON, **OBSERVABILITY}))
def test_every_container_has_cpu_and_memory_limits(svc: str, compose: dict[str, Any]) -> None:
    limits = compose["services"][svc]["deploy"]["resources"]["limits"]
    assert (limits["cpus"], limits["memory"]) == LIMITS[svc]


def test_the_fetcher_reads_the_feeds_file_compose_hands_it(compose: dict[str, Any]) -> None:
    fetcher = compose["services"]["fetcher"]
    target = fetcher["environment"]["OREWATCH_FEEDS_FILE"]
    assert [(c["source"], c["target"]) for c in fetcher["configs"]] == [("feeds", target)]
    assert compose["configs"]["feeds"]["file"] == "./compose/feeds.txt"  # .env.example's value
    assert feed_specs("", REPO / "compose" / "feeds.txt", 300.0) == ([], []), "the default lists none"
