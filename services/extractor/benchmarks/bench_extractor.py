"""Throughput of the extractor core against bare natasha on the bsnlp-dev texts, and how its
cost grows with the length of the input.

natasha (segment + morph + syntax + NER) is the pipeline's main cost; the extractor's
own work must stay small beside it (ratio >= 0.85). The cost-growth table extracts a
typical article (the median-length text) 1, 4 and 16 times over and one 50,000-token line
without punctuation, each in a process of its own so its peak RSS is its own: time per
token should stay flat and peak RSS well under 1 GB. It prints; it never fails on a number.
Run single-threaded, as deployed:

    OMP_NUM_THREADS=1 .venv/bin/python services/extractor/benchmarks/bench_extractor.py [TEXTS] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from natasha import Doc
from orewatch_common.contracts import CleanArticle, SourceKind, sha256_hex
from orewatch_extractor.core import Extractor

DEFAULT_TEXTS = Path(__file__).resolve().parents[4] / "shared" / "eval" / "bsnlp-dev" / "texts"


def load_articles(folder: Path, limit: int | None) -> list[CleanArticle]:
    articles = []
    for path in sorted(folder.glob("*.txt"))[:limit]:
        title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")
        articles.append(
            CleanArticle(
                article_id=sha256_hex(path.name)[:32],
                source_kind=SourceKind.FILE,
                source_uri=path.name,
                source_name="bench",
                fetched_at=datetime.now(UTC),
                raw_sha256=sha256_hex(body),
                title=title.strip() or None,
                body=body.strip(),
            )
        )
    return articles


GROWTH_CASES = ("article x1", "article x4", "article x16", "50,000-token line")
LONG_LINE_TOKENS = 50_000


def growth_input(case: str, articles: list[CleanArticle]) -> CleanArticle:
    """The article of a cost-growth case: the median-length text repeated, or its words as one line."""
    typical = sorted(articles, key=lambda a: (len(a.body), a.source_uri))[len(articles) // 2]
    if case == "50,000-token line":
        words = re.findall(r"\w+", typical.body)
        body = " ".join(words[i % len(words)] for i in range(LONG_LINE_TOKENS))
    else:
        body = "\n\n".join([typical.body] * int(case.rsplit("x", 1)[1]))
    return typical.model_copy(update={"body": body})


def measure_growth_case(case: str, articles: list[CleanArticle]) -> None:
    """One case, in this process: print its tokens, time and peak RSS as JSON."""
    extractor = Extractor()
    article = growth_input(case, articles)
    tokens = len(list(extractor.models.segmenter.tokenize(f"{article.title}\n\n{article.body}")))
    extractor.extract(growth_input("article x1", articles))  # warm caches, as a running service
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    extractor.extract(article)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"tokens": tokens, "seconds": seconds, "loaded_kb": loaded, "peak_kb": peak}))


def print_growth(texts: Path, limit: int | None) -> None:
    """The cost-growth table, each case in a subprocess so peak RSS is per case."""
    print("\ncost growth (one process per case; RSS in MB, 'models' = after loading and a warm-up):")
    print(f"{'case':20s} {'tokens':>7s} {'seconds':>8s} {'us/token':>9s} {'models':>7s} {'peak':>7s}")
    for case in GROWTH_CASES:
        command = [sys.executable, __file__, str(texts), "--growth-case", case]
        if limit is not None:
            command += ["--limit", str(limit)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{case:20s} failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{case:20s} {row['tokens']:7d} {row['seconds']:8.2f} {row['seconds'] / row['tokens'] * 1e6:9.1f}"
            f" {row['loaded_kb'] / 1024:7.0f} {row['peak_kb'] / 1024:7.0f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("texts", nargs="?", type=Path, default=DEFAULT_TEXTS)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is kept")
    ap.add_argument("--growth-case", choices=GROWTH_CASES, help=argparse.SUPPRESS)
    ap.add_argument("--no-growth", action="store_true", help="throughput ratio only")
    args = ap.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("warning: OMP_NUM_THREADS is not 1; figures will not match production")

    articles = load_articles(args.texts, args.limit)
    if not articles:
        raise SystemExit(f"no .txt files in {args.texts}: pass the folder of texts to run on")
    if args.growth_case:
        measure_growth_case(args.growth_case, articles)
        return
    extractor = Extractor()
    models = extractor.models
    texts = [f"{a.title}\n\n{a.body}" if a.title else a.body for a in articles]
    chars = sum(len(t) for t in texts)

    def bare() -> None:
        for text in texts:
            doc = Doc(text)
            doc.segment(models.segmenter)
            doc.tag_morph(models.morph)
            doc.parse_syntax(models.syntax)
            doc.tag_ner(models.ner)

    def full() -> None:
        for article in articles:
            extractor.extract(article)

    full()  # warm caches the way a long-running service has them
    best = {"natasha": float("inf"), "extractor": float("inf")}
    for _ in range(args.rounds):
        for name, fn in (("natasha", bare), ("extractor", full)):
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)

    for name, seconds in best.items():
        print(f"{name:10s} {len(articles) / seconds:7.2f} docs/s {chars / seconds / 1000:8.1f} kchars/s")
    print(f"ratio extractor/natasha throughput: {best['natasha'] / best['extractor']:.3f} (required >= 0.85)")
    if not args.no_growth:
        print_growth(args.texts, args.limit)


if __name__ == "__main__":
    main()
