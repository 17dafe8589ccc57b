"""`orewatch ingest` on a real `orewatch run` (its own nats-server and PostgreSQL): a folder of
good articles and two files the fetcher refuses goes through, the summary counts each outcome,
and a second ingest of the same folder finds everything already known. Without a pipeline the
command says so and exits 1 (test_cli_running_pipeline.py)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EMPTY = "empty.txt"
BINARY = "blob.txt"


def orewatch(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def batch(folder: Path, articles: list[Path]) -> Path:
    """Good articles, an empty file and a binary one: what a real folder of downloads holds."""
    folder.mkdir()
    for article in articles:
        shutil.copy(article, folder / article.name)
    (folder / EMPTY).write_bytes(b"")
    (folder / BINARY).write_bytes(bytes(range(256)) * 8)
    (folder / ".hidden.txt").write_text("skipped, as the watcher skips it", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_ingest_a_folder_into_a_running_pipeline(
    tmp_path: Path, sample_articles: list[Path], orewatch_run: Callable[..., Any]
) -> None:
    folder = batch(tmp_path / "downloads", sample_articles[:3])
    started = orewatch_run()
    run, env = started.process, started.env
    try:
        deadline = time.monotonic() + 120
        while orewatch(env, tmp_path, "db", "url").returncode != 0:
            assert time.monotonic() < deadline, "the pipeline did not come up in 120 s"
            time.sleep(0.5)
        first = orewatch(env, tmp_path, "ingest", str(folder), "--timeout", "240", timeout=300)
        again = orewatch(env, tmp_path, "ingest", str(folder), "--timeout", "60", timeout=120)
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output.decode(errors="replace")[-3000:]

    assert first.returncode == 0, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == f"5 file(s) ingested into {started.seeds}"
    assert "  stored         3" in lines
    assert "  dead-lettered  2" in lines
    assert f"    downloads/{EMPTY}: fetcher: empty file" in lines
    assert (
        f"    downloads/{BINARY}: fetcher: binary content (control bytes), not a text or HTML document"
        in lines
    )
    assert "  already known  0" in lines
    for article in sample_articles[:3]:
        assert (started.seeds / "downloads" / article.name).read_bytes() == article.read_bytes()
    assert not (started.seeds / "downloads" / ".hidden.txt").exists()

    assert again.returncode == 0, again.stdout + again.stderr
    assert "  already known  5" in again.stdout.splitlines()
    assert "  stored         0" in again.stdout.splitlines()
