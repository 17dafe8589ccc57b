"""The cleaner honours its subjects on a real nats-server: raw.article in, clean.article out."""

from __future__ import annotations

import json

import pytest
from orewatch_common.contracts import (
    CLEAN_ARTICLE,
    DEAD_LETTER,
    RAW_ARTICLE,
    CleanArticle,
    ContentType,
    DeadLetter,
    Language,
    RawArticle,
    sha256_hex,
)

from tests.support.factories import make_raw_article

pytestmark = pytest.mark.slow

BODY = (
    "Министр промышленности заявил, что добыча лития в регионе вырастет вдвое к 2030 году.\n"
    "По его словам, первые контракты уже подписаны с тремя компаниями."
)
CONTENT = BODY + "\nЧитайте также: Курс рубля снова снизился\nПодписывайтесь на наш Telegram-канал\n"


def raw_article(content: str = CONTENT) -> RawArticle:
    return make_raw_article(content, article_id="c" * 32, source_uri="lithium.txt")


async def test_valid_raw_article_gives_a_valid_clean_article(bus, start_service):
    start_service("cleaner")
    await bus.publish(RAW_ARTICLE, raw_article())
    [data] = await bus.read(CLEAN_ARTICLE, 1)
    clean = CleanArticle.model_validate_json(data)
    assert clean.article_id == "c" * 32
    assert clean.raw_sha256 == sha256_hex(CONTENT)
    assert "добыча лития" in clean.body
    assert "Читайте также" not in clean.body
    assert "Telegram" not in clean.body
    assert {r.text.strip() for r in clean.removed} >= {"Читайте также: Курс рубля снова снизился"}
    assert (clean.schema_version, clean.language) == (2, Language.RU)


UKRAINIAN = (
    "Міністр промисловості заявив, що видобуток літію в регіоні зросте вдвічі до 2030 року.\n"
    "За його словами, перші контракти вже підписані з трьома компаніями."
)


async def test_the_clean_article_carries_its_language(bus, start_service):
    start_service("cleaner")
    await bus.publish(RAW_ARTICLE, raw_article(UKRAINIAN).model_copy(update={"source_uri": "uk.txt"}))
    [data] = await bus.read(CLEAN_ARTICLE, 1)
    assert json.loads(data)["language"] == "uk"
    assert CleanArticle.model_validate_json(data).language is Language.UK


async def test_redelivered_input_is_published_once(bus, start_service, wait):
    start_service("cleaner")
    await bus.publish(RAW_ARTICLE, raw_article(), msg_id="first")
    await bus.publish(RAW_ARTICLE, raw_article(), msg_id="second")  # same content, new message
    await wait(lambda: bus.count(RAW_ARTICLE), timeout=10)
    await bus.read(CLEAN_ARTICLE, 1)
    await wait(lambda: _no_pending(bus), timeout=20)
    assert await bus.count(CLEAN_ARTICLE) == 1  # deduplicated by its content hash


async def _no_pending(bus) -> bool:
    info = await bus.js.consumer_info("OREWATCH", "cleaner")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_invalid_input_becomes_a_dead_letter(bus, start_service):
    start_service("cleaner")
    await bus.publish(RAW_ARTICLE, b'{"article_id": "x", "content": 17}', msg_id="broken")
    [data] = await bus.read(DEAD_LETTER, 1)
    letter = DeadLetter.model_validate_json(data)
    assert (letter.service, letter.subject) == ("cleaner", RAW_ARTICLE)
    assert letter.reason.startswith("invalid message")
    assert letter.payload == '{"article_id": "x", "content": 17}'


async def test_a_page_without_article_text_becomes_a_dead_letter(bus, start_service):
    start_service("cleaner")
    page = "<html><body><nav>Главная | Экономика</nav><footer>© 2026 Новости</footer></body></html>"
    raw = raw_article(page).model_copy(update={"content_type": ContentType.HTML, "source_uri": "nav.html"})
    await bus.publish(RAW_ARTICLE, raw)
    [data] = await bus.read(DEAD_LETTER, 1)
    letter = DeadLetter.model_validate_json(data)
    assert (letter.service, letter.subject, letter.source_uri) == ("cleaner", RAW_ARTICLE, "nav.html")
    assert letter.reason.startswith("NoArticleText: no article text")
    assert RawArticle.model_validate_json(letter.payload) == raw  # the whole input is kept
    assert await bus.count(CLEAN_ARTICLE) == 0


async def test_boilerplate_learned_per_source_is_shared_through_the_bucket(bus, start_service, wait):
    """A slogan repeated by one site is learned across articles and replicas, then removed."""
    from orewatch_cleaner.boilerplate import segment_hash
    from orewatch_cleaner.kv_memory import BUCKET, KvSegmentMemory

    start_service("cleaner")
    start_service("cleaner")  # two replicas share the durable consumer and the memory
    slogan = "Вестник недр — всё о горной промышленности"
    for number in range(6):
        body = (
            f"Компания номер {number} сообщила о начале разведки месторождения меди в регионе.\n"
            f"Объём инвестиций в проект составит {number + 2} млрд рублей, уточнили в компании.\n"
            f"{slogan}\n"
        )
        article = raw_article(body).model_copy(
            update={
                "article_id": f"{number:032d}",
                "source_uri": f"vestnik/{number}.txt",
                "source_name": "vestnik.example",
            }
        )
        await bus.publish(RAW_ARTICLE, article)
        await bus.read(CLEAN_ARTICLE, number + 1)  # one at a time: learning follows arrival order

    cleaned = [CleanArticle.model_validate_json(data) for data in await bus.read(CLEAN_ARTICLE, 6)]
    assert slogan in cleaned[0].body
    assert slogan not in cleaned[-1].body
    assert "site-boilerplate" in {r.reason for r in cleaned[-1].removed}
    memory = KvSegmentMemory(await bus.js.key_value(BUCKET))
    await memory.load("vestnik.example")
    assert memory.articles_seen("vestnik.example") == 6
    assert memory.counts("vestnik.example", [segment_hash(slogan)]) == {segment_hash(slogan): 6}
