"""The one stemmer: forms of a name compare equal, short names stay apart."""

from __future__ import annotations

import pytest
from orewatch_lexicon.stemming import stem


@pytest.mark.parametrize(
    ("forms", "same"),
    [
        (("Асию", "Асии", "Асия"), True),
        (("Скрипаль", "Скрипали", "Скрипаля"), True),
        (("региона", "регион", "регионами"), True),
        (("Путина", "Путину", "Путиным"), True),
        (("Мэй", "МЭА"), False),  # a stem of two letters would join them
        (("Ли", "Лю"), False),
        (("Кирилл", "Кирилловой"), False),
    ],
)
def test_forms_share_a_stem_or_not(forms: tuple[str, ...], same: bool) -> None:
    assert (len({stem(form) for form in forms}) == 1) is same


@pytest.mark.parametrize(("word", "stemmed"), [("Ёлкину", "елкин"), ("ЕС", "ес"), ("Шанхай", "шанха")])
def test_stem_is_lowercase_with_yo_as_ye(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed
