"""Cost growth of the extractor with the length of its input, one process per case.

A typical article (the median-length text) 1, 4 and 16 times over, and one 50,000-token line
without punctuation. Each case runs in a process of its own so its peak RSS is its own, after
a warm-up on a *different* text (a seed), so no cache has seen the text it times. Time per
token should stay flat and the long line's peak RSS under 1 GB. Bare natasha's time on the
same input is beside it, except for the long line: natasha's syntax parser takes a line without
punctuation as one 50,000-token sentence and needs over 20 GB (the extractor cuts it into
bounded pieces), so that case would only take the machine down.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/growth.py --case "article x4" --typical F --warm F
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from natasha_bare import Natasha, read_text
from orewatch_common.contracts import CleanArticle, SourceKind, sha256_hex

LONG_LINE = "50,000-token line"
CASES = ("article x1", "article x4", "article x16", LONG_LINE)
LONG_LINE_TOKENS = 50_000


def article(path: Path, body_of: str | None = None) -> CleanArticle:
    """A file as the clean article the extractor gets (title line, blank line, body)."""
    title, _, body = read_text(path).partition("\n\n")
    return CleanArticle(
        article_id=sha256_hex(path.name)[:32],
        source_kind=SourceKind.FILE,
        source_uri=path.name,
        source_name="bench",
        fetched_at=datetime.now(UTC),
        raw_sha256=sha256_hex(body),
        title=title.strip() or None,
        body=(body_of if body_of is not None else body).strip(),
    )


def case_body(case: str, body: str) -> str:
    """The typical body repeated, or its words as one 50,000-token line."""
    if case == LONG_LINE:
        words = re.findall(r"\w+", body)
        return " ".join(words[i % len(words)] for i in range(LONG_LINE_TOKENS))
    return "\n\n".join([body] * int(case.rsplit("x", 1)[1]))


def typical_file(files: list[Path]) -> Path:
    """The median-length file."""
    return sorted(files, key=lambda path: (path.stat().st_size, path.name))[len(files) // 2]


def main() -> None:
    from orewatch_extractor.core import Extractor

    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=CASES, required=True)
    parser.add_argument("--typical", type=Path, required=True)
    parser.add_argument("--warm", type=Path, required=True, help="a different text, for the warm-up")
    args = parser.parse_args()
    extractor = Extractor()
    extractor.extract(article(args.warm))
    typical = article(args.typical)
    case = typical.model_copy(update={"body": case_body(args.case, typical.body)})
    text = f"{case.title}\n\n{case.body}"
    loaded_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    extractor.extract(case)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    natasha = Natasha()
    tokens = len(list(natasha.segmenter.tokenize(text)))
    natasha_s = math.nan
    if args.case != LONG_LINE:  # bare natasha parses the line as one sentence: over 20 GB
        natasha.analyse(read_text(args.warm))
        start = time.perf_counter()
        natasha.analyse(text)
        natasha_s = time.perf_counter() - start
    row = {"tokens": tokens, "seconds": seconds, "natasha_s": natasha_s}
    print(json.dumps({**row, "loaded_mb": loaded_kb / 1024, "peak_mb": peak_kb / 1024}))


if __name__ == "__main__":
    main()
