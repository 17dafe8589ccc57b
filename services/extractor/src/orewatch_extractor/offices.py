"""Office holders: which person a title with a country names on a given date.

"Ранее лидер США сообщил…" names nobody, yet the article names Дональд Трамп elsewhere.
Binding the title needs the fact that he was the US president then; the facts live in
`data/offices.yaml`, and the coreference step asks this table only for people the
article itself names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import yaml


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

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data["version"])
        self.terms: dict[tuple[str, str], list[Term]] = {}
        self.adjectives: dict[str, str] = {}
        for office in data["offices"]:
            country = office["country"]
            terms = [Term(h["name"], h["from"], h.get("to")) for h in office["holders"]]
            for title in office["titles"]:
                self.terms.setdefault((country, " ".join(_words(title))), []).extend(terms)
            for adjective in office.get("adjectives", []):
                self.adjectives[adjective] = country
        self.countries = frozenset(country for country, _ in self.terms)

    @classmethod
    def load(cls) -> Offices:
        text = resources.files("orewatch_extractor.data").joinpath("offices.yaml").read_text("utf-8")
        return cls(yaml.safe_load(text))

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
