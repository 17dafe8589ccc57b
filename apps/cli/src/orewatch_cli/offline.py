"""`orewatch clean` and `orewatch extract`: the pipeline's pure cores on files, no servers.

Each file goes through the same steps as in the running pipeline (fetcher's
decoding, cleaner, extractor) and prints one JSON object per line, in the order
given. A file that cannot be read, or that the cleaner or extractor refuses (a
`PermanentError`, which the running pipeline dead-letters), prints
`{"file": ..., "error": ...}` instead, so the lines stay aligned with the arguments;
the run goes on and the exit status is 1. A file with no article text left prints its
article with an empty body and a note on stderr (the running pipeline dead-letters it),
so a batch of real articles always exits 0.

Each file is cleaned on the cleaner's rules alone, without the per-source
boilerplate memory the running cleaner learns, so a file's output does not
depend on which other files share the command line.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orewatch_common.contracts import PermanentError
from orewatch_fetcher.seeds import RefusedSeed, content_type_of, raw_article_from_bytes

if TYPE_CHECKING:
    from orewatch_extractor.core import Extractor


def print_documents(files: list[Path], *, extract: bool) -> int:
    extractor = None
    if extract:
        from orewatch_extractor.core import Extractor, freeze_loaded

        extractor = Extractor()
        freeze_loaded()
    failures = 0
    for path in files:
        try:
            line = _document(path, extractor)
        except (OSError, RefusedSeed) as exc:
            failures += 1
            line = {"file": str(path), "error": str(exc)}
        except PermanentError as exc:  # named as in the pipeline's dead letter
            failures += 1
            line = {"file": str(path), "error": f"{type(exc).__name__}: {exc}"}
        try:
            print(json.dumps(line, ensure_ascii=False), flush=True)
        except BrokenPipeError:  # `orewatch extract … | head`: the reader has all it wants
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1 if failures else 0
    if failures:
        print(f"{failures} of {len(files)} file(s) could not be read or processed", file=sys.stderr)
    return 1 if failures else 0


def _document(path: Path, extractor: Extractor | None) -> dict[str, Any]:
    """The clean article, or the extraction, of one file as JSON data."""
    from orewatch_cleaner.core import clean_article

    data = path.read_bytes()
    raw = raw_article_from_bytes(
        data,
        source_uri=str(path),
        source_name=path.parent.name or "files",
        content_type=content_type_of(path, data),
    )
    clean = clean_article(raw, keep_empty=True)
    line = (
        clean.model_dump(mode="json")
        if extractor is None
        else extractor.extract(clean).model_dump(mode="json")
    )
    if not clean.body:
        print(f"{path}: no article text left after cleaning (the pipeline dead-letters it)", file=sys.stderr)
    return line
