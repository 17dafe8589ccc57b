"""Each chaos scenario as a test: `pytest -m chaos tests/chaos -k NATS` runs some by name.

Only the quick subset (a kill -9 of the store with ten articles, seconds) runs in
`make test`; the others are marked `chaos` and deselected there (root pyproject addopts).
`make chaos` runs them all at once and prints the one table (run.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from run import details, run_scenario
from scenarios import SCENARIOS


def _param(name: str) -> object:
    scenario = SCENARIOS[name]
    budget = pytest.mark.timeout(scenario.nominal_s + scenario.settle_s + 120)
    marks = [budget, pytest.mark.slow] if scenario.quick else [budget, pytest.mark.chaos]
    return pytest.param(name, marks=marks, id=name.replace(" ", "-"))


@pytest.mark.parametrize("name", [_param(name) for name in SCENARIOS])
async def test_scenario(name: str) -> None:
    result = await run_scenario(SCENARIOS[name], scale=1.0)
    if result.note.startswith("skip"):
        pytest.skip(result.note)
    assert result.ok, "\n".join(details([result]))
