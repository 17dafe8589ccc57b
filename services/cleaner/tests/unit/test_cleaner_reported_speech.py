"""The reported-speech pattern of closing "Ранее …" passages, now built from the shared lexicon,
matches exactly what the hand-written stem list matched."""

from __future__ import annotations

import re

import pytest
from orewatch_cleaner.furniture import GENERIC
from orewatch_cleaner.tails import _REPORTED_SPEECH, background_tail
from orewatch_lexicon import Section, load_lexicon, past_stem, verb_stem

# The pattern as it was written by hand before the lexicon: the reference.
_HAND_WRITTEN = re.compile(
    r"\b(?:заяв|сообщ|отмет|подчерк|говор|сказ|рассказ|указ|поясн|уточн|призн|предупред|обещ|пообещ|"
    r"повідом|наголос|зазнач|розпов)\w*(?<!сь)(?<!ся)\s*(?:,\s*(?:что|що)\b|:)"
    r"|\b(?:поручил|предложил|призвал|потребовал|пообещал|распорядил)(?:а|и|ся|ась|ись)?\s+\S+\s+\w+",
    re.IGNORECASE,
)
_HAND_STEMS = {
    "заяв", "сообщ", "отмет", "подчерк", "говор", "сказ", "рассказ", "указ", "поясн", "уточн", "призн",
    "предупред", "обещ", "пообещ", "повідом", "наголос", "зазнач", "розпов",
}  # fmt: skip
_HAND_PAST = {"поручил", "предложил", "призвал", "потребовал", "пообещал", "распорядил"}

LEXICON = load_lexicon()
CLEANER_SECTIONS = (Section.REPORTED_VERBS, Section.REPORTED_VERBS_UK, Section.INSTRUCTION_VERBS)


def test_the_lexicon_gives_the_hand_written_stems():
    stems = {verb_stem(w) for s in CLEANER_SECTIONS[:2] for w in LEXICON.lemmas(s)}
    assert stems == _HAND_STEMS
    assert {past_stem(w) for w in LEXICON.lemmas(Section.INSTRUCTION_VERBS)} == _HAND_PAST


@pytest.mark.parametrize(
    ("sentence", "reported"),
    [
        ("Ранее министр промышленности заявлял, что программа может вырасти вдвое.", True),
        ("Ранее глава Минпромторга Антон Алиханов заявил, что Россия рассчитывает на металлы.", True),
        ("Ранее компания сообщила, что добыча выросла.", True),
        ("Ранее эксперты отметили: спрос на литий растет.", True),
        ("Напомним, министр подчеркнул, что сроки не изменятся.", True),
        ("Ранее он говорил, что цены упадут.", True),
        ("Ранее министр сказал , что цены упадут.", True),
        ("Ранее министр рассказывал, что цены упадут.", True),
        ("Ранее министр указывал, что цены упадут.", True),
        ("Ранее министр пояснял, что цены упадут.", True),
        ("Ранее министр уточнила, что цены упадут.", True),
        ("Ранее министр признавал, что цены упадут.", True),
        ("Ранее банк предупредил, что цены упадут.", True),
        ("Ранее губернатор обещал: завод построят.", True),
        ("Ранее губернатор пообещала, что завод построят.", True),
        ("ЗАЯВИЛ, ЧТО цены упадут.", True),
        ("Раніше міністр повідомив, що ціни зростуть.", True),
        ("Раніше міністр наголосила, що ціни зростуть.", True),
        ("Раніше міністр зазначив: ціни зростуть.", True),
        ("Раніше міністр розповіла, що ціни зростуть.", True),
        ("Напомним, вице-премьер Александр Новак поручил РЖД сохранить вывоз угля.", True),
        ("Ранее президент предложил США участие в проектах.", True),
        ("Ранее министр призвала инвесторов вложиться.", True),
        ("Ранее депутаты потребовали отчета о добыче.", True),
        ("Ранее губернатор пообещал построить завод.", True),
        ("Ранее премьер распорядился выделить средства.", True),
        ("Ранее премьер распорядилась выделить средства.", True),
        # impersonal, reflexive: the link formula
        ("Ранее сообщалось, что Эмманюэль Макрон провел переговоры.", False),
        ("Ранее говорилось, что цены упадут.", False),
        ("Ранее отмечалось: спрос на литий растет.", False),
        ("Раніше повідомлялося, що ціни зростуть.", False),
        # a speech verb with no clause after it, or another verb
        ("Ранее министр заявил о планах.", False),
        ("Ранее министр посетил рудник.", False),
        ("Ранее Новак поручил.", False),
        ("Ранее Новак поручает РЖД сохранить вывоз.", False),
        ("Ранее министр написал, что цены упадут.", False),  # not one of the cleaner's verbs
        # as before, a stem is the perfective's: an imperfective with another root does not count
        ("Ранее эксперты отмечали: спрос на литий растет.", False),
        ("Ранее банк предупреждал, что цены упадут.", False),
        ("Как сообщал Пример.kz,", False),
        ("Как сообщал Пример.kz, который в июле подал в отставку.", False),
    ],
)
def test_reported_speech_matches_what_the_hand_written_pattern_matched(sentence: str, reported: bool):
    assert bool(_HAND_WRITTEN.search(sentence)) is reported
    assert bool(_REPORTED_SPEECH.search(sentence)) is reported


@pytest.mark.parametrize(
    "item",
    [item for section in CLEANER_SECTIONS for item in LEXICON.of(section)],
    ids=lambda item: f"{item.section}:{item.lemma}",
)
def test_each_cleaner_verb_of_the_lexicon_matches_its_example_and_not_its_counter_example(item):
    for pattern in (_HAND_WRITTEN, _REPORTED_SPEECH):
        assert pattern.search(item.example)
        assert not pattern.search(item.not_)


@pytest.mark.parametrize(
    ("passage", "cut"),
    [
        # someone named reported as saying something: background, kept
        ("Ранее канцлер Германии Олаф Шольц заявил, что провел переговоры с Макроном в Париже.", False),
        ("Раніше канцлер Німеччини Олаф Шольц наголосив, що провів переговори з Макроном у Парижі.", False),
        # the same after an outlet's citation is a link formula: cut when off-topic
        ("Как сообщал УНН, канцлер Германии Олаф Шольц заявил, что провел переговоры с Макроном.", True),
        ("Як повідомляв УНН, канцлер Німеччини Олаф Шольц наголосив, що провів переговори.", True),
    ],
)
def test_an_outlet_citation_is_not_reported_speech(passage: str, cut: bool):
    assert _REPORTED_SPEECH.search(passage)
    assert bool(GENERIC.cited_outlet.match(passage)) is cut
    paragraph = "Казахстан одобрил программу разведки лития в степных районах. " + passage
    assert (background_tail(paragraph, set, {"казахстан", "лит"}) is not None) is cut
