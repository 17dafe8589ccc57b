"""The image's command: OREWATCH_SERVICE picks the service module, nothing else runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from orewatch_common.launch import SERVICE_VARIABLE, service_module


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("fetcher", "orewatch_fetcher"),
        ("cleaner", "orewatch_cleaner"),
        ("extractor", "orewatch_extractor"),
        ("store", "orewatch_store"),
    ],
)
def test_each_service_runs_its_own_module(name: str, module: str) -> None:
    assert service_module(name) == module


@pytest.mark.parametrize("name", ["", "Fetcher", "cli", "common", "store; rm -rf /", "lexicon"])
def test_a_name_outside_the_services_is_refused(name: str) -> None:
    with pytest.raises(ValueError):
        service_module(name)


@pytest.mark.parametrize("value", [None, "migrate"])
def test_the_command_exits_1_and_names_the_services_when_unset_or_wrong(value: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != SERVICE_VARIABLE}
    if value is not None:
        env[SERVICE_VARIABLE] = value
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_common.launch"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "fetcher, cleaner, extractor, store" in result.stderr
