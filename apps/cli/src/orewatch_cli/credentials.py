"""Generated passwords, one file each, reused once they exist and never in git.

`orewatch run` keeps them under `<state_dir>/secrets/` (mode 0600, folder 0700);
`orewatch secrets init` writes the same set into `./secrets/` for docker compose, with
the nats-server config rendered from `orewatch_common.permissions`. Services are given
the *paths* (the `_FILE` settings), never a password in argv or the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from orewatch_common.permissions import DbRole, NatsUser, server_config
from orewatch_common.settings import read_secret

NATS_CONFIG = "nats-server.conf"


def nats_secret(user: NatsUser) -> str:
    return f"nats-{user.value}"


def postgres_secret(role: DbRole) -> str:
    return f"postgres-{role.value}"


GRAFANA_ADMIN_SECRET = "grafana-admin"  # the compose profile `observability`'s Grafana admin

SECRET_NAMES = (
    *(postgres_secret(role) for role in DbRole),
    *(nats_secret(user) for user in NatsUser),
    GRAFANA_ADMIN_SECRET,
)


def _write_private(path: Path, text: str, mode: int) -> None:
    """Create the file with its final mode (never readable by others, not even for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    path.chmod(mode)


def ensure_secrets(directory: Path, mode: int = 0o600) -> dict[str, Path]:
    """Every secret file of the pipeline, generated where missing (32 random URL-safe bytes)."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    paths = {}
    for name in SECRET_NAMES:
        path = directory / name
        if not path.exists() or not read_secret(path):
            _write_private(path, secrets.token_urlsafe(32) + "\n", mode)
        paths[name] = path
    return paths


def nats_login(service: str, secrets: Path) -> dict[str, str]:
    """A service's NATS user and the path of its password file (the password stays in the file)."""
    user = NatsUser(service)
    return {"OREWATCH_NATS_USER": user.value, "OREWATCH_NATS_PASSWORD_FILE": str(secrets / nats_secret(user))}


def write_nats_config(directory: Path, mode: int = 0o600) -> Path:
    """nats-server.conf with a user per service (their passwords from the secret files)."""
    paths = ensure_secrets(directory, mode)
    passwords = {user: read_secret(paths[nats_secret(user)]) for user in NatsUser}
    path = directory / NATS_CONFIG
    _write_private(path, server_config(passwords), mode)
    return path
