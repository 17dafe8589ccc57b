"""Name endings: gender and case read off a name the dictionary does not know."""

from __future__ import annotations

import pytest
from orewatch_extractor.morphology import name_endings
from orewatch_lexicon import Gender


@pytest.mark.parametrize(
    ("surname", "gender"),
    [
        ("Кириллова", Gender.FEM),
        ("Петровская", Gender.FEM),
        ("Кириллов", Gender.MASC),
        ("Грицкий", Gender.MASC),
        ("Королёв", Gender.MASC),  # ё read as е
        ("Мэй", None),
        ("Биби", None),
    ],
)
def test_surname_gender(surname: str, gender: Gender | None) -> None:
    assert name_endings().surname_gender(surname) is gender


@pytest.mark.parametrize(
    ("text", "case", "bare"),
    [
        ("Скрипаля", "Gen", "Скрипаль"),
        ("Рааба", "Acc", "Рааб"),
        ("Раабу", "Dat", "Рааб"),
        ("Скрипалем", "Ins", "Скрипаль"),
        ("Раабе", "Loc", "Рааб"),
        ("Рааба", "Dat", "Рааба"),  # "а" marks no dative
        ("Гарсия", "Gen", "Гарсия"),  # after a vowel the ending is the name's own
        ("Рааб", None, "Рааб"),
    ],
)
def test_bare_surname(text: str, case: str | None, bare: str) -> None:
    assert name_endings().bare_surname(text, case) == bare


@pytest.mark.parametrize(
    ("text", "case", "nominative"),
    [
        ("Асии", "Gen", "Асия"),
        ("Асией", None, "Асия"),
        ("Асию", "Acc", "Асия"),
        ("Асию", "Dat", None),  # "-ию" is an accusative only
        ("Асия", "Nom", None),
    ],
)
def test_ia_first_name(text: str, case: str | None, nominative: str | None) -> None:
    assert name_endings().ia_first_name(text, case) == nominative


@pytest.mark.parametrize(
    ("word", "patronymic"), [("Рашидович", True), ("Павловна", True), ("Павлова", False), ("Рашид", False)]
)
def test_patronymic(word: str, patronymic: bool) -> None:
    assert name_endings().patronymic(word) is patronymic


def test_oblique_ia_name_ignores_case_bound_endings() -> None:
    assert name_endings().oblique_ia_name("Асии")
    assert not name_endings().oblique_ia_name("Асию")  # "-ию" needs its case to say


@pytest.mark.parametrize(
    ("surname", "case", "marked"),
    [("Раабу", "Dat", True), ("Скрипалю", "Dat", True), ("Рааба", "Dat", False), ("Рааба", "Gen", True)],
)
def test_marks_case(surname: str, case: str, marked: bool) -> None:
    assert name_endings().marks_case(surname, case) is marked
