"""`orewatch db url`, `bus url`, `status` and `reprocess`: the running pipeline's URLs, or why there is none.

A runtime file is only a claim: the process it names must be alive and the server it names
must answer (on the session's real PostgreSQL and NATS), else the command says so and exits 1.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from orewatch_cli.servers import PostgresServer
from orewatch_common.permissions import DbRole


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def exited_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def orewatch(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command with only the state folder set: no DATABASE_URL or NATS_URL to fall back on."""
    env = {"PATH": "/usr/bin:/bin", "OREWATCH_STATE_DIR": str(state)}
    return subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def write_runtime(state: Path, content: str | dict[str, Any]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content)
    (state / "runtime.json").write_text(text, encoding="utf-8")


# (runtime.json content or None for no file, what the message says); "PORT" is a port nobody listens on
NO_PIPELINE = [
    (None, "does not exist"),
    ("{not json", "is unreadable"),
    ({"state_dir": "x"}, "is unreadable"),
    ({"pid": "EXITED", "state_dir": "x", "postgres_port": 1, "nats_url": "nats://127.0.0.1:1"}, "has exited"),
    (
        {"pid": "SELF", "state_dir": "x", "postgres_port": "PORT", "nats_url": "nats://127.0.0.1:PORT"},
        "not answer",
    ),
]


def runtime_content(template: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
    if not isinstance(template, dict):
        return template
    port = free_port()
    values = {"EXITED": exited_pid(), "SELF": os.getpid(), "PORT": port}
    content = {
        key: values.get(value, value) if isinstance(value, str) else value for key, value in template.items()
    }
    if isinstance(content.get("postgres_port"), str):
        content["postgres_port"] = port
    if "nats_url" in content:
        content["nats_url"] = str(content["nats_url"]).replace("PORT", str(port))
    return content


@pytest.mark.parametrize(
    "command",
    [
        ("db", "url"),
        ("db", "url", "--role", "app"),
        ("bus", "url"),
        ("status",),
        ("status", "--json"),
        ("reprocess", "--all"),
        ("reprocess", "--article", "a" * 32),
        ("ingest", str(Path(__file__).parent)),
    ],
)
@pytest.mark.parametrize(("template", "reason"), NO_PIPELINE)
def test_without_a_running_pipeline_it_says_why_and_exits_1(
    command: tuple[str, ...], template: Any, reason: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    content = runtime_content(template)
    if content is not None:
        write_runtime(state, content)
    result = orewatch(state, *command)
    assert result.returncode == 1, result.stdout
    assert result.stdout == ""
    assert "no running pipeline" in result.stderr
    assert reason in result.stderr
    assert "make run" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_a_running_pipeline_it_prints_urls_that_connect(
    tmp_path: Path, server_dir: Path, database_roles: dict[DbRole, str], nats_url: str
) -> None:
    """A runtime file naming a live process (this one) and the session's real servers."""
    port = urlsplit(database_roles[DbRole.READER]).port
    assert port is not None
    state = tmp_path / "state"
    state.mkdir()
    (state / "secrets").symlink_to(PostgresServer(server_dir / "postgres", port=port).secrets)
    write_runtime(
        state, {"pid": os.getpid(), "state_dir": str(state), "postgres_port": port, "nats_url": nats_url}
    )

    db = orewatch(state, "db", "url")
    assert db.returncode == 0, db.stderr
    assert db.stdout.strip() == database_roles[DbRole.READER]
    with psycopg.connect(db.stdout.strip()) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("orewatch_reader",)

    bus = orewatch(state, "bus", "url")
    assert bus.returncode == 0, bus.stderr
    assert bus.stdout.strip() == nats_url
