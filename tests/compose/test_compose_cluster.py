"""The `cluster` profile: docker-compose.cluster.yml over docker-compose.yml.

Three NATS nodes route to each other and run with the flags NatsCluster proves on
real servers (tests/cluster); every service lists all three and keeps three replicas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from containerfiles import IMAGE_SERVICES, REPO
from orewatch_cli.servers import ClusterNode
from orewatch_common.settings import Settings

CLUSTER_FILE = REPO / "docker-compose.cluster.yml"
NODES = ("nats", "nats-2", "nats-3")


def merge(base: Any, override: Any) -> Any:
    """Compose's merge of an override file, for mappings (lists and scalars are replaced)."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {
            key: merge(base.get(key), override[key]) if key in base else override[key] for key in override
        } | {key: value for key, value in base.items() if key not in override}
    return override


@pytest.fixture(scope="module")
def override() -> dict[str, Any]:
    return yaml.safe_load(CLUSTER_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cluster(compose: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    return merge(compose, override)


def flags(command: list[str]) -> dict[str, str]:
    """`-x value` pairs of a nats-server command line (a flag without value maps to '')."""
    found: dict[str, str] = {}
    for position, word in enumerate(command):
        if word.startswith("-"):
            following = command[position + 1] if position + 1 < len(command) else "-"
            found[word] = "" if following.startswith("-") else following
    return found


def test_the_override_file_follows_the_compose_specification(override: dict[str, Any]) -> None:
    schema = json.loads((Path(__file__).with_name("compose-spec.json")).read_text(encoding="utf-8"))
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(override))
    assert not errors, [error.message for error in errors]


def test_two_nodes_join_only_with_the_cluster_profile(override: dict[str, Any]) -> None:
    assert override["services"]["nats-2"]["profiles"] == ["cluster"]
    assert override["services"]["nats-3"]["profiles"] == ["cluster"]


def test_nodes_run_with_the_flags_the_real_cluster_test_uses(cluster: dict[str, Any], tmp_path: Path) -> None:
    tested = flags(ClusterNode("n1", tmp_path, config=tmp_path / "nats-server.conf").arguments([]))
    for node in NODES:
        used = flags(cluster["services"][node]["command"])
        # -a and -p keep nats-server's defaults (all interfaces, 4222) in a container
        assert set(used) == set(tested) - {"-a", "-p"}, node
        assert used["-sd"] == "/data" and used["-m"] == "8222"
        assert used["-c"] == "/run/secrets/nats-server.conf", "users and permissions on every node"
        assert "nats-server.conf" in cluster["services"][node]["secrets"]


def test_every_node_has_its_own_name_volume_and_routes_to_all(cluster: dict[str, Any]) -> None:
    services = cluster["services"]
    names = {flags(services[node]["command"])["--name"] for node in NODES}
    assert names == {"nats-1", "nats-2", "nats-3"}
    volumes = {services[node]["volumes"][0] for node in NODES}
    assert volumes == {"nats-data:/data", "nats-2-data:/data", "nats-3-data:/data"}
    cluster_ports = {node: urlsplit(flags(services[node]["command"])["--cluster"]).port for node in NODES}
    for node in NODES:
        routes = {urlsplit(route) for route in flags(services[node]["command"])["--routes"].split(",")}
        assert {(route.hostname, route.port) for route in routes} == set(cluster_ports.items()), node
        assert flags(services[node]["command"])["--cluster_name"] == "orewatch"


def test_nodes_are_healthy_only_with_a_meta_leader(cluster: dict[str, Any]) -> None:
    for node in NODES:
        probe = cluster["services"][node]["healthcheck"]["test"]
        assert probe[-1] == "http://127.0.0.1:8222/healthz", "js-enabled-only is true before a quorum"


@pytest.mark.parametrize("service", IMAGE_SERVICES)
def test_services_list_every_node_and_keep_three_replicas(cluster: dict[str, Any], service: str) -> None:
    spec = cluster["services"][service]
    environment = spec["environment"]
    settings = Settings(
        _env_file=None,
        nats_url=environment["NATS_URL"],
        stream_replicas=environment["OREWATCH_STREAM_REPLICAS"],
    )
    assert [urlsplit(url).hostname for url in settings.nats_servers()] == list(NODES)
    assert settings.stream_replicas == 3
    assert {node: spec["depends_on"][node]["condition"] for node in NODES} == dict.fromkeys(
        NODES, "service_healthy"
    )
