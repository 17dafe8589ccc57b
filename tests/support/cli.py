"""Running the `orewatch` command in tests against a pipeline started by the `orewatch_run`
fixture: one way to call it and one way to wait for what it reports."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg


def orewatch(
    env: dict[str, str], cwd: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`orewatch ARGS` as a user runs it, in `cwd` with `env` (the pipeline's)."""
    return subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def poll(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """The condition's first truthy value, trying every half second."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.Error, json.JSONDecodeError):  # not migrated / not up yet
            value = condition()
            if value:
                return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout}s (last: {value!r})")
