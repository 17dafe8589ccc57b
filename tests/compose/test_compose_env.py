"""Compose hands each container exactly the settings it reads, and `.env.example` covers them.

A variable no service reads is a silent typo (the setting keeps its default); a
connection setting left at its default points at 127.0.0.1, i.e. the container itself.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
from containerfiles import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    PYTHON_SERVICES,
    REPO,
    Reference,
    environment_of,
    interpolate_tree,
    read_env_file,
)
from orewatch_common.settings import Settings
from pydantic import AliasChoices
from yaml import safe_load

# Read by the process, not by Settings: one BLAS thread per extractor replica.
PROCESS_VARIABLES = {"OMP_NUM_THREADS"}
# What the official images document (hub.docker.com/_/postgres); nats takes flags, no env.
IMAGE_VARIABLES = {
    "postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "POSTGRES_INITDB_ARGS", "PGDATA"},
    "nats": set(),
}

POSTGRES = {"POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
# Hand-written: what each service needs to reach its servers and do its job.
REQUIRED = {
    "fetcher": {"NATS_URL", "OREWATCH_SEEDS_DIR"},
    "cleaner": {"NATS_URL"},
    "extractor": {"NATS_URL", "OMP_NUM_THREADS"},
    "store": {"NATS_URL", *POSTGRES},
    "migrate": POSTGRES,
}


def settings_variables() -> set[str]:
    """Every environment name Settings reads: its aliases, or OREWATCH_<FIELD>."""
    names: set[str] = set()
    prefix = Settings.model_config.get("env_prefix", "")
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice) for choice in alias.choices}
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Settings:
    """Settings as a container builds them: this environment only, no .env in the working dir."""
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return Settings()


def test_settings_variables_are_found() -> None:
    """Guards the reflection below against reading nothing."""
    assert {"NATS_URL", "DATABASE_URL", "POSTGRES_PASSWORD", "OREWATCH_SEEDS_DIR"} <= settings_variables()


@pytest.mark.parametrize("svc", PYTHON_SERVICES)
def test_service_environment_holds_only_what_the_service_reads(svc: str, compose: dict[str, Any]) -> None:
    unknown = set(environment_of(compose["services"][svc])) - settings_variables() - PROCESS_VARIABLES
    assert not unknown


@pytest.mark.parametrize("svc", sorted(IMAGE_VARIABLES))
def test_server_environment_holds_only_variables_the_image_reads(svc: str, compose: dict[str, Any]) -> None:
    assert set(environment_of(compose["services"][svc])) <= IMAGE_VARIABLES[svc]


@pytest.mark.parametrize("svc", PYTHON_SERVICES)
def test_service_gets_every_setting_it_needs(svc: str, compose: dict[str, Any]) -> None:
    env = environment_of(compose["services"][svc])
    assert REQUIRED[svc] <= {name for name, value in env.items() if value}


def test_extractor_gets_one_thread_per_replica(compose: dict[str, Any]) -> None:
    assert environment_of(compose["services"]["extractor"])["OMP_NUM_THREADS"] == "1"


@pytest.mark.parametrize("svc", ["fetcher", "cleaner", "extractor", "store"])
def test_services_reach_nats_by_its_service_name(
    svc: str, compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    settings = settings_from(environment_of(compose["services"][svc]), monkeypatch, tmp_path)
    url = urlsplit(settings.nats_url)
    assert (url.scheme, url.hostname, url.port) == ("nats", "nats", 4222)
    assert "-p" not in compose["services"]["nats"]["command"], "nats listens on its default 4222"


@pytest.mark.parametrize("svc", ["store", "migrate"])
def test_store_logs_in_with_the_credentials_postgres_was_created_with(
    svc: str, compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    server = environment_of(compose["services"]["postgres"])
    settings = settings_from(environment_of(compose["services"][svc]), monkeypatch, tmp_path)
    url = urlsplit(settings.libpq_url())
    assert (url.hostname, url.port) == ("postgres", 5432)
    assert (url.username, url.password, url.path) == (
        server["POSTGRES_USER"], server["POSTGRES_PASSWORD"], f"/{server['POSTGRES_DB']}"
    )  # fmt: skip


def test_fetcher_watches_the_folder_compose_mounts_seeds_at(compose: dict[str, Any]) -> None:
    fetcher = compose["services"]["fetcher"]
    seeds_dir = environment_of(fetcher)["OREWATCH_SEEDS_DIR"]
    assert f"./seeds:{seeds_dir}:ro" in fetcher["volumes"], "read-only: the fetcher never writes there"
    assert (REPO / "seeds").is_dir()


# --- .env.example and .env ------------------------------------------------------------------


def compose_references() -> list[Reference]:
    seen: list[Reference] = []
    interpolate_tree(safe_load(COMPOSE_FILE.read_text(encoding="utf-8")), read_env_file(ENV_EXAMPLE), seen)
    return seen


def test_env_example_provides_every_variable_compose_needs() -> None:
    needed = {ref.name for ref in compose_references() if not ref.has_default}
    assert needed
    assert needed <= set(read_env_file(ENV_EXAMPLE))


def test_env_example_holds_nothing_compose_does_not_use() -> None:
    """A variable in .env reaches no container unless the compose file passes it on."""
    assert set(read_env_file(ENV_EXAMPLE)) <= {ref.name for ref in compose_references()}


def test_no_credential_is_written_into_the_compose_file() -> None:
    raw = safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    for name, service in raw["services"].items():
        for key, value in environment_of(service).items():
            if re.search("PASSWORD|SECRET|TOKEN", key):
                assert value.startswith("${") and ":?" in value, f"{name}.{key}: from .env, no default"


def test_env_example_password_is_a_placeholder() -> None:
    password = read_env_file(ENV_EXAMPLE)["POSTGRES_PASSWORD"]
    assert password and "change" in password


@pytest.mark.parametrize(("path", "ignored"), [(".env", True), (".env.example", False)])
def test_real_env_file_is_gitignored_and_the_example_is_not(path: str, ignored: bool) -> None:
    result = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
    assert (result.returncode == 0) is ignored
