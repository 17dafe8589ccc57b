"""Articles per second of the cleaner, beside natasha's pipeline on the same texts.

The cleaner sits in front of natasha (Segmenter + NewsMorphTagger + NewsSyntaxParser +
NewsNERTagger), which is the expensive step; this shows how small the cleaner's share is.
A benchmark, not a test:

    .venv/bin/python services/cleaner/benchmarks/bench_cleaner.py [TEXTS_DIR] [--natasha-docs N]

TEXTS_DIR defaults to ../shared/eval/bsnlp-dev/texts beside the repository.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from orewatch_cleaner.boilerplate import InMemorySegmentMemory
from orewatch_cleaner.core import clean_article
from orewatch_common.contracts import ContentType, RawArticle, SourceKind, sha256_hex

DEFAULT_TEXTS = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "bsnlp-dev" / "texts"


def load_articles(folder: Path) -> list[RawArticle]:
    fetched = datetime.now(UTC)
    articles = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        articles.append(
            RawArticle(
                article_id=sha256_hex(path.name)[:32],
                source_kind=SourceKind.FILE,
                source_uri=path.name,
                source_name=folder.name,
                fetched_at=fetched,
                content_type=ContentType.TEXT,
                content=text,
                encoding="utf-8",
                content_sha256=sha256_hex(text),
            )
        )
    return articles


def bench_cleaner(articles: list[RawArticle], rounds: int) -> float:
    clean_article(articles[0])  # warm up: first call imports dateparser's language data
    started = time.perf_counter()
    for _ in range(rounds):
        memory = InMemorySegmentMemory()
        for raw in articles:
            clean_article(raw, memory)
    return rounds * len(articles) / (time.perf_counter() - started)


def bench_natasha(texts: list[str]) -> float | None:
    try:
        from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser, Segmenter
    except ImportError:
        return None
    embedding = NewsEmbedding()
    segmenter, morph = Segmenter(), NewsMorphTagger(embedding)
    syntax, ner = NewsSyntaxParser(embedding), NewsNERTagger(embedding)
    started = time.perf_counter()
    for text in texts:
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.parse_syntax(syntax)
        doc.tag_ner(ner)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="?", type=Path, default=DEFAULT_TEXTS)
    parser.add_argument("--rounds", type=int, default=3, help="passes of the cleaner over all texts")
    parser.add_argument("--natasha-docs", type=int, default=60, help="texts given to natasha (it is slow)")
    args = parser.parse_args()

    articles = load_articles(args.texts)
    cleaner_rate = bench_cleaner(articles, args.rounds)
    print(f"cleaner: {cleaner_rate:8.1f} articles/s over {len(articles)} texts x {args.rounds}")
    if args.natasha_docs <= 0:
        return
    sample = [clean_article(raw).body for raw in articles[: args.natasha_docs]]
    natasha_rate = bench_natasha(sample)
    if natasha_rate is None:
        print("natasha: not installed")
        return
    print(f"natasha: {natasha_rate:8.1f} articles/s over {len(sample)} cleaned texts")
    print(
        f"cleaner is {cleaner_rate / natasha_rate:.0f}x natasha's rate "
        f"({100 * natasha_rate / cleaner_rate:.1f}% of natasha's time per article)"
    )


if __name__ == "__main__":
    main()
