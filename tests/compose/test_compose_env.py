"""Compose hands each container exactly the settings it reads, and `.env.example` covers them.

A variable no service reads is a silent typo (the setting keeps its default); a
connection setting left at its default points at 127.0.0.1, i.e. the container itself.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from containerfiles import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    PYTHON_SERVICES,
    REPO,
    SECRETS_TARGET,
    Reference,
    environment_of,
    interpolate_tree,
    read_env_file,
    secret_files,
)
from orewatch_cli.main import main
from orewatch_common.permissions import NatsUser
from orewatch_common.settings import Settings
from pydantic import AliasChoices
from yaml import safe_load

# Read by the process, not by Settings: one BLAS thread per extractor replica.
PROCESS_VARIABLES = {"OMP_NUM_THREADS"}
# What the official images document (hub.docker.com/_/postgres); nats takes flags, no env.
IMAGE_VARIABLES = {
    "postgres": {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_PASSWORD_FILE",
        "POSTGRES_DB",
        "POSTGRES_INITDB_ARGS",
        "PGDATA",
    },
    "nats": set(),
}

POSTGRES = {"POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD_FILE", "POSTGRES_DB"}
NATS = {"NATS_URL", "OREWATCH_NATS_USER", "OREWATCH_NATS_PASSWORD_FILE"}
# Hand-written: what each service needs to reach its servers and do its job.
REQUIRED = {
    "fetcher": {*NATS, "OREWATCH_SEEDS_DIR"},
    "cleaner": NATS,
    "extractor": {*NATS, "OMP_NUM_THREADS"},
    "store": {*NATS, *POSTGRES},
    "migrate": POSTGRES,
}
# Hand-written: who logs in as whom.
NATS_USERS = {"fetcher": "fetcher", "cleaner": "cleaner", "extractor": "extractor", "store": "store"}
DB_ROLES = {"store": ("orewatch_app", "postgres-app"), "migrate": ("orewatch", "postgres-owner")}


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


@pytest.fixture(scope="module")
def generated_secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """./secrets/ as `orewatch secrets init` (make secrets) writes it."""
    directory = tmp_path_factory.mktemp("compose") / "secrets"
    assert main(["secrets", "init", str(directory)]) == 0
    return directory


def container_settings(
    svc: str, compose: dict[str, Any], secrets: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> Settings:
    """The service's Settings with its secrets mounted: each /run/secrets path read from `secrets`."""
    mounted = secret_files(compose, compose["services"][svc])
    env = environment_of(compose["services"][svc])
    for name, value in env.items():
        if value.startswith(SECRETS_TARGET):
            assert value in mounted, f"{svc}.{name}: {value} is not a secret mounted into {svc}"
            env[name] = str(secrets / Path(mounted[value]).name)
    return settings_from(env, monkeypatch, tmp_path)


@pytest.mark.parametrize("svc", sorted(DB_ROLES))
def test_store_and_migrate_log_in_as_their_role_with_its_secret(
    svc: str, compose: dict[str, Any], generated_secrets: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    settings = container_settings(svc, compose, generated_secrets, monkeypatch, tmp_path)
    url = urlsplit(settings.libpq_url())
    role, secret = DB_ROLES[svc]
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, "/orewatch")
    assert (url.username, url.password) == (role, (generated_secrets / secret).read_text().strip())


def test_the_owner_is_the_user_postgres_was_created_with(compose: dict[str, Any]) -> None:
    server, migrate = (environment_of(compose["services"][svc]) for svc in ("postgres", "migrate"))
    assert server["POSTGRES_USER"] == migrate["POSTGRES_USER"]
    assert server["POSTGRES_PASSWORD_FILE"] == migrate["POSTGRES_PASSWORD_FILE"]
    assert server["POSTGRES_DB"] == migrate["POSTGRES_DB"]


def test_postgres_has_no_trust_even_on_its_own_socket(compose: dict[str, Any]) -> None:
    args = environment_of(compose["services"]["postgres"])["POSTGRES_INITDB_ARGS"].split()
    assert sorted(args) == ["--auth-host=scram-sha-256", "--auth-local=scram-sha-256"]


@pytest.mark.parametrize("svc", sorted(NATS_USERS))
def test_services_log_in_to_nats_as_their_own_user(
    svc: str, compose: dict[str, Any], generated_secrets: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    settings = container_settings(svc, compose, generated_secrets, monkeypatch, tmp_path)
    password = (generated_secrets / f"nats-{NATS_USERS[svc]}").read_text().strip()
    assert settings.nats_credentials() == (NATS_USERS[svc], password)
    assert "@" not in settings.nats_url


def test_nats_runs_with_the_generated_users(compose: dict[str, Any], generated_secrets: Path) -> None:
    nats = compose["services"]["nats"]
    config = nats["command"][nats["command"].index("-c") + 1]
    source = secret_files(compose, nats)[config]
    users = json.loads((generated_secrets / Path(source).name).read_text())["authorization"]["users"]
    assert {user["user"]: user["password"] for user in users} == {
        user.value: (generated_secrets / f"nats-{user.value}").read_text().strip() for user in NatsUser
    }
    assert "no_auth_user" not in json.dumps(users)


def test_every_secret_compose_reads_is_one_secrets_init_writes(
    compose: dict[str, Any], generated_secrets: Path
) -> None:
    files = {spec["file"] for spec in compose["secrets"].values()}
    assert {Path(file).parent for file in files} == {Path("secrets")}
    assert {Path(file).name for file in files} <= {p.name for p in generated_secrets.iterdir()}
    assert stat.S_IMODE(generated_secrets.stat().st_mode) == 0o700, "only you may enter ./secrets"


def test_every_secret_is_used_and_every_mounted_one_declared(compose: dict[str, Any]) -> None:
    mounted = {
        Path(file).name
        for service in compose["services"].values()
        for file in secret_files(compose, service).values()
    }
    assert mounted == {Path(spec["file"]).name for spec in compose["secrets"].values()}


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
    assert needed <= set(read_env_file(ENV_EXAMPLE))


def test_env_example_holds_nothing_compose_does_not_use() -> None:
    """A variable in .env reaches no container unless the compose file passes it on."""
    assert set(read_env_file(ENV_EXAMPLE)) <= {ref.name for ref in compose_references()}


def test_no_credential_is_written_into_the_compose_file(compose: dict[str, Any]) -> None:
    """A password reaches a container only as a `_FILE` setting naming a secret mounted into it."""
    raw = safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    for name, service in raw["services"].items():
        mounted = secret_files(compose, compose["services"][name])
        for key, value in environment_of(service).items():
            if re.search("PASSWORD|SECRET|TOKEN", key):
                assert key.endswith("_FILE"), f"{name}.{key}: a password as a value"
                assert value in mounted, f"{name}.{key}: {value} is not a secret of {name}"


def test_env_example_holds_no_password() -> None:
    assert not [key for key in read_env_file(ENV_EXAMPLE) if re.search("PASSWORD|SECRET|TOKEN", key)]


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        (".env", True),
        (".env.example", False),
        ("secrets/postgres-owner", True),
        ("secrets/nats-server.conf", True),
    ],
)
def test_real_env_file_is_gitignored_and_the_example_is_not(path: str, ignored: bool) -> None:
    result = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
    assert (result.returncode == 0) is ignored
