"""The pass registry: listed in order, each pass testable alone; per-site profiles chosen by source."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from orewatch_cleaner.boilerplate import InMemorySegmentMemory
from orewatch_cleaner.core import (
    PASSES,
    PassName,
    clean_article,
    decode,
    learn,
    lines,
    pass_names,
    recognise,
    record,
    run_passes,
    title,
)
from orewatch_cleaner.draft import Draft, Line, split_lines
from orewatch_cleaner.footer import drop_inner_furniture, drop_related_block, drop_tail
from orewatch_cleaner.furniture import GENERIC
from orewatch_cleaner.header import read_header
from orewatch_cleaner.profiles import furniture_for, host_of, packaged_profiles, read_profiles
from orewatch_common.contracts import ContentType, RawArticle, RemovalReason, SourceKind, sha256_hex

HEADLINE = "Норильский никель нарастил добычу палладия"
LEAD = "Норильский никель увеличил добычу палладия на 5% по итогам квартала, сообщила компания."


def raw(content: str = LEAD, url: str | None = None, source_name: str = "example") -> RawArticle:
    return RawArticle(
        article_id="p" * 32,
        source_kind=SourceKind.FEED,
        source_uri=url or "notes/1.txt",
        source_name=source_name,
        url=url,
        fetched_at=datetime(2025, 9, 3, 9, 0, tzinfo=UTC),
        content_type=ContentType.TEXT,
        content=content,
        encoding="utf-8",
        content_sha256=sha256_hex(content),
    )


def draft_of(*texts: str) -> Draft:
    return Draft(raw=raw(), lines=[Line(text, followed_by_break=True) for text in texts])


def test_the_registry_lists_the_passes_in_order() -> None:
    assert pass_names() == [
        PassName.DECODE,
        PassName.LINES,
        PassName.RECOGNISE,
        PassName.LEARN,
        PassName.HEADER,
        PassName.TITLE,
        PassName.RELATED_BLOCK,
        PassName.TAIL,
        PassName.INNER,
        PassName.LANGUAGE,
        PassName.RECORD,
    ]
    assert len({p.run for p in PASSES}) == len(PASSES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Заголовок\n\nПервый абзац.\nВторой абзац.",
            [("Заголовок", True), ("Первый абзац.", False), ("Второй абзац.", True)],
        ),
        ("  Одна строка\u00a0текста  \r\n", [("Одна строка текста", True)]),
        ("\n\n", []),
    ],
)
def test_lines_keeps_non_blank_lines_and_their_breaks(text: str, expected: list[tuple[str, bool]]) -> None:
    assert [(line.text, line.followed_by_break) for line in split_lines(text)] == expected


@pytest.mark.parametrize(
    ("texts", "kept", "reasons"),
    [
        (
            (LEAD, "Похожие новости", "Медь подешевела", "Золото подорожало"),
            [LEAD],
            ["related-headlines"] * 3,
        ),
        ((LEAD, "О компании", "ПАО «Пример» — производитель никеля."), [LEAD], ["press-release"] * 2),
        ((LEAD, "По теме доклада выступил министр."), [LEAD, "По теме доклада выступил министр."], []),
    ],
)
def test_related_block_alone(texts: tuple[str, ...], kept: list[str], reasons: list[str]) -> None:
    draft = drop_related_block(draft_of(*texts))
    assert [line.text for line in draft.lines] == kept
    assert [r.reason for r in draft.removed] == reasons


@pytest.mark.parametrize(
    ("texts", "kept", "reasons"),
    [
        ((LEAD, "Подписывайтесь на наш канал в Telegram"), [LEAD], ["subscribe-prompt"]),
        ((LEAD + " Источник: пресс-служба компании",), [LEAD], ["source-credit"]),
        ((LEAD, "Новость дополняется"), [LEAD], ["update-notice"]),
        ((LEAD,), [LEAD], []),
    ],
)
def test_tail_alone(texts: tuple[str, ...], kept: list[str], reasons: list[str]) -> None:
    draft = drop_tail(draft_of(*texts))
    assert [line.text for line in draft.lines] == kept
    assert [r.reason for r in draft.removed] == reasons


@pytest.mark.parametrize(
    ("texts", "kept", "reasons"),
    [
        ((LEAD, "Фото: Иван Петров", LEAD), [LEAD, LEAD], ["photo-credit"]),
        ((LEAD, "Читайте также:", "Медь подешевела", LEAD), [LEAD, LEAD], ["read-also", "read-also"]),
        ((LEAD, LEAD), [LEAD, LEAD], []),
    ],
)
def test_inner_alone(texts: tuple[str, ...], kept: list[str], reasons: list[str]) -> None:
    draft = drop_inner_furniture(draft_of(*texts))
    assert [line.text for line in draft.lines] == kept
    assert [r.reason for r in draft.removed] == reasons


def test_header_alone_takes_the_headline_and_the_byline() -> None:
    draft = read_header(draft_of("Норильский никель нарастил добычу палладия", "Автор: Иван Петров", LEAD))
    assert (draft.title, draft.author) == ("Норильский никель нарастил добычу палладия", "Иван Петров")
    assert [line.text for line in draft.lines] == [LEAD]


def test_a_pass_can_be_left_out() -> None:
    text = f"{HEADLINE}\n\n{LEAD}\n\nНовость дополняется"
    full = run_passes(Draft(raw=raw(text)))
    kept = run_passes(Draft(raw=raw(text)), skip=frozenset({PassName.TAIL, PassName.INNER}))
    assert [line.text for line in full.lines] == [LEAD]
    assert [line.text for line in kept.lines] == [LEAD, "Новость дополняется"]


@pytest.mark.parametrize(
    ("address", "host"),
    [
        ("https://www.ria.ru/20250903/x.html", "ria.ru"),
        ("https://meduza.io/news/1", "meduza.io"),
        ("notes/1.txt", None),
        (None, None),
    ],
)
def test_host_of(address: str | None, host: str | None) -> None:
    assert host_of(address) == host


PROFILE = """version: "1"
hosts: [example.kz]
source_names: [Пример]
items:
- {section: share, pattern: 'пример — всегда первыми', example: "Пример — всегда первыми", not: "Пример"}
"""
SLOGAN = "Пример — всегда первыми"


@pytest.mark.parametrize(
    ("url", "source_name", "cut"),
    [
        ("https://example.kz/news/1", "feed", True),
        ("https://www.news.example.kz/news/1", "feed", True),  # a subdomain of the profile's host
        (None, "Пример", True),  # chosen by source name
        ("https://other.kz/news/1", "feed", False),  # an unknown source: generic rules only
    ],
)
def test_a_new_profile_file_works_without_code_changes(
    tmp_path: Path, url: str | None, source_name: str, cut: bool
) -> None:
    (tmp_path / "example.kz.yaml").write_text(PROFILE, encoding="utf-8")
    profiles = read_profiles(tmp_path)
    article = clean_article(raw(f"{HEADLINE}\n\n{LEAD}\n\n{SLOGAN}", url, source_name), profiles=profiles)
    cuts = [(r.reason, r.text) for r in article.removed]
    assert ((RemovalReason.SHARE, SLOGAN) in cuts) is cut
    assert article.body == (LEAD if cut else f"{LEAD}\n\n{SLOGAN}")


def test_packaged_profiles_are_chosen_by_host_and_unknown_sources_get_the_generic_rules() -> None:
    assert {p.rules.file for p in packaged_profiles()} >= {"meduza.io.yaml", "ria.ru.yaml"}
    assert furniture_for(raw(url="https://ria.ru/a")) is not GENERIC
    assert furniture_for(raw(url="https://example.org/a")) is GENERIC


DATED_PROFILE = """version: "1"
hosts: [example.kz]
items:
- {section: date_labels, pattern: 'вышло в эфир', example: "Вышло в эфир: 5 марта", not: "Вышло 5 марта"}
"""


@pytest.mark.parametrize(
    ("url", "published"),
    [
        ("https://example.kz/news/1", datetime(2025, 3, 5)),  # the profile's label makes it a date line
        ("https://other.kz/news/1", None),  # unknown label: a date inside a line is no header field
    ],
)
def test_a_profile_carries_its_own_date_labels(tmp_path: Path, url: str, published: datetime | None) -> None:
    (tmp_path / "example.kz.yaml").write_text(DATED_PROFILE, encoding="utf-8")
    text = f"{HEADLINE}\n\nВышло в эфир: 5 марта 2025 Экономика\n\n{LEAD}"
    article = clean_article(raw(text, url), profiles=read_profiles(tmp_path))
    assert article.published_at == published
    assert (article.body == LEAD) is (published is not None)


@pytest.mark.parametrize(
    ("text", "credit_cut"),
    [
        # no address, no source name: RIA's dateline names the outlet, so its photo credit goes
        (f"МОСКВА, 5 апреля - РИА Новости. {LEAD}\n\nРИА Новости / Илья Питалев", True),
        (f"{LEAD}\n\nРИА Новости / Илья Питалев", False),  # nothing names RIA: generic rules only
    ],
)
def test_a_profile_is_recognised_by_its_furniture_when_the_source_names_none(
    text: str, credit_cut: bool
) -> None:
    draft = recognise(lines(Draft(raw=raw(text), text=text)))
    assert (draft.furniture is not GENERIC) is credit_cut
    article = clean_article(raw(text))
    cuts = [(r.reason, r.text) for r in article.removed]
    assert ((RemovalReason.PHOTO_CREDIT, "РИА Новости / Илья Питалев") in cuts) is credit_cut


def html_raw(page: str) -> RawArticle:
    return raw(page).model_copy(update={"content_type": ContentType.HTML, "content_sha256": sha256_hex(page)})


@pytest.mark.parametrize(
    ("article", "text", "known_title"),
    [
        (raw(f"{HEADLINE}\n\n{LEAD}"), f"{HEADLINE}\n\n{LEAD}", None),
        (
            html_raw(
                f"<html><head><title>{HEADLINE}</title></head><body><article><p>{LEAD}</p></article></body></html>"
            ),
            LEAD,
            HEADLINE,
        ),
    ],
)
def test_decode_alone(article: RawArticle, text: str, known_title: str | None) -> None:
    draft = decode(Draft(raw=article))
    assert (draft.text.strip(), draft.known_title) == (text, known_title)


@pytest.mark.parametrize(
    ("title_found", "known", "expected"),
    [
        (None, HEADLINE, HEADLINE),
        ("Из текста", HEADLINE, "Из текста"),
        (None, "  ", None),
        (None, None, None),
    ],
)
def test_title_alone(title_found: str | None, known: str | None, expected: str | None) -> None:
    assert title(Draft(raw=raw(), title=title_found, known_title=known)).title == expected


def test_learn_and_record_remember_a_source_s_boilerplate() -> None:
    memory = InMemorySegmentMemory()
    slogan = "Пример: всегда первыми"
    for n in range(4):
        draft = Draft(
            raw=raw(source_name="site"), memory=memory, lines=split_lines(f"Текст номер {n}.\n\n{slogan}")
        )
        learned = learn(draft).learned
        record(draft)
    assert learned.knows(slogan) and not learned.knows("Текст номер 9.")
    assert memory.articles_seen("site") == 4 and memory.articles_seen("other") == 0
