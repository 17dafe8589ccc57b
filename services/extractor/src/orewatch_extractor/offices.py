"""Office holders: which person a title with a country names on a given date.

"Ранее лидер США сообщил…" names nobody, yet the article names Дональд Трамп elsewhere.
Binding the title needs the fact that he was the US president then; the facts live in
`data/offices.yaml`, and the coreference step asks this table only for people the
article itself names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import ClassVar

from orewatch_lexicon.rules import (
    Check,
    LemmaRule,
    Rule,
    RuleFileSpec,
    RuleSet,
    packaged,
    plain_words,
    read_rules,
)
from pydantic import Field, field_validator

FILE_NAME = "offices.yaml"


class Section(StrEnum):
    """The sections of offices.yaml."""

    ADJECTIVES = "adjectives"  # a country's adjective: "американский" -> США
    TERMS = "terms"  # one holder's term of one office


class Adjective(LemmaRule):
    section: Section
    country: str = Field(min_length=1)


class TermRule(Rule):
    """One line of `terms`: who held an office of a country from when to when; its example
    is a day the office names the holder, its `not` a day it does not."""

    check: ClassVar[Check] = Check.FINDER

    section: Section
    country: str = Field(min_length=1)
    titles: tuple[str, ...] = Field(min_length=1)
    holder: str = Field(min_length=1)
    from_: date = Field(alias="from")
    to: date | None = None

    @field_validator("titles")
    @classmethod
    def _titles(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(plain_words(value) for value in values)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.country, self.holder, self.from_.isoformat())


SPEC = RuleFileSpec(
    sections=Section, default=TermRule, models={Section.ADJECTIVES: Adjective}, every_section=True
)


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    start: date
    end: date | None  # None: still in office

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def _words(name: str) -> list[str]:
    return name.lower().replace("ё", "е").split()


class Offices:
    """Terms by (country, title lemmas), and country adjectives ("американский" -> "США")."""

    def __init__(self, rules: RuleSet) -> None:
        self.version = rules.version
        self.terms: dict[tuple[str, str], list[Term]] = {}
        self.adjectives: dict[str, str] = {}
        for rule in rules.rules:
            if isinstance(rule, Adjective):
                self.adjectives[rule.lemma] = rule.country
            elif isinstance(rule, TermRule):
                for title in rule.titles:
                    term = Term(rule.holder, rule.from_, rule.to)
                    self.terms.setdefault((rule.country, " ".join(_words(title))), []).append(term)
        self.countries = frozenset(country for country, _ in self.terms)

    @classmethod
    def load(cls) -> Offices:
        return _packaged()

    def full_name(self, surname: str) -> str | None:
        """The one holder's full name with this surname ("Путин" -> "Владимир Путин"), else None."""
        key = _words(surname)
        found = {t.name for terms in self.terms.values() for t in terms if _words(t.name)[-1:] == key}
        return next(iter(found)) if len(found) == 1 else None

    def holders(self, country: str, title: str, day: date | None) -> list[str]:
        """Who held the office on `day` (anyone who ever did, when the date is unknown)."""
        terms = self.terms.get((country, " ".join(_words(title))), [])
        return list(dict.fromkeys(t.name for t in terms if day is None or t.covers(day)))


def names_holder(entity_name: str, holder: str) -> bool:
    """ "Трамп" and "Дональд Трамп" both name the holder "Дональд Трамп"; "Дональд" alone does not."""
    words, full = _words(entity_name), _words(holder)
    return bool(words) and set(words) <= set(full) and (len(words) > 1 or words[0] == full[-1])


@cache
def _packaged() -> Offices:
    """The packaged table, read and checked once per process."""
    return Offices(read_rules(packaged("orewatch_extractor", "data", FILE_NAME), SPEC))
