"""Fixtures of the container-file tests; the readers themselves are in containerfiles.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# The tests import their helpers as a plain module (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).parent))

from containerfiles import (
    DOCKERFILE,
    DOCKERIGNORE,
    ENV_EXAMPLE,
    IMAGE_SERVICES,
    DockerIgnore,
    Stage,
    load_compose,
    parse_dockerfile,
    read_env_file,
)


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="session")
def compose(env_example: dict[str, str]) -> dict[str, Any]:
    """docker-compose.yml as `docker compose` sees it after `cp .env.example .env`."""
    return load_compose(env_example)


@pytest.fixture(scope="session")
def dockerfiles() -> dict[str, list[Stage]]:
    """The one Dockerfile as each service's build argument makes it."""
    return {svc: parse_dockerfile(DOCKERFILE, {"SERVICE": svc}) for svc in IMAGE_SERVICES}


@pytest.fixture(scope="session")
def dockerignore() -> DockerIgnore:
    return DockerIgnore(DOCKERIGNORE.read_text(encoding="utf-8"))
