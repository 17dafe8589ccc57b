"""`make chaos`: every scenario on its own real servers, one table, a verdict line.

    python tests/chaos/run.py                      # all scenarios, full fault durations
    python tests/chaos/run.py --scale 0.1 -k NATS  # a development run: shorter outages

Scenarios are independent (own ports, own data), so four run at once (most of an outage
scenario is waiting), the longest first: the 10-minute NATS outage runs beside the others.
Exit status 1 when any scenario lost, duplicated or misrouted an article (or failed to run).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from checker import Verdict, check
from harness import Pipeline, observe, published_numbers, settle
from scenarios import SCENARIOS, Scenario


@dataclass
class Result:
    scenario: str
    verdict: Verdict | None
    seconds: float
    note: str = ""  # why it was skipped or failed to run
    crashes: str = ""  # services that exited by themselves and were restarted, e.g. "fetcher×3"
    notes: tuple[str, ...] = ()  # figures the scenario measured
    kept: Path | None = None  # the pipeline folder (logs, data) of a failed scenario

    crash_free: bool = False  # the scenario fails when a service exited by itself

    @property
    def ok(self) -> bool:
        if self.note.startswith("skip"):
            return True
        return self.verdict is not None and self.verdict.ok and not (self.crash_free and self.crashes)


async def run_scenario(scenario: Scenario, scale: float) -> Result:
    """Start a pipeline, inject the fault, wait for it to settle, read the rows back, check."""
    started = time.monotonic()
    pipeline = Pipeline(scenario.name, cluster_size=3 if scenario.cluster else 0)
    try:
        expected = await scenario.run(pipeline, scale)
        await settle(pipeline, expected.numbers, scenario.settle_s)
        published = await published_numbers(pipeline.servers)
        verdict = check(expected, observe(pipeline, published))
    except Exception:
        note = traceback.format_exc(limit=4).strip().splitlines()[-1]
        return Result(scenario.name, None, time.monotonic() - started, f"error: {note}", pipeline.base)
    finally:
        pipeline.stop()
    crashes = ", ".join(f"{name}×{times}" for name, times in sorted(pipeline.crashes.items()))
    seconds = time.monotonic() - started
    result = Result(
        scenario.name,
        verdict,
        seconds,
        crashes=crashes,
        notes=tuple(pipeline.notes),
        crash_free=scenario.crash_free,
    )
    if result.ok:
        shutil.rmtree(pipeline.base, ignore_errors=True)
    else:
        result.kept = pipeline.base
    return result


def run_in_thread(scenario: Scenario, scale: float) -> Result:
    """One scenario in its own thread and event loop (its server starts and stops block)."""
    return asyncio.run(run_scenario(scenario, scale))


def table(results: list[Result]) -> str:
    header = ("scenario", "articles", "stored", "dead-lettered", "lost", "duplicated", "seconds", "ok")
    rows = [header]
    for r in results:
        v = r.verdict
        counts = (v.articles, v.stored, v.dead_lettered, len(v.lost), len(v.duplicated)) if v else ("-",) * 5
        verdict = ("yes" if r.ok else "NO") if v else r.note.split(":")[0]
        rows.append((r.scenario, *map(str, counts), f"{r.seconds:.0f}", verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def details(results: list[Result]) -> list[str]:
    """What went wrong, per scenario, for the log above the table."""
    lines = []
    for r in results:
        v = r.verdict
        if r.note:
            lines.append(f"{r.scenario}: {r.note}")
        lines += [f"{r.scenario}: {note}" for note in r.notes]
        if r.crashes:
            lines.append(f"{r.scenario}: exited by themselves and restarted: {r.crashes}")
        if v and not v.ok:
            lines.append(
                f"{r.scenario}: lost {v.lost[:20]} duplicated {v.duplicated[:20]} "
                f"misrouted {v.misrouted[:20]} duplicate hashes {v.duplicate_hashes}"
            )
        if r.kept:
            lines.append(f"{r.scenario}: logs and data kept in {r.kept}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-k", "--only", action="append", default=[], help="run scenarios whose name has this")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply fault durations (dev runs: 0.1)")
    parser.add_argument("--jobs", type=int, default=4, help="scenarios run at once (default 4)")
    parser.add_argument("--quick", action="store_true", help="only the quick subset of make test")
    args = parser.parse_args(argv)
    chosen = [
        s
        for s in SCENARIOS.values()
        if (not args.only or any(k.lower() in s.name.lower() for k in args.only))
        and (s.quick or not args.quick)
    ]
    chosen.sort(key=lambda s: -s.nominal_s)
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        futures = [pool.submit(run_in_thread, s, args.scale) for s in chosen]
        results = [f.result() for f in futures]
    order = list(SCENARIOS)
    results.sort(key=lambda r: order.index(r.scenario))
    for line in details(results):
        print(line, file=sys.stderr)
    print(table(results))
    ran = [r for r in results if r.verdict is not None]
    lost = sum(len(r.verdict.lost) for r in ran if r.verdict)
    duplicated = sum(len(r.verdict.duplicated) + r.verdict.duplicate_hashes for r in ran if r.verdict)
    print(f"chaos: {len(ran)} scenarios, lost={lost} duplicated={duplicated}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
