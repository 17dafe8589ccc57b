"""Throughput of the extractor core against bare natasha on the bsnlp-dev texts.

natasha (segment + morph + syntax + NER) is the pipeline's main cost; the extractor's
own work must stay small beside it (ratio >= 0.85). Run single-threaded, as deployed:

    OMP_NUM_THREADS=1 .venv/bin/python services/extractor/benchmarks/bench_extractor.py [TEXTS] [--limit N]
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("texts", nargs="?", type=Path, default=DEFAULT_TEXTS)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is kept")
    args = ap.parse_args()
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("warning: OMP_NUM_THREADS is not 1; figures will not match production")

    articles = load_articles(args.texts, args.limit)
    if not articles:
        raise SystemExit(f"no .txt files in {args.texts}: pass the folder of texts to run on")
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


if __name__ == "__main__":
    main()
