"""The bench's printout: tables for people, then one machine-readable last line."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench import Figures

TARGETS = (  # figure, the key of `headline`, must reach, higher is better
    ("orewatch extract vs bare natasha, whole process, unseen texts", "offline_ratio", 0.95, True),
    ("end to end, 1 extractor replica, vs bare natasha", "e2e_ratio", 0.90, True),
    ("2 extractor replicas vs 1", "replicas2_speedup", 1.7, True),
    ("drop-to-row p50 minus natasha's time for that file (ms)", "p50_over_natasha_ms", 300.0, False),
    ("extractor peak RSS (MB)", "extractor_rss_mb", 350.0, False),
)
RATIOS = ("e2e_ratio", "replicas2_speedup")


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (nan for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def headline(figures: Figures) -> dict[str, float]:
    natasha = figures.best_natasha()
    one, two = figures.best_pipeline(1), figures.best_pipeline(2)
    totals = [seconds for _, seconds, _ in figures.latency]
    over = [total - own for total, own in zip(totals, figures.latency_natasha, strict=False)]
    extractors = [mb for name, mb in figures.peaks.items() if name.startswith("extractor")]
    return {
        "e2e_ratio": natasha / one,
        "replicas2_speedup": one / two,
        "p50_ms": percentile(totals, 0.5) * 1000,
        "p95_ms": percentile(totals, 0.95) * 1000,
        "extractor_rss_mb": max(extractors, default=math.nan),
        "offline_ratio": min(figures.offline_natasha or [math.nan]) / min(figures.offline or [math.nan]),
        "p50_over_natasha_ms": percentile(over, 0.5) * 1000,
        "missing": float(figures.missing),
    }


def print_throughput(figures: Figures) -> None:
    count, megabytes = len(figures.files), figures.megabytes
    natasha = figures.best_natasha()
    rows = [
        ("bare natasha, processing (models loaded)", natasha),
        ("bare natasha, whole process", figures.best_natasha("wall_s")),
        ("pipeline, 1 extractor: drop -> rows", figures.best_pipeline(1)),
        ("pipeline, 2 extractors: drop -> rows", figures.best_pipeline(2)),
        ("orewatch extract, whole process", min(figures.offline or [math.nan])),
        ("bare natasha, whole process (offline rounds)", min(figures.offline_natasha or [math.nan])),
    ]
    rounds = max(len(figures.natasha), 1)
    print(f"\nthroughput over {count} texts, {megabytes:.2f} MB, best of {rounds} round(s):")
    print(f"  {'':46s} {'seconds':>8s} {'docs/s':>7s} {'MB/s':>6s} {'natasha/this':>12s}")
    for name, seconds in rows:
        print(
            f"  {name:46s} {seconds:8.2f} {count / seconds:7.2f} {megabytes / seconds:6.3f}"
            f" {natasha / seconds:12.3f}"
        )
    print("  every round (s):", _rounds(figures))


def _rounds(figures: Figures) -> str:
    parts = [f"natasha {[round(run.get('process_s', math.nan), 2) for run in figures.natasha]}"]
    parts += [f"{n}x {[round(s, 2) for s in runs]}" for n, runs in sorted(figures.pipeline.items())]
    parts += [f"extract {[round(s, 2) for s in figures.offline]}"]
    parts += [f"natasha whole {[round(s, 2) for s in figures.offline_natasha]}"]
    return "; ".join(parts)


def print_latency(figures: Figures) -> None:
    print("\ndrop-to-row latency, single files into an idle pipeline (1 extractor), ms after the drop:")
    print(
        f"  {'file':28s} {'bytes':>6s} {'natasha':>8s} {'fetched':>8s} {'raw row':>8s}"
        f" {'cleaned':>8s} {'extracted':>9s} {'rows seen':>9s} {'- natasha':>9s}"
    )
    owns = figures.latency_natasha + [math.nan] * len(figures.latency)
    for (path, total, stages), own in zip(figures.latency, owns, strict=False):
        cells = " ".join(f"{stage * 1000:8.0f}" for stage in stages[:3])
        print(
            f"  {path.name[:28]:28s} {path.stat().st_size:6d} {own * 1000:8.0f} {cells}"
            f" {stages[3] * 1000:9.0f} {total * 1000:9.0f} {(total - own) * 1000:9.0f}"
        )
    totals = [total for _, total, _ in figures.latency]
    print(
        f"  p50 {percentile(totals, 0.5) * 1000:.0f} ms, p95 {percentile(totals, 0.95) * 1000:.0f} ms;"
        f" natasha alone p50 {percentile(figures.latency_natasha, 0.5) * 1000:.0f} ms"
    )


def print_peaks(figures: Figures) -> None:
    print("\npeak RSS of every process (VmHWM, MB; a service's is the largest over its sessions)")
    print("and a service's CPU seconds summed over its sessions (model loading and warm-ups included):")
    print(f"  {'process':28s} {'peak MB':>7s} {'CPU s':>7s}")
    for name, megabytes in sorted(figures.peaks.items()):
        cpu = figures.cpu.get(name)
        print(f"  {name:28s} {megabytes:7.0f} {'' if cpu is None else f'{cpu:7.1f}'}")


def print_growth(figures: Figures) -> None:
    if not figures.growth:
        return
    print("\ncost growth (one process per case; warm-up on a seed, not the timed text; RSS in MB):")
    print(f"  {'case':20s} {'tokens':>7s} {'seconds':>8s} {'us/token':>9s} {'natasha s':>9s} {'peak':>6s}")
    for case, row in figures.growth:
        if isinstance(row, str):
            print(f"  {case:20s} {row}")
            continue
        flag = "" if row["peak_mb"] < 1024 else "  over 1 GB"
        print(
            f"  {case:20s} {row['tokens']:7.0f} {row['seconds']:8.2f}"
            f" {row['seconds'] / row['tokens'] * 1e6:9.1f} {row['natasha_s']:9.2f}"
            f" {row['peak_mb']:6.0f}{flag}"
        )


def print_targets(figures: Figures, head: dict[str, float]) -> None:
    print("\nissue 15's figures (measured on a shared machine: noisy):")
    for name, key, target, higher in TARGETS:
        value = head[key]
        met = value >= target if higher else value <= target
        verdict = "ok" if met else "NOT MET"
        print(f"  {name:60s} {value:8.3f}  must be {'>=' if higher else '<='} {target:<6g} {verdict}")
    if figures.missing:
        print(f"  ! {figures.missing} dropped file(s) never became rows")


def print_report(figures: Figures) -> None:
    head = headline(figures)
    print_throughput(figures)
    print_latency(figures)
    print_peaks(figures)
    print_growth(figures)
    print_targets(figures, head)
    keys = ("e2e_ratio", "replicas2_speedup", "p50_ms", "p95_ms", "extractor_rss_mb")
    tail = " ".join(f"{key}={head[key]:.{3 if key in RATIOS else 0}f}" for key in keys)
    print(f"bench: {tail} missing={figures.missing}")
