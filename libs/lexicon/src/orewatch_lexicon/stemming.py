"""The one stemmer of orewatch: the cleaner's topic overlaps and the extractor's name matches
compare words by it, so an inflected form matches its base in both services alike.

It strips the longest case ending of `data/endings.yaml` that leaves at least `SHORTEST_STEM`
letters; `verb_stem` strips a verb's reflexive and infinitive endings of the same file, for
patterns that find every form of a verb in surface text. A general-purpose stemmer (Snowball)
cuts names too short to tell apart ("Мэй" and "МЭА" both "мэ") and keeps apart forms a reader
joins ("Скрипаль", "Скрипали"); names are what orewatch compares most."""

from __future__ import annotations

from enum import StrEnum
from functools import cache, lru_cache

from orewatch_lexicon.rules import EndingRule, RuleFileSpec, RuleSet, packaged, read_rules

FILE_NAME = "endings.yaml"
SHORTEST_STEM = 3  # "Асию" -> "ас" would join every name that starts "Ас"


class EndingSection(StrEnum):
    ENDINGS = "endings"  # case endings of nouns, adjectives and names
    REFLEXIVE = "reflexive"  # a verb's reflexive ending ("-ся")
    INFINITIVE = "infinitive"  # a verb's infinitive endings, Russian and Ukrainian


SPEC = RuleFileSpec(sections=EndingSection, default=EndingRule, every_section=True)


def longest_first(rules: RuleSet, section: EndingSection = EndingSection.ENDINGS) -> tuple[str, ...]:
    """A section's endings, longest first, so "ами" is tried before "и"."""
    found = [rule.key[0] for rule in rules.of(section)]
    return tuple(sorted(found, key=len, reverse=True))


@cache
def packaged_endings() -> RuleSet:
    """The packaged endings file, read and checked once per process."""
    return read_rules(packaged("orewatch_lexicon", "data", FILE_NAME), SPEC)


@cache
def endings(section: EndingSection = EndingSection.ENDINGS) -> tuple[str, ...]:
    """The packaged endings of a section, longest first."""
    return longest_first(packaged_endings(), section)


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


# --- verbs, for regular expressions over surface text ----------------------------------------


def without_ending(word: str, known: tuple[str, ...]) -> str:
    """`word` less the first of `known` it ends with, if at least two letters stay."""
    for ending in known:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)]
    return word


def verb_stem(lemma: str) -> str:
    """What every form of a verb begins with: "заявить" -> "заяв", "подчеркнуть" ->
    "подчерк", "розповісти" -> "розпов" (the reflexive ending and the infinitive's dropped)."""
    bare = without_ending(lemma, endings(EndingSection.REFLEXIVE))
    return without_ending(bare, endings(EndingSection.INFINITIVE))


def past_stem(lemma: str) -> str:
    """The masculine past of a verb without its reflexive ending: "поручить" -> "поручил",
    "распорядиться" -> "распорядил"."""
    bare = without_ending(lemma, endings(EndingSection.REFLEXIVE))
    if not bare.endswith("ть"):
        raise ValueError(f"{lemma!r} is not an infinitive in -ть")
    return bare[:-2] + "л"
