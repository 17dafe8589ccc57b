"""cProfile of `orewatch extract` (or `orewatch clean`) over files, split into natasha's own
calls and orewatch's passes (issue 15). The same path as the command (`orewatch_cli.offline`:
decode, clean, extract, `model_dump`, `json.dumps`), in one process, models loaded and warmed
on `--warm` files (never the timed ones) before the profiler starts.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/profile_passes.py extract FILE... --warm SEED...

Prints the wall time with and without the profiler, the split by group (cumulative seconds
of each group's entry points; they do not nest) and the top functions of orewatch's own code by
cumulative time. `--dump PATH` keeps the raw profile for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orewatch_cli.offline import _document

# entry points whose cumulative time is one group's; none of them calls another group's
NATASHA = {
    "segmenter (razdel)": [("natasha/segment.py", "tokenize"), ("natasha/segment.py", "sentenize")],
    "morph tagger": [("natasha/doc.py", "tag_morph")],
    "syntax parser": [("natasha/doc.py", "parse_syntax")],
    "NER (read piece by piece)": [("orewatch_extractor/nlp.py", "_entities")],
}
OREWATCH = {
    "cleaner (clean_article)": [("orewatch_cleaner/core.py", "clean_article")],
    "analysis -> tokens (lemmas: pymorphy2)": [("orewatch_extractor/nlp.py", "analyse")],
    "ner pass: commodity words, dateline, patronymics": [
        ("orewatch_extractor/passes.py", "release_commodity_words"),
        ("orewatch_extractor/actors.py", "settle_dateline"),
        ("orewatch_extractor/actors.py", "settle_patronymics"),
    ],
    "names": [("orewatch_extractor/passes.py", "names")],
    "merge": [("orewatch_extractor/passes.py", "merge")],
    "coreference": [("orewatch_extractor/passes.py", "coreference")],
    "minerals": [("orewatch_extractor/passes.py", "minerals")],
    "statements": [("orewatch_extractor/passes.py", "statements")],
    "result: actors, canonical names, pydantic models": [("orewatch_extractor/core.py", "extract")],
    "model_dump + json.dumps": [("pydantic/main.py", "model_dump"), ("json/__init__.py", "dumps")],
}
# groups measured as a remainder: an entry point's cumulative time minus the listed ones
REMAINDERS = {
    "analysis -> tokens (lemmas: pymorphy2)": [("orewatch_extractor/nlp.py", "natasha_doc")],
    "result: actors, canonical names, pydantic models": [("orewatch_extractor/passes.py", "run")],
}


def _cumulative(stats: pstats.Stats, points: list[tuple[str, str]]) -> float:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (path, _, name), (_, _, _, cumtime, _) in raw.items():
        if any(path.endswith(p) and name == n for p, n in points):
            total += cumtime
    return total


def _groups(stats: pstats.Stats) -> dict[str, float]:
    groups = {f"natasha: {k}": _cumulative(stats, v) for k, v in NATASHA.items()}
    for name, points in OREWATCH.items():
        seconds = _cumulative(stats, points) - _cumulative(stats, REMAINDERS.get(name, []))
        groups[f"orewatch: {name}"] = seconds
    return groups


def _top(stats: pstats.Stats, count: int) -> list[tuple[float, float, str]]:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_, calls, tottime, cumtime, _) in raw.items():
        if "orewatch_" in path or "pymorphy2" in path or "pydantic" in path:
            short = path.split("site-packages/")[-1].split("/src/")[-1]
            rows.append((cumtime, tottime, f"{short}:{line} {name} ({calls} calls)"))
    return sorted(rows, reverse=True)[:count]


def _run(job: Callable[[Path], Any], files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        json.dumps(job(path), ensure_ascii=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("extract", "clean"))
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--warm", nargs="*", type=Path, default=[])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--plain", action="store_true", help="also time one run without the profiler")
    args = parser.parse_args()
    extractor = None
    if args.command == "extract":
        from orewatch_extractor.core import Extractor, freeze_loaded

        extractor = Extractor()
        freeze_loaded()  # as `orewatch extract` does
    job: Callable[[Path], Any] = lambda path: _document(path, extractor)  # noqa: E731
    _run(job, args.warm)
    profiler = cProfile.Profile()
    profiler.enable()
    wall = _run(job, args.files)
    profiler.disable()
    if args.dump:
        profiler.dump_stats(args.dump)
    stats = pstats.Stats(profiler)
    print(f"{len(args.files)} files, profiled wall {wall:.2f} s")
    groups = _groups(stats)
    total = sum(groups.values())
    print(f"{'group':<62} {'cum s':>7} {'%':>6}")
    for name, seconds in groups.items():
        print(f"{name:<62} {seconds:7.2f} {100 * seconds / wall:6.1f}")
    print(f"{'(groups together / everything else)':<62} {total:7.2f} {100 * total / wall:6.1f}")
    print("\ntop functions outside natasha, cumulative (cum s, self s, % of wall):")
    for cumtime, tottime, what in _top(stats, args.top):
        print(f"  {cumtime:7.2f} {tottime:7.2f} {100 * cumtime / wall:5.1f}%  {what}")


if __name__ == "__main__":
    main()
