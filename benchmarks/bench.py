"""`make bench`: orewatch end to end against bare natasha, on the same texts, in the same run.

File in, rows in PostgreSQL out, on real NATS and PostgreSQL started as `make run` starts them,
the four services as their own processes (OMP_NUM_THREADS=1 each), with 1 and then 2 extractor
replicas; bare natasha (benchmarks/natasha_bare.py) as a whole process over the same files,
alternating rounds with the pipeline, best of rounds. Then `orewatch extract` offline against
bare natasha (both whole processes, neither has seen the texts), the drop-to-row latency of
single files dropped into an idle pipeline, every process's peak RSS, and the cost-growth
table. See benchmarks/README.md for how to read it. It prints; it never fails on a number.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench.py [--texts DIR] [--limit N] [--rounds R] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from growth import CASES, typical_file
from pipeline import Batch, Pipeline

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
DEFAULT_TEXTS = SHARED / "eval" / "bsnlp-dev" / "texts"
WARM_TEXTS = REPO / "seeds"  # the five sample articles: never among the measured texts
ONE_GB = 1024.0
IDLE_S = 1.0  # pause before each single-file drop, so the pipeline is idle


@dataclass
class Figures:
    """What the run measured; best of rounds where there are rounds."""

    files: list[Path]
    natasha: list[dict[str, float]] = field(default_factory=list)  # wall_s, load_s, process_s
    pipeline: dict[int, list[float]] = field(default_factory=dict)  # replicas -> batch seconds
    offline: list[float] = field(default_factory=list)
    offline_natasha: list[float] = field(default_factory=list)
    latency: list[tuple[Path, float, list[float]]] = field(default_factory=list)  # file, s, stages
    latency_natasha: list[float] = field(default_factory=list)
    missing: int = 0  # dropped files that never became rows
    peaks: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # service -> CPU seconds over its sessions
    growth: list[tuple[str, dict[str, float] | str]] = field(default_factory=list)

    @property
    def megabytes(self) -> float:
        return sum(path.stat().st_size for path in self.files) / 1e6

    def best_natasha(self, key: str = "process_s") -> float:
        return min(run[key] for run in self.natasha) if self.natasha else float("nan")

    def best_pipeline(self, replicas: int) -> float:
        return min(self.pipeline.get(replicas) or [float("nan")])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS, help="folder of .txt files to measure")
    parser.add_argument("--limit", type=int, default=None, help="measure only the first N texts")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best is kept")
    parser.add_argument("--latency-files", type=int, default=10, help="single files for p50/p95")
    parser.add_argument("--no-growth", action="store_true", help="skip the cost-growth table")
    parser.add_argument("--quick", action="store_true", help="8 texts, 1 round, 2 single files, no growth")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a batch may take")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit, args.rounds, args.latency_files, args.no_growth = args.limit or 8, 1, 2, True
    return args


def choose_files(args: argparse.Namespace) -> tuple[list[Path], list[Path]]:
    """The measured texts, and the single files for latency: typical lengths, and outside the
    measured set when there are texts to spare (else the measured set's middle ones)."""
    every = sorted(args.texts.glob("*.txt"))
    if not every:
        raise SystemExit(f"no .txt files in {args.texts}: pass --texts DIR")
    measured = every[: args.limit]
    spare = every[len(measured) :] or measured
    by_size = sorted(spare, key=lambda path: (path.stat().st_size, path.name))
    middle = max(0, len(by_size) // 2 - args.latency_files // 2)
    return measured, by_size[middle : middle + args.latency_files]


def run_json(command: list[str]) -> tuple[float, dict[str, Any]]:
    """A whole process: its wall time and the JSON of its last stdout line ({} if it failed)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        print(f"  ! {' '.join(command[:3])}... exited {done.returncode}: {done.stderr.strip()[-300:]}")
        return wall, {}
    lines = done.stdout.strip().splitlines()
    return wall, json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}


def natasha_round(files: list[Path]) -> dict[str, float]:
    wall, result = run_json([sys.executable, str(HERE / "natasha_bare.py"), *map(str, files)])
    return {"wall_s": wall, **result}


def offline_round(files: list[Path]) -> float:
    """`orewatch extract` over the files, a whole process, its output discarded."""
    orewatch = Path(sys.executable).parent / "orewatch"
    start = time.perf_counter()
    subprocess.run([str(orewatch), "extract", *map(str, files)], stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def warm_up(pipeline: Pipeline, copies: int, timeout: float) -> None:
    """The five sample articles, `copies` times (each its own source), until all are rows."""
    for _ in range(copies):
        batch = pipeline.drop(sorted(WARM_TEXTS.glob("*.txt")), "warm")
        if not pipeline.wait(batch, timeout):
            print(f"  ! warm-up batch {batch.folder} not stored within {timeout:.0f}s")


def measure_batch(pipeline: Pipeline, figures: Figures, replicas: int, timeout: float) -> Batch:
    batch = pipeline.drop(figures.files, f"measure-{replicas}x")
    if not pipeline.wait(batch, timeout):
        figures.missing += len(batch.files) - pipeline.done(batch)
    figures.pipeline.setdefault(replicas, []).append(batch.seconds)
    print(
        f"  pipeline, {replicas} extractor(s): {len(batch.files)} files to rows in {batch.seconds:.2f}s",
        end="",
    )
    print(f" (the last one: {stage_lasts(pipeline, batch)})")
    return batch


def stage_lasts(pipeline: Pipeline, batch: Batch) -> str:
    """When the last article of a batch passed each stage: where a batch waits."""
    rows = pipeline.stages(batch)
    if not rows:
        return "no rows"
    names = ("read by the fetcher", "raw row", "clean row", "extracted")
    lasts = [max(row[column] for row in rows).timestamp() - batch.dropped_wall for column in (1, 2, 3, 4)]
    return ", ".join(f"{name} {seconds:.2f}s" for name, seconds in zip(names, lasts, strict=True))


def measure_latency(pipeline: Pipeline, figures: Figures, singles: list[Path], timeout: float) -> None:
    """Each file alone into an idle pipeline; stages from the rows' own timestamps."""
    folder = f"singles-{pipeline.batches:03d}"
    for path in singles:
        time.sleep(IDLE_S)
        batch = pipeline.drop_single(path, folder)
        if not pipeline.wait(batch, timeout):
            figures.missing += 1
            continue
        stages = [(stamp.timestamp() - batch.dropped_wall) for stamp in pipeline.stages(batch)[0][1:]] + [
            batch.seconds
        ]
        figures.latency.append((path, batch.seconds, stages))


def session(
    pipeline: Pipeline, figures: Figures, replicas: int, args: argparse.Namespace, singles: list[Path]
) -> None:
    """Services up, warm-up on other texts, the latency singles (if any), the measured batch."""
    pipeline.start_services(extractors=replicas)
    try:
        warm_up(pipeline, copies=2 * replicas, timeout=args.timeout)
        measure_latency(pipeline, figures, singles, args.timeout)
        measure_batch(pipeline, figures, replicas, args.timeout)
    finally:
        pipeline.stop_services()


def run_pipeline_rounds(args: argparse.Namespace, figures: Figures, singles: list[Path]) -> None:
    """Servers once; per round: bare natasha, then 1 and 2 replicas, each in fresh services."""
    state = Path(tempfile.mkdtemp(prefix="orewatch-bench-"))
    state.chmod(0o755)  # PostgreSQL runs as `nobody` when we are root
    pipeline = Pipeline(state).start_servers()
    try:
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds}")
            figures.natasha.append(natasha_round(figures.files))
            print(f"  bare natasha: {figures.natasha[-1].get('process_s', float('nan')):.2f}s processing")
            for replicas in (1, 2):
                session(pipeline, figures, replicas, args, singles if number == 1 and replicas == 1 else [])
        figures.peaks.update(pipeline.peaks)
        figures.cpu.update(pipeline.cpu)
        figures.peaks.update(pipeline.server_peaks())
    finally:
        pipeline.stop()
    if figures.missing:
        print(f"  ! servers' data and services' logs kept in {state}")
    else:
        shutil.rmtree(state, ignore_errors=True)


def run_offline_rounds(args: argparse.Namespace, figures: Figures, singles: list[Path]) -> None:
    """`orewatch extract` and bare natasha, whole processes, alternating; natasha per single file."""
    for _ in range(args.rounds):
        figures.offline_natasha.append(natasha_round(figures.files)["wall_s"])
        figures.offline.append(offline_round(figures.files))
    warm = [str(path) for path in sorted(WARM_TEXTS.glob("*.txt"))]
    _, result = run_json(
        [sys.executable, str(HERE / "natasha_bare.py"), *map(str, singles), "--per-file", "--warm", *warm]
    )
    figures.latency_natasha = result.get("per_file_s", [])


def run_growth(figures: Figures) -> None:
    typical = typical_file(figures.files)
    warm = sorted(WARM_TEXTS.glob("*.txt"))[0]
    for case in CASES:
        command = [sys.executable, str(HERE / "growth.py"), "--case", case]
        _, row = run_json([*command, "--typical", str(typical), "--warm", str(warm)])
        figures.growth.append((case, row or "failed"))


def main(argv: list[str] | None = None) -> int:
    from report import print_report

    args = parse_args(argv)
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("warning: OMP_NUM_THREADS is not 1; natasha may use several threads per process")
    measured, singles = choose_files(args)
    figures = Figures(measured)
    print(f"bench: {len(measured)} texts ({figures.megabytes:.2f} MB) from {args.texts}", end="")
    print(f", {args.rounds} round(s), {len(singles)} single file(s)")
    run_pipeline_rounds(args, figures, singles)
    run_offline_rounds(args, figures, singles)
    if not args.no_growth:
        run_growth(figures)
    print_report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
