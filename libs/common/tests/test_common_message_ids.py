"""The message ids (`Nats-Msg-Id`) and article ids, pinned to hand-written values.

JetStream deduplicates on the message id, and the store keys articles on the article id:
a refactor that changes either hash (a renamed or reordered field, another JSON dump,
another separator) would silently republish and re-store everything. Changing them is
allowed only deliberately, by rewriting these values (last: clean.article version 2 added
`language`, so a clean article and its extraction hash differently from version 1).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from orewatch_common.bus import message_headers
from orewatch_common.contracts import (
    Actor,
    ActorRef,
    CleanArticle,
    ContentType,
    Contract,
    DeadLetter,
    ExtractedArticle,
    Mineral,
    RawArticle,
    Removal,
    SourceKind,
    Statement,
    article_id_for,
    sha256_hex,
)

NICKEL = "Никель\n\nНорникель нарастил выпуск."
# Every field written out, not made by tests.support.factories: a pin must not move with a
# factory's defaults.
SEED = RawArticle(
    article_id="9ea1dde8545fbaea83cd84d96e71ff6b",
    source_kind=SourceKind.FILE,
    source_uri="news/nickel.txt",
    source_name="seeds/news",
    fetched_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
    content_type=ContentType.TEXT,
    content=NICKEL,
    encoding="cp1251",
    content_sha256="d4771e529f426d2a2191cbf88d14df6bc03ffce69b62849389582258dec6cfce",
    version=1,
)
# What is hashed: the JSON dump without the volatile `fetched_at` (and the processing version,
# unset on a first-time message), fields in declaration order.
SEED_HASHED = (
    '{"schema_version":1,"article_id":"9ea1dde8545fbaea83cd84d96e71ff6b","source_kind":"file",'
    '"source_uri":"news/nickel.txt","source_name":"seeds/news","content_type":"text/plain",'
    '"content":"Никель\\n\\nНорникель нарастил выпуск.","encoding":"cp1251",'
    '"content_sha256":"d4771e529f426d2a2191cbf88d14df6bc03ffce69b62849389582258dec6cfce",'
    '"url":null,"title_hint":null,"published_hint":null,"author_hint":null,"feed_url":null,'
    '"is_feed_summary":false,"version":1}'
)
FEED_PAGE = RawArticle(
    article_id=article_id_for(SourceKind.FEED, "https://ore.example/news/1"),
    source_kind=SourceKind.FEED,
    source_uri="https://ore.example/news/1",
    source_name="ore.example",
    fetched_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
    content_type=ContentType.HTML,
    content="<html><body><p>Медь подорожала.</p></body></html>",
    encoding="utf-8",
    content_sha256=sha256_hex("<html><body><p>Медь подорожала.</p></body></html>"),
    url="https://ore.example/news/1",
    title_hint="Медь подорожала",
    published_hint=datetime(2026, 10, 31, 18, 30, tzinfo=timezone(timedelta(hours=3))),
    author_hint="Редакция",
    feed_url="https://ore.example/rss",
)
CLEAN = CleanArticle(
    article_id=SEED.article_id,
    source_kind=SourceKind.FILE,
    source_uri="news/nickel.txt",
    source_name="seeds/news",
    fetched_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
    raw_sha256=SEED.content_sha256,
    title="Никель",
    published_at=datetime(2026, 10, 31, 18, 30),
    author="Иван Петров",
    body="Норникель нарастил выпуск.",
    removed=[Removal(text="Читайте также: медь", reason="read-also")],
)
NORNICKEL = Actor(name="Норникель", type="ORG")
EXTRACTED = ExtractedArticle(
    article=CLEAN,
    extracted_at=datetime(2026, 11, 1, 10, 1, tzinfo=UTC),
    extractor_version="test",
    actors=[NORNICKEL],
    minerals=[Mineral(key="nickel", name="никель", category="base_metals", forms=["никель"])],
    statements=[
        Statement(
            index=0,
            text="Норникель нарастил выпуск.",
            start=0,
            end=26,
            actors=[ActorRef(name="Норникель", type="ORG")],
        )
    ],
)
LETTER = DeadLetter(
    service="cleaner",
    subject="raw.article",
    source_uri="news/nickel.txt",
    reason="no article text",
    payload="{}",
    payload_size=2,
    deliveries=3,
    failed_at=datetime(2026, 11, 1, 10, 2, tzinfo=UTC),
    stream_sequence=7,
    error_class="NoArticleText",
)


@pytest.mark.parametrize(
    ("message", "message_id"),
    [
        (SEED, "RawArticle:9210518a7a9401ded07996cc4422450822b37d24933cdd3b286f6e5aa9741b88"),
        (FEED_PAGE, "RawArticle:0b5ef3a4d75809637cc4eb3582042c8caacbe3b5de019f4b276c53de233b6441"),
        (CLEAN, "CleanArticle:14a99a4da0abe26ad5f4a0821e735d8022e9c80a5426f487d5a88249898df007"),
        (EXTRACTED, "ExtractedArticle:6b1a594aecfbcee89570e923ddcb466a11ab8d4e592a6bf17d6431848c932c79"),
        (LETTER, "DeadLetter:7222e291149680e37c440d8196dbb2c63a6cb08be6128fd5daaac15e5b69cbab"),
    ],
    ids=["seed-file", "feed-page", "clean", "extracted", "dead-letter"],
)
def test_message_id_is_pinned(message: Contract, message_id: str) -> None:
    assert message.message_id() == message_id
    assert message_headers(message)["Nats-Msg-Id"] == message_id


def test_message_id_hashes_the_dump_without_volatile_fields() -> None:
    assert SEED.model_dump_json(exclude={"fetched_at", "processing_version"}) == SEED_HASHED
    assert SEED.message_id() == "RawArticle:" + hashlib.sha256(SEED_HASHED.encode()).hexdigest()


@pytest.mark.parametrize(
    ("message", "volatile"),
    [
        (SEED, {"fetched_at": datetime(2027, 1, 1, tzinfo=UTC)}),
        (EXTRACTED, {"extracted_at": datetime(2027, 1, 1, tzinfo=UTC)}),
        (LETTER, {"failed_at": datetime(2027, 1, 1, tzinfo=UTC), "deliveries": 9}),
    ],
)
def test_when_it_was_handled_leaves_the_id_alone(message: Contract, volatile: dict[str, object]) -> None:
    assert message.model_copy(update=volatile).message_id() == message.message_id()


@pytest.mark.parametrize(
    ("kind", "uri", "article_id"),
    [
        (SourceKind.FILE, "news/nickel.txt", "9ea1dde8545fbaea83cd84d96e71ff6b"),
        (SourceKind.FEED, "https://ore.example/news/1", "03198e05ac722b91d6641721f822835f"),
    ],
)
def test_article_id_is_pinned(kind: SourceKind, uri: str, article_id: str) -> None:
    assert article_id_for(kind, uri) == article_id


# `orewatch reprocess` sends a stored article again with a processing version: each version is
# a new message id (JetStream would drop a plain republish within its dedup window), the same
# version is the same id (a redelivered reprocess is deduplicated like any message).
REPROCESSED = [
    (SEED, 1, "RawArticle:55be0e8707f51d4c3a912f501304303588c6c62f16ee054dd5fe2d670ff6d512"),
    (SEED, 2, "RawArticle:a9e43c0f5bc91c0ef939498a8d1ec398d9dd731b9e46821c958b07594509af38"),
    (CLEAN, 1, "CleanArticle:12225f385ab8b537a97c175b52cea4a899e8d45a1f24f2bf785f95d8a5c1261b"),
]


@pytest.mark.parametrize(("message", "version", "message_id"), REPROCESSED)
def test_a_processing_version_is_a_new_message_id(message: Contract, version: int, message_id: str) -> None:
    reprocessed = message.model_copy(update={"processing_version": version})
    assert reprocessed.message_id() == message_id
    assert reprocessed.message_id() != message.message_id()


def test_a_processing_version_is_hashed_after_the_first_time_fields() -> None:
    hashed = SEED_HASHED.removesuffix("}") + ',"processing_version":1}'
    reprocessed = SEED.model_copy(update={"processing_version": 1})
    assert reprocessed.message_id() == "RawArticle:" + hashlib.sha256(hashed.encode()).hexdigest()


def test_a_processing_version_is_hashed_where_the_extraction_carries_it() -> None:
    """The extractor copies the clean article whole, so its version reaches the extraction's id."""
    again = EXTRACTED.model_copy(update={"article": CLEAN.model_copy(update={"processing_version": 1})})
    assert again.message_id() == (
        "ExtractedArticle:29b33ffad58584327c52300f6d4cd169662def065f00a085c6850078f90ec103"
    )
    assert again.message_id() != EXTRACTED.message_id()
