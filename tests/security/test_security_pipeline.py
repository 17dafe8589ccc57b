"""The whole pipeline with authentication on: each service logs in as its own NATS user (the
store as the PostgreSQL app role) with a password file, and the sample articles end as rows.

And `orewatch run` as a user starts it: its own servers with generated passwords, which no
service gets in its argv or environment, only the paths of the files.
"""

from __future__ import annotations

import contextlib
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from orewatch_common.permissions import DbRole

pytestmark = pytest.mark.slow

SERVICES = ("store", "extractor", "cleaner", "fetcher")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", "@")


async def test_sample_articles_end_as_rows_with_every_service_on_its_own_user(
    auth_nats: Any,
    auth_bus: Any,
    database_roles: dict[DbRole, str],
    start_service: Callable[..., Any],
    service_env: dict[str, str],
    sql: Callable[..., list[tuple[Any, ...]]],
    wait: Callable[..., Any],
    sample_articles: list[Path],
    server_dir: Path,
) -> None:
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    for sample in sample_articles:
        (seeds / sample.name).write_bytes(sample.read_bytes())
    store_db = {
        "DATABASE_URL": _without_password(database_roles[DbRole.APP]),
        "POSTGRES_PASSWORD_FILE": str(server_dir / "secrets" / "postgres-app"),
    }
    processes = []
    for service in SERVICES:
        db = store_db if service == "store" else {}
        processes.append(start_service(service, **auth_nats.service_env(service), **db))

    await wait(
        lambda: sql("SELECT count(*) FROM articles WHERE extracted_at IS NOT NULL") == [(5,)], timeout=120
    )
    assert [url for (url,) in sql("SELECT url FROM v_articles ORDER BY url")] == [
        p.name for p in sample_articles
    ]
    assert sql("SELECT count(*) FROM dead_letters") == [(0,)]
    for process in processes:
        assert process.process.poll() is None, process.log()[-3000:]
        assert "permissions violation" not in process.log().lower(), process.log()[-3000:]


def _orewatch(*args: str, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    return result.stdout.strip()


def _children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(proc.name))
    return found


def test_orewatch_run_gives_services_password_files_never_passwords(
    tmp_path: Path, orewatch_run: Callable[..., Any]
) -> None:
    started = orewatch_run()
    run, env, state = started.process, started.env, started.state
    try:
        deadline = time.monotonic() + 120
        urls: dict[str, str] = {}
        while time.monotonic() < deadline and len(urls) < 3:
            urls = {r.value: _orewatch("db", "url", "--role", r.value, env=env, cwd=tmp_path) for r in DbRole}
            urls = {role: url for role, url in urls.items() if url}
            time.sleep(0.5)
        assert {role: urlsplit(url).username for role, url in urls.items()} == {
            "owner": "orewatch",
            "app": "orewatch_app",
            "reader": "orewatch_reader",
        }
        assert _orewatch("db", "url", env=env, cwd=tmp_path) == urls["reader"], "the default is the reader"
        bus_url = _orewatch("bus", "url", env=env, cwd=tmp_path)
        assert urlsplit(bus_url).hostname == "127.0.0.1" and "@" not in bus_url

        # (tests/e2e's `orewatch run` test reads the stored article through this reader URL)
        with psycopg.connect(urls["reader"]) as conn:
            assert conn.execute("SELECT count(*) FROM v_articles").fetchone() is not None

        secrets = state / "secrets"
        assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
        assert {stat.S_IMODE(p.stat().st_mode) for p in secrets.iterdir()} == {0o600}
        passwords = [p.read_text().strip() for p in secrets.iterdir() if p.name != "nats-server.conf"]
        while time.monotonic() < deadline and len(_children(run.pid)) < 5:  # nats-server + 4 services
            time.sleep(0.2)
        children = _children(run.pid)
        assert len(children) >= 5
        logins = {}
        for pid in children:
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            assert not [password for password in passwords if password in environ + cmdline]
            variables = dict(item.partition("=")[::2] for item in environ.split("\0") if "=" in item)
            argv = cmdline.rstrip("\0").split("\0")
            if "serve" in argv:
                logins[argv[-1]] = {
                    name: value
                    for name, value in variables.items()
                    if name.startswith(("OREWATCH_NATS", "POSTGRES_")) or name == "DATABASE_URL"
                }
        store_db = {
            "DATABASE_URL": _without_password(urls["app"]),
            "POSTGRES_PASSWORD_FILE": str(secrets / "postgres-app"),
        }
        assert logins == {
            service: {
                "OREWATCH_NATS_USER": service,
                "OREWATCH_NATS_PASSWORD_FILE": str(secrets / f"nats-{service}"),
            }
            | (store_db if service == "store" else {})
            for service in ("fetcher", "cleaner", "extractor", "store")
        }, "each its own NATS user; only the store a database, as the app role"
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output.decode(errors="replace")[-3000:]
