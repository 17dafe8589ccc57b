"""Mineral gazetteer matcher: lemma sequences from `data/minerals.yaml`.

Matching lemmas instead of strings makes every case form and the naming adjectives
match, and makes words that merely contain a mineral's letters ("газета", "Газпром")
fail for free. Tokens inside NER spans are skipped so that company and place names
("Норникель", "Германия") never count as commodities.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from orewatch_extractor.nlp import Token


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    name: str
    category: str
    exclude: frozenset[str]


@dataclass(frozen=True, slots=True)
class Slot:
    lemmas: frozenset[str]
    optional: bool = False
    lowercase: bool = False  # "германия~": only the common noun, never the capitalised country


@dataclass(frozen=True, slots=True)
class Pattern:
    slots: tuple[Slot, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    key: str
    first: int
    last: int  # inclusive token index


def _compile(text: str) -> tuple[Slot, ...]:
    slots = []
    for slot in text.replace("ё", "е").replace("Ё", "Е").lower().split():
        optional = slot.endswith("?")
        lowercase = slot.rstrip("?").endswith("~")
        slots.append(Slot(frozenset(slot.rstrip("?").rstrip("~").split("|")), optional, lowercase))
    if slots[0].optional:
        # An optional first slot would need a second index entry; spell it as two patterns.
        raise ValueError(f"pattern {text!r} starts with an optional slot")
    return tuple(slots)


class Gazetteer:
    """Concepts indexed by the lemmas that can start one of their patterns."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = str(data["version"])
        self.concepts: dict[str, Concept] = {}
        self.abbreviations: set[str] = set()
        by_slots: dict[tuple[Slot, ...], list[str]] = {}
        for item in data["concepts"]:
            self.concepts[item["key"]] = Concept(
                item["key"], item["name"], item["category"], frozenset(item.get("exclude", []))
            )
            for text in item["patterns"]:
                by_slots.setdefault(_compile(text), []).append(item["key"])
                self.abbreviations.update(w.lower() for w in text.split() if w.isupper())
        self.index: dict[str, list[Pattern]] = {}
        for slots, keys in by_slots.items():
            pattern = Pattern(slots, tuple(keys))
            for lemma in slots[0].lemmas:
                self.index.setdefault(lemma, []).append(pattern)
        for patterns in self.index.values():
            patterns.sort(key=lambda p: -len(p.slots))

    @classmethod
    def load(cls) -> Gazetteer:
        text = resources.files("orewatch_extractor.data").joinpath("minerals.yaml").read_text("utf-8")
        return cls(yaml.safe_load(text))

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
                i += 1
                continue
            pattern, end = hit
            # metaphors and sport ("золотая медаль", "сборная взяла серебро") show in the sentence
            window = {t.lemma for t in tokens[first:stop]}
            for key in pattern.keys:
                if not (self.concepts[key].exclude & window):
                    out.append(Match(key, i, end))
            i = end + 1
        return out


def _fills(slot: Slot, token: Token) -> bool:
    """Whether a token outside any NER span can stand in this slot of a pattern."""
    if token.span is not None or token.lemma not in slot.lemmas:
        return False
    return not slot.lowercase or token.text.islower()
