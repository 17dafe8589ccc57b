"""The one stemmer of orewatch: the cleaner's topic overlaps and the extractor's name matches
compare words by it, so an inflected form matches its base in both services alike."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

_RUSSIAN_STEMMER = snowballstemmer.stemmer("russian")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem, so inflected forms match ("региона"/"регион", "Китая"/"Китай"); Ukrainian
    and Latin words come out close enough for an overlap count."""
    return str(_RUSSIAN_STEMMER.stemWord(word.lower().replace("ё", "е")))
