"""Per-source memory: furniture repeated across a site's articles is learned, article text never is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_cleaner.boilerplate import (
    DEFAULT_POLICY,
    CountedAlready,
    InMemorySegmentMemory,
    recurring_segments,
    segment_hash,
    segment_hashes,
)
from orewatch_cleaner.core import clean_article
from orewatch_common.contracts import RawArticle, SourceKind

from tests.support.factories import make_raw_article

SLOGAN = "Уральский горный вестник — всё о недрах региона"
ARTICLES = [
    "Комбинат в Карабаше увеличил выпуск черновой меди на 8% по итогам полугодия.",
    "На Гайском ГОКе запустили новую обогатительную фабрику стоимостью 30 млрд рублей.",
    "Горняки Качканара добыли юбилейный миллиардный кубометр горной массы.",
    "Власти Свердловской области выдали лицензию на разведку золота в Березовском.",
    "В Челябинской области нашли новое месторождение вольфрама с запасами 20 тыс. тонн.",
]


def raw_text(content: str, source_name: str = "rudnik.example", number: int = 0) -> RawArticle:
    return make_raw_article(
        content,
        article_id=f"{number:032d}",
        source_kind=SourceKind.FEED,
        source_uri=f"https://rudnik.example/{number}",
        source_name=source_name,
        fetched_at=datetime(2025, 9, 3, tzinfo=UTC),
    )


def test_slogan_repeated_across_articles_is_learned_and_removed() -> None:
    memory = InMemorySegmentMemory()
    cleaned = [
        clean_article(raw_text(f"{body}\nПодробности на месте событий.\n{SLOGAN}", number=i), memory)
        for i, body in enumerate(ARTICLES)
    ]
    assert SLOGAN in cleaned[0].body  # nothing known yet: rules alone do not know this slogan
    assert SLOGAN not in cleaned[-1].body
    assert cleaned[-1].body.startswith(ARTICLES[-1])
    assert [r.reason for r in cleaned[-1].removed if r.text == SLOGAN] == ["site-boilerplate"]


def test_memory_is_kept_per_source() -> None:
    memory = InMemorySegmentMemory()
    for i, body in enumerate(ARTICLES[:4]):
        clean_article(raw_text(f"{body}\n{SLOGAN}", number=i), memory)
    other = clean_article(raw_text(f"{ARTICLES[4]}\n{SLOGAN}", source_name="other.example"), memory)
    assert SLOGAN in other.body


def test_long_sentence_shared_by_many_articles_is_never_learned() -> None:
    lead = (
        "Министерство природных ресурсов сообщило, что запасы меди в регионе выросли на треть после "
        "завершения разведки на трех участках недр в прошлом году и в начале нынешнего."
    )
    memory = InMemorySegmentMemory()
    for i, body in enumerate(ARTICLES):
        clean = clean_article(raw_text(f"{lead}\n{body}", number=i), memory)
    assert clean.body.startswith(lead)


@pytest.mark.parametrize(
    ("articles_seen", "segment_in", "recurring"),
    [
        (2, 2, False),  # too few articles of the source to judge
        (3, 3, True),
        (10, 3, True),  # 3 of 10 is the share needed
        (10, 2, False),  # seen in 2 articles only
        (20, 4, False),  # 4 of 20 is below the share
    ],
)
def test_policy_needs_several_articles_and_a_share(
    articles_seen: int, segment_in: int, recurring: bool
) -> None:
    memory = InMemorySegmentMemory()
    for i in range(articles_seen):
        memory.record("site", segment_hashes([SLOGAN] if i < segment_in else [f"Статья номер {i} о добыче"]))
    found = recurring_segments(memory, "site", segment_hashes([SLOGAN]), DEFAULT_POLICY)
    assert (segment_hash(SLOGAN) in found) is recurring


def test_hash_ignores_case_quotes_and_spacing() -> None:
    assert segment_hash("«Горный  вестник» — ВСЁ о недрах") == segment_hash('"горный вестник" - все о недрах')


def test_recurring_sentence_needs_more_evidence_than_a_slogan() -> None:
    """A formula such as "Об этом сообщает ТАСС." recurs in articles and is still their text."""
    formula = "Об этом сообщает ТАСС."
    memory = InMemorySegmentMemory()
    cleaned = [
        clean_article(raw_text(f"{body}\n{formula}", number=i), memory) for i, body in enumerate(ARTICLES)
    ]
    assert all(clean.body.endswith(formula) for clean in cleaned)


def test_footer_sentence_in_most_articles_is_learned() -> None:
    footer = "Все материалы вестника публикуются с согласия авторов."
    memory = InMemorySegmentMemory()
    articles = [*ARTICLES, "Добыча платины на Урале выросла на 4% за девять месяцев."]
    cleaned = [
        clean_article(raw_text(f"{body}\n{footer}", number=i), memory) for i, body in enumerate(articles)
    ]
    assert footer in cleaned[4].body  # five earlier articles are needed for a full sentence
    assert footer not in cleaned[5].body


def test_long_segments_are_not_hashed() -> None:
    sentence = " ".join(["слово"] * 25) + "."
    assert segment_hashes([SLOGAN, sentence, "", "  "]) == {segment_hash(SLOGAN)}


def test_a_reprocessed_article_is_not_counted_twice_and_sees_the_others() -> None:
    """`orewatch reprocess` cleans stored articles again: the memory is left as it was, and the
    first article, cleaned when nothing was known, now loses the slogan the others share."""
    memory = InMemorySegmentMemory()
    raws = [raw_text(f"{body}\n{SLOGAN}", number=i) for i, body in enumerate(ARTICLES)]
    first = [clean_article(raw, memory) for raw in raws]
    seen = memory.articles_seen("rudnik.example")
    again = [clean_article(raw.model_copy(update={"processing_version": 3}), memory) for raw in raws]
    assert memory.articles_seen("rudnik.example") == seen == len(ARTICLES)
    assert SLOGAN in first[0].body
    assert SLOGAN not in again[0].body
    assert [clean.processing_version for clean in again] == [3] * len(ARTICLES)
    assert {clean.processing_version for clean in first} == {None}


def test_counted_already_takes_the_article_itself_out() -> None:
    memory = InMemorySegmentMemory()
    memory.record("site", ["a", "b"])
    memory.record("site", ["a"])
    view = CountedAlready(memory)
    assert view.counts("site", ["a", "b", "c"]) == {"a": 1, "b": 0, "c": 0}
    assert view.articles_seen("site") == 1
    view.record("site", ["a"])
    assert memory.counts("site", ["a"]) == {"a": 2}
    assert CountedAlready(InMemorySegmentMemory()).articles_seen("site") == 0
