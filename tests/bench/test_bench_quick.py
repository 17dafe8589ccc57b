"""`make bench` works end to end: `benchmarks/bench.py --quick` (8 texts, 1 round, ~35 s) starts
its own servers and services, and every file it drops becomes rows. It checks the harness,
never a figure: the numbers of a quick run on a shared CI machine mean nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TEXTS = REPO.parent / "shared" / "eval" / "bsnlp-dev" / "texts"
LAST_LINE = re.compile(
    r"^bench: e2e_ratio=(?P<e2e_ratio>[\d.]+) replicas2_speedup=(?P<replicas2_speedup>[\d.]+)"
    r" p50_ms=(?P<p50_ms>\d+) p95_ms=(?P<p95_ms>\d+) extractor_rss_mb=(?P<extractor_rss_mb>\d+)"
    r" missing=(?P<missing>\d+)$"
)


def test_quick_bench_turns_every_dropped_file_into_rows() -> None:
    assert TEXTS.is_dir(), f"the bench needs ../shared/eval/bsnlp-dev/texts ({TEXTS} is missing)"
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench.py"), "--quick", "--timeout", "60"],
        env={**env, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    last = LAST_LINE.match(done.stdout.strip().splitlines()[-1])
    assert last, output[-3000:]
    assert last["missing"] == "0", output[-3000:]
    assert float(last["e2e_ratio"]) > 0 and float(last["replicas2_speedup"]) > 0
    assert int(last["extractor_rss_mb"]) > 0
    assert done.stdout.count("8 files to rows") == 2, output[-3000:]
    assert "  ! " not in done.stdout, output[-3000:]  # a warm-up batch or a natasha run failed
