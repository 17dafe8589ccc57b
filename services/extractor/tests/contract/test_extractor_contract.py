"""The extractor honours its subjects on a real nats-server: clean.article in, extracted.statement out."""

from __future__ import annotations

import pytest
from orewatch_common.contracts import (
    CLEAN_ARTICLE,
    DEAD_LETTER,
    EXTRACTED_STATEMENT,
    DeadLetter,
    ExtractedArticle,
    Language,
)

from tests.support.factories import make_clean_article

pytestmark = pytest.mark.slow

BODY = (
    "Глава Минприроды России Александр Козлов заявил, что запасы лития в стране превышают 3 млн тонн.\n\n"
    "«Мы рассчитываем начать добычу редкоземельных металлов в 2027 году», — сказал Козлов."
)

ARTICLE = make_clean_article(BODY, article_id="e" * 32, source_uri="kozlov.txt", title="Литий")


async def test_valid_clean_article_gives_a_valid_extraction(bus, start_service):
    start_service("extractor")
    await bus.publish(CLEAN_ARTICLE, ARTICLE)
    [data] = await bus.read(EXTRACTED_STATEMENT, 1, timeout=60)
    extraction = ExtractedArticle.model_validate_json(data)
    assert extraction.article == ARTICLE
    assert {m.key for m in extraction.minerals} >= {"lithium", "rare_earths"}
    assert "Александр Козлов" in {a.name for a in extraction.actors}
    speakers = {s.speaker.name for s in extraction.statements if s.speaker}
    assert speakers == {"Александр Козлов"}
    for statement in extraction.statements:
        assert BODY[statement.start : statement.end] == statement.text


async def test_an_article_in_another_language_gives_an_empty_extraction(bus, start_service):
    """The Russian models are not run on it, and the store still gets the article."""
    start_service("extractor")
    english = make_clean_article(
        "Kozlov said Russia's lithium reserves exceed 3 million tonnes.",
        article_id="f" * 32,
        source_uri="kozlov-en.txt",
        language=Language.EN,
    )
    await bus.publish(CLEAN_ARTICLE, english)
    [data] = await bus.read(EXTRACTED_STATEMENT, 1, timeout=60)
    extraction = ExtractedArticle.model_validate_json(data)
    assert extraction.article == english
    assert (extraction.actors, extraction.minerals, extraction.statements) == ([], [], [])


async def test_invalid_input_becomes_a_dead_letter(bus, start_service):
    start_service("extractor")
    await bus.publish(CLEAN_ARTICLE, b"not json at all", msg_id="broken")
    [data] = await bus.read(DEAD_LETTER, 1, timeout=60)
    letter = DeadLetter.model_validate_json(data)
    assert (letter.service, letter.subject) == ("extractor", CLEAN_ARTICLE)
    assert letter.reason.startswith("invalid message")
    assert letter.payload == "not json at all"
