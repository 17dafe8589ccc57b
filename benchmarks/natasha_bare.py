"""Bare natasha over files, as a whole process: the cost orewatch cannot avoid.

Segment, morph, syntax, NER and span normalisation, the same models the extractor loads,
nothing else. Prints one JSON line: seconds to load the models, seconds to process every
file, and (with --per-file) each file's own seconds after a warm-up on `--warm` files.
Run with OMP_NUM_THREADS=1, as the extractor runs:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/natasha_bare.py FILE... [--per-file --warm FILE...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pymorphy2
import pymorphy2_dicts_ru
from natasha import (
    Doc,
    MorphVocab,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)

# pymorphy2 0.9 finds its dictionary through pkg_resources entry points, which recent setuptools
# no longer ships; the extractor (orewatch_extractor.nlp) points it at the dictionary the same way.
pymorphy2.analyzer._lang_dict_paths = lambda: {"ru": pymorphy2_dicts_ru.get_path()}


class Natasha:
    """The natasha pipeline, models loaded once."""

    def __init__(self) -> None:
        self.segmenter = Segmenter()
        embedding = NewsEmbedding()
        self.morph = NewsMorphTagger(embedding)
        self.syntax = NewsSyntaxParser(embedding)
        self.ner = NewsNERTagger(embedding)
        self.vocab = MorphVocab()

    def analyse(self, text: str) -> Doc:
        doc = Doc(text)
        doc.segment(self.segmenter)
        doc.tag_morph(self.morph)
        doc.parse_syntax(self.syntax)
        doc.tag_ner(self.ner)
        for span in doc.spans:
            span.normalize(self.vocab)
        return doc


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--per-file", action="store_true", help="time each file on its own")
    parser.add_argument("--warm", nargs="*", type=Path, default=[], help="files analysed before timing")
    args = parser.parse_args()
    start = time.perf_counter()
    natasha = Natasha()
    loaded = time.perf_counter()
    for path in args.warm:
        natasha.analyse(read_text(path))
    warmed = time.perf_counter()
    per_file: list[float] = []
    for path in args.files:
        text = read_text(path)
        began = time.perf_counter()
        natasha.analyse(text)
        per_file.append(time.perf_counter() - began)
    result: dict[str, Any] = {"load_s": loaded - start, "process_s": time.perf_counter() - warmed}
    if args.per_file:
        result["per_file_s"] = per_file
    print(json.dumps(result))


if __name__ == "__main__":
    main()
