"""The one stemmer of orewatch: the cleaner's topic overlaps and the extractor's name matches
compare words by it, so an inflected form matches its base in both services alike.

It strips the longest case ending of `data/endings.yaml` that leaves at least `SHORTEST_STEM`
letters. A general-purpose stemmer (Snowball) cuts names too short to tell apart ("Мэй" and
"МЭА" both "мэ") and keeps apart forms a reader joins ("Скрипаль", "Скрипали"); names are what
orewatch compares most."""

from __future__ import annotations

from enum import StrEnum
from functools import cache, lru_cache

from orewatch_lexicon.rules import EndingRule, RuleFileSpec, RuleSet, packaged, read_rules

FILE_NAME = "endings.yaml"
SHORTEST_STEM = 3  # "Асию" -> "ас" would join every name that starts "Ас"


class EndingSection(StrEnum):
    ENDINGS = "endings"


SPEC = RuleFileSpec(sections=EndingSection, default=EndingRule, every_section=True)


def longest_first(rules: RuleSet) -> tuple[str, ...]:
    """A file's endings, longest first, so "ами" is tried before "и"."""
    found = [rule.key[0] for rule in rules.of(EndingSection.ENDINGS)]
    return tuple(sorted(found, key=len, reverse=True))


@cache
def endings() -> tuple[str, ...]:
    """The packaged endings, longest first."""
    return longest_first(read_rules(packaged("orewatch_lexicon", "data", FILE_NAME), SPEC))


def strip_ending(word: str, known: tuple[str, ...]) -> str:
    """`word` lowercased, ё as е, less the longest of `known` that leaves a stem long enough."""
    word = word.lower().replace("ё", "е")
    for ending in known:
        if word.endswith(ending) and len(word) - len(ending) >= SHORTEST_STEM:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Case-insensitive stem, so "Асию", "Асии" and "Асия" compare equal, and "региона" and
    "регион" overlap."""
    return strip_ending(word, endings())
