"""Mineral gazetteer matcher: lemma sequences from `data/minerals.yaml`.

Matching lemmas instead of strings makes every case form and the naming adjectives
match, and makes words that merely contain a mineral's letters ("газета", "Газпром")
fail for free. Tokens inside NER spans are skipped so that company and place names
("Норникель", "Германия") never count as commodities.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import ClassVar

from orewatch_lexicon.rules import Check, Rule, RuleFileSpec, RuleSet, packaged, plain_words, read_rules
from pydantic import Field, field_validator

from orewatch_extractor.nlp import Token

FILE_NAME = "minerals.yaml"


class Section(StrEnum):
    """The one section of minerals.yaml: a concept a line."""

    CONCEPTS = "concepts"


class Category(StrEnum):
    """What kind of commodity a concept is (shown to readers, kept by the store)."""

    RARE_EARTHS = "rare_earths"
    CRITICAL = "critical"
    BATTERY = "battery"
    BASE = "base"
    PRECIOUS = "precious"
    ENERGY = "energy"
    GENERIC = "generic"


@dataclass(frozen=True, slots=True)
class Slot:
    lemmas: frozenset[str]
    optional: bool = False
    lowercase: bool = False  # "германия~": only the common noun, never the capitalised country


def _compile(text: str) -> tuple[Slot, ...]:
    slots = []
    for slot in text.replace("ё", "е").replace("Ё", "Е").lower().split():
        optional = slot.endswith("?")
        lowercase = slot.rstrip("?").endswith("~")
        slots.append(Slot(frozenset(slot.rstrip("?").rstrip("~").split("|")), optional, lowercase))
    if not slots:
        raise ValueError("a pattern has at least one slot")
    if slots[0].optional:
        # An optional first slot would need a second index entry; spell it as two patterns.
        raise ValueError(f"pattern {text!r} starts with an optional slot")
    return tuple(slots)


def _lemmas(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(plain_words(value) for value in values)


class Concept(Rule):
    """One line of minerals.yaml: a concept, the lemma patterns that name it and its vetoes."""

    check: ClassVar[Check] = Check.FINDER

    section: Section
    concept: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str = Field(min_length=1)
    category: Category
    patterns: tuple[str, ...] = Field(min_length=1)
    exclude: tuple[str, ...] = ()  # vetoes a match it is syntactically linked to
    exclude_in_sentence: tuple[str, ...] = ()  # vetoes a match anywhere in the sentence
    parts: tuple[str, ...] = ()  # parts of hyphenated adjectives: "медно" in "медно-золотой"

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            _compile(value)
        return values

    @field_validator("exclude", "exclude_in_sentence", "parts")
    @classmethod
    def _plain(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _lemmas(values)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.concept,)


SPEC = RuleFileSpec(sections=Section, default=Concept)


@dataclass(frozen=True, slots=True)
class Pattern:
    slots: tuple[Slot, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    key: str
    first: int
    last: int  # inclusive token index


class Gazetteer:
    """Concepts indexed by the lemmas that can start one of their patterns."""

    def __init__(self, rules: RuleSet) -> None:
        self.version: str = rules.version
        self.concepts: dict[str, Concept] = {}
        self.abbreviations: set[str] = set()
        by_slots: dict[tuple[Slot, ...], list[str]] = {}
        self.compound_parts: dict[str, str] = {}
        for item in rules.rules:
            assert isinstance(item, Concept)
            self.concepts[item.concept] = item
            for text in item.patterns:
                by_slots.setdefault(_compile(text), []).append(item.concept)
                self.abbreviations.update(w.lower() for w in text.split() if w.isupper())
            self.compound_parts.update(dict.fromkeys(item.parts, item.concept))
        self.index = _index(by_slots)
        # one-word names stand as parts too: "неодима-празеодима", "никель-кобальтовые"
        for slots, keys in by_slots.items():
            if len(slots) == 1 and not slots[0].lowercase and len(keys) == 1:
                for lemma in slots[0].lemmas:
                    self.compound_parts.setdefault(lemma, keys[0])

    @classmethod
    def load(cls) -> Gazetteer:
        return _packaged()

    def _match_at(self, tokens: list[Token], i: int, stop: int) -> tuple[Pattern, int] | None:
        for pattern in self.index.get(tokens[i].lemma, ()):
            j = i
            for slot in pattern.slots:
                if j < stop and _fills(slot, tokens[j]):
                    j += 1
                elif not slot.optional:
                    break
            else:
                return pattern, j - 1
        return None

    def find(self, tokens: list[Token], first: int, last: int) -> list[Match]:
        """Longest matches in tokens[first..last] (one sentence), left to right."""
        out: list[Match] = []
        i, stop = first, last + 1
        while i < stop:
            tok = tokens[i]
            hit = None
            shouting = tok.text.isupper() and len(tok.text) > 1 and tok.lemma not in self.abbreviations
            if tok.span is None and tok.lemma in self.index and not shouting:
                hit = self._match_at(tokens, i, stop)
            if hit is None:
                out.extend(self._compound(tokens, i, first, stop))
                i += 1
                continue
            pattern, end = hit
            # A metaphor is a word tied to the match ("черное золото", "газовая атака"); a sport
            # shows anywhere in the sentence ("сборная взяла серебро"). A word merely elsewhere in
            # the sentence ("атака дронов на газовую инфраструктуру") vetoes nothing.
            out.extend(
                Match(key, i, end) for key in pattern.keys if self._literal(key, tokens, i, end, first, stop)
            )
            i = end + 1
        return out

    def _literal(self, key: str, tokens: list[Token], i: int, end: int, first: int, stop: int) -> bool:
        """A metaphor is a word tied to the match ("черное золото", "газовая атака"); a sport
        shows anywhere in the sentence ("сборная взяла серебро"). A word merely elsewhere in
        the sentence ("атака дронов на газовую инфраструктуру") vetoes nothing."""
        concept = self.concepts[key]
        if set(concept.exclude) & _linked_lemmas(tokens, i, end):
            return False
        return not set(concept.exclude_in_sentence) & {t.lemma for t in tokens[first:stop]}

    def _compound(self, tokens: list[Token], i: int, first: int, stop: int) -> list[Match]:
        """ "медно-золотого месторождения": each part of a lowercase hyphenated word."""
        tok = tokens[i]
        if tok.span is not None or "-" not in tok.lemma or not tok.text.islower():
            return []
        keys = dict.fromkeys(self.compound_parts[p] for p in tok.lemma.split("-") if p in self.compound_parts)
        return [Match(key, i, i) for key in keys if self._literal(key, tokens, i, i, first, stop)]


def _linked_lemmas(tokens: list[Token], first: int, last: int) -> set[str]:
    """Lemmas of the match's syntactic neighbours: its heads and dependents."""
    linked: set[str] = set()
    for k in range(first, last + 1):
        head = tokens[k].head
        if head is not None:
            linked.add(tokens[head].lemma)
        linked.update(tokens[c].lemma for c in tokens[k].children)
    return linked


def _fills(slot: Slot, token: Token) -> bool:
    """Whether a token outside any NER span can stand in this slot of a pattern."""
    if token.span is not None or token.lemma not in slot.lemmas:
        return False
    return not slot.lowercase or token.text.islower()


def _index(by_slots: dict[tuple[Slot, ...], list[str]]) -> dict[str, list[Pattern]]:
    """Patterns by the lemmas their first slot takes, longest first."""
    index: dict[str, list[Pattern]] = {}
    for slots, keys in by_slots.items():
        pattern = Pattern(slots, tuple(keys))
        for lemma in slots[0].lemmas:
            index.setdefault(lemma, []).append(pattern)
    for patterns in index.values():
        patterns.sort(key=lambda p: -len(p.slots))
    return index


@cache
def _packaged() -> Gazetteer:
    """The packaged gazetteer, read and checked once per process."""
    return Gazetteer(read_rules(packaged("orewatch_extractor", "data", FILE_NAME), SPEC))
