"""Credentials reach a service as files (`_FILE` settings), which win over plain values; the NATS
URL never carries them; the permission table renders into a config nats-server accepts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from orewatch_cli.credentials import SECRET_NAMES, ensure_secrets
from orewatch_cli.servers import nats_server_binary
from orewatch_common.bus import nats_auth_options, subscriber_options
from orewatch_common.permissions import GRANTS, NatsUser, permissions, server_config
from orewatch_common.settings import Settings, read_secret


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text("from-the-file\n")  # an editor's trailing newline is not part of it
    return path


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "postgresql://orewatch@127.0.0.1:5432/orewatch"),
        ({"postgres_password": "plain"}, "postgresql://orewatch:plain@127.0.0.1:5432/orewatch"),
        (
            {"postgres_password": "plain", "postgres_password_file": "FILE"},
            "postgresql://orewatch:from-the-file@127.0.0.1:5432/orewatch",
        ),
        (
            {"database_url": "postgresql://orewatch_app@db:5432/ow", "postgres_password_file": "FILE"},
            "postgresql://orewatch_app:from-the-file@db:5432/ow",
        ),
        (
            {"database_url": "postgresql+psycopg://u%40x:old@db/ow", "postgres_password_file": "FILE"},
            "postgresql://u%40x:from-the-file@db/ow",
        ),
        ({"database_url": "postgresql://u:in-url@db/ow"}, "postgresql://u:in-url@db/ow"),
    ],
)
def test_the_password_file_wins(fields: dict[str, str], expected: str, password_file: Path) -> None:
    values = {k: (password_file if v == "FILE" else v) for k, v in fields.items()}
    assert Settings(_env_file=None, **values).libpq_url() == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, None),
        ({"nats_password": "plain"}, None),  # no user, no login
        ({"nats_user": "store", "nats_password": "plain"}, ("store", "plain")),
        (
            {"nats_user": "store", "nats_password": "plain", "nats_password_file": "FILE"},
            ("store", "from-the-file"),
        ),
    ],
)
def test_nats_credentials(
    fields: dict[str, str], expected: tuple[str, str] | None, password_file: Path
) -> None:
    values = {k: (password_file if v == "FILE" else v) for k, v in fields.items()}
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]
    assert settings.nats_credentials() == expected
    assert settings.nats_url == "nats://127.0.0.1:4222"


def test_settings_read_the_file_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, password_file: Path
) -> None:
    monkeypatch.setenv("OREWATCH_NATS_USER", "cleaner")
    monkeypatch.setenv("OREWATCH_NATS_PASSWORD_FILE", str(password_file))
    monkeypatch.setenv("POSTGRES_PASSWORD_FILE", str(password_file))
    settings = Settings(_env_file=None)
    assert settings.nats_credentials() == ("cleaner", "from-the-file")
    assert ":from-the-file@" in settings.libpq_url()


def test_a_service_replies_only_on_its_own_inbox(password_file: Path) -> None:
    settings = Settings(_env_file=None, nats_user="extractor", nats_password_file=password_file)
    assert nats_auth_options(settings)["inbox_prefix"] == "_INBOX.extractor"
    assert subscriber_options(settings, None, "extractor")["inbox_prefix"] == b"_INBOX.extractor."  # type: ignore[arg-type]
    assert nats_auth_options(Settings(_env_file=None)) == {}


def test_secrets_are_generated_once_private_and_distinct(tmp_path: Path) -> None:
    first = ensure_secrets(tmp_path / "secrets")
    passwords = {name: read_secret(path) for name, path in first.items()}
    assert set(passwords) == set(SECRET_NAMES)
    assert len(set(passwords.values())) == len(passwords)
    assert all(len(password) >= 40 for password in passwords.values())
    assert {path.stat().st_mode & 0o777 for path in first.values()} == {0o600}
    again = ensure_secrets(tmp_path / "secrets")
    assert {name: read_secret(path) for name, path in again.items()} == passwords, "reused, not regenerated"


def test_every_user_has_grants_and_the_admin_alone_has_all() -> None:
    assert set(GRANTS) == set(NatsUser)
    assert [user for user in NatsUser if ">" in permissions(user).publish] == [NatsUser.ADMIN]


def test_nats_server_accepts_the_rendered_config(tmp_path: Path) -> None:
    config = tmp_path / "nats-server.conf"
    config.write_text(server_config({user: f"pw-{user.value}" for user in NatsUser}))
    check = subprocess.run(
        [str(nats_server_binary()), "-c", str(config), "-t"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    users = json.loads(config.read_text())["authorization"]["users"]
    assert [user["user"] for user in users] == [user.value for user in NatsUser]


def test_a_user_without_a_password_is_refused() -> None:
    with pytest.raises(ValueError, match="admin"):
        server_config({user: "x" for user in NatsUser if user is not NatsUser.ADMIN})
