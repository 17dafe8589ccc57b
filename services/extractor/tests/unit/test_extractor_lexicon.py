"""Every item of the shared speech lexicon, checked the way the extractor reads text: its
`example` holds the item's lemma as natasha lemmatises it (a run of words for a lemma of
several, a partner word too for a light verb; for sections matched on surface text, a word
that begins with it) and its `not` holds none.

An item natasha lemmatises otherwise is a strict xfail with the lemma it gives: such an item
cannot fire where the extractor compares lemmas (fix the item or the lemmatiser, then drop the
mark)."""

from __future__ import annotations

import re
from functools import cache

import pytest
from orewatch_extractor.core import Extractor
from orewatch_extractor.nlp import Models
from orewatch_lexicon import Check, Item, LightVerb, load_lexicon, verb_stem

# (section, lemma) -> what natasha makes of the example's word instead.
NATASHA_DIFFERS = {
    ("verbs", "убежден"): "natasha lemmatises the short form 'убежден' to 'убежденный' (a stance)",
    ("person_titles", "аятолла"): "natasha lemmatises 'аятолла' to 'аятолл'",
    ("person_titles", "супруга"): "natasha lemmatises 'супруга' to 'супруг'",
    ("feminine_titles", "супруга"): "natasha lemmatises 'супруга' to 'супруг'",
    ("person_titles", "подсудимая"): "natasha lemmatises 'подсудимая' to 'подсудимый'",
    ("feminine_titles", "подсудимая"): "natasha lemmatises 'подсудимая' to 'подсудимый'",
    ("person_titles", "обвиняемый"): "natasha lemmatises the participle 'обвиняемый' to 'обвинять'",
    ("person_titles", "обвиняемая"): "natasha lemmatises the participle 'обвиняемая' to 'обвинять'",
    ("feminine_titles", "обвиняемая"): "natasha lemmatises the participle 'обвиняемая' to 'обвинять'",
    ("person_titles", "осужденный"): "natasha lemmatises the participle 'осужденный' to 'осудить'",
    ("person_titles", "осужденная"): "natasha lemmatises the participle 'осужденная' to 'осудить'",
    ("feminine_titles", "осужденная"): "natasha lemmatises the participle 'осужденная' to 'осудить'",
    ("person_titles", "уполномоченная"): "natasha lemmatises 'уполномоченная' to 'уполномоченный'",
    ("feminine_titles", "уполномоченная"): "natasha lemmatises 'уполномоченная' to 'уполномоченный'",
    ("person_titles", "управляющий"): "natasha lemmatises the participle 'управляющий' to 'управлять'",
}


def _params() -> list[object]:
    params: list[object] = []
    for item in load_lexicon().items:
        reason = NATASHA_DIFFERS.get((item.section.value, item.lemma))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(item, marks=marks, id=f"{item.section}:{item.lemma}"))
    return params


def test_every_xfail_names_an_item():
    items = {(item.section.value, item.lemma) for item in load_lexicon().items}
    assert set(NATASHA_DIFFERS) <= items


@pytest.fixture(scope="module")
def lemmas_of(extractor: Extractor):
    models: Models = extractor.models

    @cache
    def lemmas(text: str) -> tuple[str, ...]:
        return tuple(tok.lemma for tok in models.analyse(text).tokens)

    return lemmas


def _holds(lemmas: tuple[str, ...], words: list[str]) -> bool:
    n = len(words)
    return any(list(lemmas[i : i + n]) == words for i in range(len(lemmas) - n + 1))


def _begins_a_word(start: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(start)}", text.lower()) is not None


@pytest.mark.parametrize("item", _params())
def test_an_item_is_in_its_example_and_not_in_its_counter_example(item: Item, lemmas_of) -> None:
    if item.section.check is Check.LEMMA:
        words = item.lemma.split()
        assert _holds(lemmas_of(item.example), words), lemmas_of(item.example)
        assert not _holds(lemmas_of(item.not_), words), lemmas_of(item.not_)
        if isinstance(item, LightVerb):
            assert item.partner in lemmas_of(item.example), lemmas_of(item.example)
    else:
        start = item.lemma if item.section.check is Check.PREFIX else verb_stem(item.lemma)
        assert _begins_a_word(start, item.example)
        assert not _begins_a_word(start, item.not_)
