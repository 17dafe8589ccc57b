"""Endings that tell a Russian name's gender and case where the dictionary does not know the
name, one item a line in `data/name_endings.yaml`.

The tagger guesses foreign and rare names badly ("Асии" as a masculine "Асий", "Скрипаля" as a
noun), while their endings are regular: "-ова" is a woman's surname, "-вич" a patronymic, a
masculine surname drops "-а" in the genitive. Each table here answers one such question."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property

from orewatch_lexicon import Gender
from orewatch_lexicon.rules import EndingRule, RuleFileSpec, RuleSet, packaged, read_rules
from pydantic import Field

FILE_NAME = "name_endings.yaml"
VOWELS = "аеёиоуыэюяй"  # a case ending after one of these is part of the name ("Гарсия")


class EndingSection(StrEnum):
    FEMININE_SURNAMES = "feminine_surnames"
    MASCULINE_SURNAMES = "masculine_surnames"
    FEMININE_FIRST_NAMES = "feminine_first_names"
    PATRONYMICS = "patronymics"
    MASCULINE_SURNAME_CASES = "masculine_surname_cases"
    IA_FIRST_NAME_CASES = "ia_first_name_cases"
    PLACE_ADJECTIVES = "place_adjectives"


class Ending(EndingRule):
    section: EndingSection


class CaseEnding(Ending):
    """A case ending and what replaces it in the nominative, in the cases it marks."""

    nominative: str = ""  # "Скрипаля" -> "Скрипаль": "я" gives way to "ь"
    cases: tuple[str, ...] = Field(default=(), description="UD cases it marks; none: any case")


SPEC = RuleFileSpec(
    sections=EndingSection,
    default=Ending,
    models={
        EndingSection.MASCULINE_SURNAME_CASES: CaseEnding,
        EndingSection.IA_FIRST_NAME_CASES: CaseEnding,
    },
    every_section=True,
)


def _ends(word: str, rules: tuple[Ending, ...]) -> bool:
    return word.lower().replace("ё", "е").endswith(tuple(rule.ending for rule in rules))


# a frozen dataclass keeps the table immutable; cached_property writes to __dict__ directly


@dataclass(frozen=True)
class NameEndings:
    """The file's tables, each a question about one word."""

    rules: RuleSet

    @cached_property
    def _sections(self) -> dict[EndingSection, tuple[Ending, ...]]:
        """Each section's rules, read once: the questions are asked for every name word."""
        return {s: tuple(r for r in self.rules.of(s) if isinstance(r, Ending)) for s in EndingSection}

    def _of(self, section: EndingSection) -> tuple[Ending, ...]:
        return self._sections[section]

    def surname_gender(self, surname: str) -> Gender | None:
        """ "Кириллова" is a woman, "Кириллов" a man; "Мэй" says nothing."""
        if _ends(surname, self._of(EndingSection.FEMININE_SURNAMES)):
            return Gender.FEM
        if _ends(surname, self._of(EndingSection.MASCULINE_SURNAMES)):
            return Gender.MASC
        return None

    def feminine_first_name(self, name: str) -> bool:
        """A first name the dictionary lacks is a woman's by its ending ("Асия", "Тереза")."""
        return _ends(name, self._of(EndingSection.FEMININE_FIRST_NAMES))

    def patronymic(self, word: str) -> bool:
        return _ends(word, self._of(EndingSection.PATRONYMICS))

    def place_adjective(self, lemma: str) -> bool:
        """ "британский", "немецкий": an adjective of a place, naming a body with its noun."""
        return _ends(lemma, self._of(EndingSection.PLACE_ADJECTIVES))

    def oblique_ia_name(self, word: str) -> bool:
        """ "Асии", "Асией": a first name in -ия in a case that is not the nominative."""
        rules = self._cases(EndingSection.IA_FIRST_NAME_CASES)
        return any(not rule.cases and _ends(word, (rule,)) for rule in rules)

    def _cases(self, section: EndingSection) -> tuple[CaseEnding, ...]:
        return tuple(rule for rule in self._of(section) if isinstance(rule, CaseEnding))

    def nominative(self, section: EndingSection, text: str, case: str | None) -> str | None:
        """`text` with the first case ending of `section` that marks `case` (any case when
        the rule names none) replaced by its nominative; None when no ending fits."""
        low = text.lower()
        for rule in self._cases(section):
            if rule.cases and case not in rule.cases:
                continue
            if low.endswith(rule.ending) and self._after_consonant(section, low, rule.ending):
                return text[: -len(rule.ending)] + rule.nominative
        return None

    def marks_case(self, surname: str, case: str) -> bool:
        """A masculine surname ending that marks `case` ends `surname` ("Раабу": the dative)."""
        rules = self._cases(EndingSection.MASCULINE_SURNAME_CASES)
        return _ends(surname, tuple(rule for rule in rules if case in rule.cases))

    @staticmethod
    def _after_consonant(section: EndingSection, low: str, ending: str) -> bool:
        if section is not EndingSection.MASCULINE_SURNAME_CASES:
            return True
        return len(low) > len(ending) and low[-len(ending) - 1] not in VOWELS

    def bare_surname(self, text: str, case: str | None) -> str:
        """A masculine surname without its case ending ("Рааба" -> "Рааб", "Скрипаля" ->
        "Скрипаль"), as written when no ending fits."""
        return self.nominative(EndingSection.MASCULINE_SURNAME_CASES, text, case) or text

    def ia_first_name(self, text: str, case: str | None) -> str | None:
        """ "Асии", "Асию" -> "Асия": first names in -ия the dictionary lacks."""
        return self.nominative(EndingSection.IA_FIRST_NAME_CASES, text, case)


@cache
def name_endings() -> NameEndings:
    return NameEndings(read_rules(packaged("orewatch_extractor", "data", FILE_NAME), SPEC))
