"""Never crash: for any input the cleaner and the extractor return a result or a typed
permanent error, one after the other as in the pipeline.

Run over every shared evaluation text, and over random text: Cyrillic, Latin, punctuation,
empty lines, very long tokens and lines, mixed scripts. The extraction contract checks
one actor per key and that every reference resolves.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orewatch_cleaner.core import NoArticleText, clean_article
from orewatch_common.contracts import (
    ExtractedArticle,
)
from orewatch_extractor.core import Extractor

from tests.support.factories import make_raw_article


def extract_document(extractor: Extractor, content: str, name: str = "test.txt") -> ExtractedArticle | None:
    """The extraction of a document, None when the cleaner finds no article text in it."""
    raw = make_raw_article(content, source_uri=name, source_name="tests")
    try:
        clean = clean_article(raw)
    except NoArticleText:
        return None
    extraction = extractor.extract(clean)
    for statement in extraction.statements:
        assert clean.body[statement.start : statement.end] == statement.text
    return extraction


def test_every_shared_text_is_extracted(extractor, shared_text: Path):
    extraction = extract_document(extractor, shared_text.read_text("utf-8"), shared_text.name)
    assert extraction is not None and extraction.actors


CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
PUNCTUATION = ".,;:!?-—–«»\"'()[]/…+*&%#@№"
# words that make the tagger find names, titles and speech, so the merge paths are walked
NEWS_WORDS = (
    "Путин", "Путина", "Владимир", "Дмитриев", "Кирилл", "заявил", "сообщила", "сказал", "по словам",
    "президент", "министр", "он", "она", "России", "МИД", "Совет", "Совета", "ЕС", "Европейского союза",
    "Swiss", "Vale", "Resources", "(ТЛП)", "Минфин", "США", "Туск", "Джонсон", "лития", "редкоземельных",
    "«", "»", "—", "и", "что",
)  # fmt: skip

words = st.one_of(
    st.text(st.sampled_from(CYRILLIC), min_size=1, max_size=12),
    st.text(st.sampled_from(CYRILLIC), min_size=1, max_size=10).map(str.capitalize),
    st.text(st.sampled_from(LATIN), min_size=1, max_size=12),
    st.text(st.sampled_from(CYRILLIC + LATIN + PUNCTUATION + "0123456789"), min_size=1, max_size=8),
    st.text(st.sampled_from(PUNCTUATION), min_size=1, max_size=3),
    st.sampled_from(NEWS_WORDS),
    st.text(min_size=1, max_size=4),  # any code point
)
very_long_token = st.text(st.sampled_from(CYRILLIC + LATIN), min_size=300, max_size=3000)
lines = st.one_of(
    st.just(""),
    st.lists(words, max_size=30).map(" ".join),
    st.lists(words, min_size=250, max_size=500).map(" ".join),  # over the parser's sentence cap
    very_long_token,
)
documents = st.lists(lines, max_size=12).map("\n".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(document=documents)
def test_any_text_is_cleaned_and_extracted_or_refused_as_permanent(extractor, document: str):
    extract_document(extractor, document)
