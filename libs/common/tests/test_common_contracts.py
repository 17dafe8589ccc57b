"""Contracts, settings and delivery policy of libs/common: pure, no servers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_common.bus import dead_letter_for, describe_error, message_headers
from orewatch_common.contracts import (
    CONTRACT_BY_SUBJECT,
    CleanArticle,
    Language,
    RawArticle,
    SourceKind,
    article_id_for,
)
from orewatch_common.settings import Settings
from pydantic import ValidationError

from tests.support.factories import make_clean_article, make_raw_article


def raw(
    content: str = "Текст статьи.", fetched_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
) -> RawArticle:
    return make_raw_article(content, source_uri="a.txt", fetched_at=fetched_at)


def test_message_id_ignores_when_it_was_fetched_but_not_what():
    first = raw()
    refetched = raw(fetched_at=datetime(2026, 5, 5, tzinfo=UTC))
    changed = raw(content="Другой текст.")
    assert first.message_id() == refetched.message_id()
    assert first.message_id() != changed.message_id()
    assert message_headers(first)["Nats-Msg-Id"] == first.message_id()


@pytest.mark.parametrize(
    ("kind", "uri", "other_kind", "other_uri", "same"),
    [
        (SourceKind.FILE, "a.txt", SourceKind.FILE, "a.txt", True),
        (SourceKind.FILE, "a.txt", SourceKind.FILE, "sub/a.txt", False),
        (SourceKind.FILE, "https://x.ru/1", SourceKind.FEED, "https://x.ru/1", False),
    ],
)
def test_article_id_depends_on_source_only(kind, uri, other_kind, other_uri, same):
    assert (article_id_for(kind, uri) == article_id_for(other_kind, other_uri)) is same


def test_contracts_refuse_unknown_fields_and_versions():
    data = raw().model_dump(mode="json")
    with pytest.raises(ValidationError):
        RawArticle.model_validate({**data, "surprise": 1})
    with pytest.raises(ValidationError):
        RawArticle.model_validate({**data, "schema_version": 2})


def test_every_subject_has_one_contract():
    assert sorted(CONTRACT_BY_SUBJECT) == [
        "clean.article",
        "dead.letter",
        "extracted.statement",
        "raw.article",
    ]


@pytest.mark.parametrize(
    ("env", "libpq", "sqlalchemy"),
    [
        ({"DATABASE_URL": "postgresql://u@h:5/db"}, "postgresql://u@h:5/db", "postgresql+psycopg://u@h:5/db"),
        (
            {"DATABASE_URL": "postgresql+asyncpg://u:p@h/db"},
            "postgresql://u:p@h/db",
            "postgresql+psycopg://u:p@h/db",
        ),
        ({"DATABASE_URL": "postgres://u@h/db"}, "postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        (
            {
                "POSTGRES_HOST": "postgres",
                "POSTGRES_USER": "ore",
                "POSTGRES_PASSWORD": "p@ss/word",
                "POSTGRES_DB": "news",
            },
            "postgresql://ore:p%40ss%2Fword@postgres:5432/news",
            "postgresql+psycopg://ore:p%40ss%2Fword@postgres:5432/news",
        ),
    ],
)
def test_database_urls_are_built_in_one_place(monkeypatch, env, libpq, sqlalchemy):
    for name in ("DATABASE_URL", "POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.libpq_url() == libpq
    assert settings.sqlalchemy_url() == sqlalchemy


def test_dead_letter_keeps_binary_payload_readable_and_capped():
    letter = dead_letter_for("fetcher", reason="binary content", payload=b"\x00\xffabc" * 100_000)
    assert letter.payload_size == 500_000
    assert letter.payload.startswith("\\x00\\xffabc")
    assert len(letter.payload.encode()) < 1_000_000


def test_validation_errors_read_as_reasons():
    with pytest.raises(ValidationError) as caught:
        RawArticle.model_validate({"article_id": 1})
    reason = describe_error(caught.value)
    assert reason.startswith("invalid message (")
    assert "source_kind: Field required" in reason


def _clean_data() -> dict[str, object]:
    return make_clean_article("Текст статьи.").model_dump(mode="json")


def test_clean_article_version_1_without_language_still_validates() -> None:
    """A message from a cleaner before language detection: read, with no language."""
    data = {key: value for key, value in _clean_data().items() if key != "language"}
    old = CleanArticle.model_validate({**data, "schema_version": 1})
    assert (old.schema_version, old.language) == (1, None)


def test_clean_article_version_2_carries_a_language_of_the_enum() -> None:
    data = _clean_data()
    assert data["schema_version"] == 2
    assert CleanArticle.model_validate({**data, "language": "uk"}).language is Language.UK
    with pytest.raises(ValidationError):
        CleanArticle.model_validate({**data, "language": "de"})


def test_clean_article_version_1_with_a_language_is_refused() -> None:
    with pytest.raises(ValidationError, match="version 2"):
        CleanArticle.model_validate({**_clean_data(), "schema_version": 1, "language": "ru"})
