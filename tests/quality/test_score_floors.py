"""The quality gate: score.py's figures on the seeds and on bsnlp-dev stay above pinned floors.

`make score` only prints the figures; this test fails CI when one drops below its floor
(floors in score_floors.toml). The evaluation data is ../shared beside the project.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EVAL = REPO.parent / "shared" / "eval"
SCORE = EVAL / "score.py"
FLOORS: dict[str, dict[str, Any]] = tomllib.loads((Path(__file__).parent / "score_floors.toml").read_text())
HEADLINE = re.compile(r"^(?P<docs>\d+) docs: (?P<figures>.*)$", re.MULTILINE)
FIGURE = re.compile(r"(?P<name>[a-z]+(?: F1)?)=(?P<value>\d+\.\d+)")

pytestmark = pytest.mark.slow


def headline(output: str) -> tuple[int, dict[str, float]]:
    """Document count and figures of score.py's last line, e.g.
    '421 docs: cleaning F1=0.992 metadata=0.971 actors F1=0.916 speakers=0.946'."""
    lines = HEADLINE.findall(output)
    if not lines:
        raise AssertionError(f"no headline figures in score.py's output:\n{output[-2000:]}")
    docs, figures = lines[-1]
    return int(docs), {m["name"]: float(m["value"]) for m in FIGURE.finditer(figures)}


@pytest.mark.parametrize(
    ("output", "docs", "figures"),
    [
        (
            "a.txt: | clean P=1.00\n5 docs: cleaning F1=1.000 metadata=1.000 actors F1=1.000 "
            "minerals F1=1.000 speakers=1.000\n",
            5,
            {"cleaning F1": 1.0, "metadata": 1.0, "actors F1": 1.0, "minerals F1": 1.0, "speakers": 1.0},
        ),
        (
            "421 docs: cleaning F1=0.992 metadata=0.971 actors F1=0.916 speakers=0.946\n",
            421,
            {"cleaning F1": 0.992, "metadata": 0.971, "actors F1": 0.916, "speakers": 0.946},
        ),
    ],
)
def test_headline_is_read_from_the_last_line(output: str, docs: int, figures: dict[str, float]) -> None:
    assert headline(output) == (docs, figures)


def orewatch_command() -> Path:
    """The `orewatch` of the environment running the tests (.venv/bin/orewatch under make)."""
    command = Path(sys.executable).parent / "orewatch"
    assert command.exists(), f"no orewatch command beside {sys.executable}: run `make install`"
    return command


@pytest.mark.parametrize("gold_set", sorted(FLOORS))
def test_score_stays_above_its_floors(gold_set: str) -> None:
    if not SCORE.exists():
        pytest.fail(
            f"the quality gate needs the shared evaluation data: {SCORE} is missing "
            "(check out ../shared beside the project, as CI does)"
        )
    spec = FLOORS[gold_set]
    args = [sys.executable, str(SCORE), "--cmd", str(orewatch_command())]
    for option in ("gold", "texts"):
        if option in spec:
            args += [f"--{option}", str(EVAL / spec[option])]
    run = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=REPO)
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"score.py failed ({run.returncode}):\n{output[-3000:]}"
    docs, figures = headline(run.stdout)
    assert docs == spec["docs"], f"{gold_set}: scored {docs} documents, expected {spec['docs']}"
    below = {
        name: (figures.get(name), floor)
        for name, floor in spec["floors"].items()
        if figures.get(name) is None or figures[name] < floor
    }
    assert not below, f"{gold_set}: figures (got, floor) below their floors: {below}\n{run.stdout[-300:]}"
