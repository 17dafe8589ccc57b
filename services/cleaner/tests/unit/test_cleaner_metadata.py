"""Title, date and author: each printed form, the header furniture they come from, and nulls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from orewatch_cleaner.core import clean_article
from orewatch_cleaner.metadata import byline_parts, parse_date, with_markup_zone, without_author_label
from orewatch_common.contracts import ContentType, RawArticle

from tests.support.factories import make_raw_article

FETCHED = datetime(2025, 9, 3, 9, 0, tzinfo=UTC)
BODY = (
    "Министерство природных ресурсов выставило на аукцион участок с запасами меди в Челябинской области.\n\n"
    "Стартовая цена лицензии составит 1,2 млрд рублей, сообщили в ведомстве."
)


def raw_text(content: str, **hints: object) -> RawArticle:
    return make_raw_article(
        content, article_id="b" * 32, source_uri="copper.txt", fetched_at=FETCHED, **hints
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.10.2025, 21:40", datetime(2025, 10, 14, 21, 40)),
        ("17 ноября 2025, 11:20", datetime(2025, 11, 17, 11, 20)),
        ("3 ноября 2018 г., 14:05", datetime(2018, 11, 3, 14, 5)),
        ("9 липня 2018 року", datetime(2018, 7, 9)),
        ("2025-08-19", datetime(2025, 8, 19)),
        ("2025-03-31T18:28:00+03:00", datetime.fromisoformat("2025-03-31T18:28:00+03:00")),
        ("вчера, 18:00", datetime(2025, 9, 2, 18, 0)),
        ("сьогодні, 08:15", datetime(2025, 9, 3, 8, 15)),
        ("14:00 08.11.2018", datetime(2018, 11, 8, 14, 0)),
        ("не дата", None),
        ("31.03.1875", None),
    ],
)
def test_date_forms_are_parsed(text: str, expected: datetime | None) -> None:
    assert parse_date(text, FETCHED) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Автор: Олег | 12.04.2025, 09:15", ("Олег", "12.04.2025, 09:15")),
        ("Автор: Ирина Соколова", ("Ирина Соколова", None)),
        ("Текст: Олег Петров, 12 мая 2024", ("Олег Петров", "12 мая 2024")),
        ("Министр подписал приказ", None),
    ],
)
def test_byline_gives_author_and_date(line: str, expected: tuple[str | None, str | None] | None) -> None:
    assert byline_parts(line) == expected


@pytest.mark.parametrize(
    ("header", "title", "published", "author", "reasons"),
    [
        (
            "Главная Экономика Медный участок выставят на аукцион\n\nМедный участок выставят на аукцион\n\n"
            "Автор: Анна Миронова | 02.06.2025, 16:05\n\n",
            "Медный участок выставят на аукцион",
            datetime(2025, 6, 2, 16, 5),
            "Анна Миронова",
            ["breadcrumb", "title", "byline"],
        ),
        (
            "17 ноября 2025, 11:20 Экономика\n\nМедный участок выставят на аукцион\n\n",
            "Медный участок выставят на аукцион",
            datetime(2025, 11, 17, 11, 20),
            None,
            ["date-header", "title"],
        ),
        (
            " date 2025-08-19 Здание Минприроды в Москве. Фото: РИА Новости\n\n",
            None,
            datetime(2025, 8, 19),
            None,
            ["date-header"],
        ),
        (
            "Медный участок выставят на аукцион\nФото: пресс-служба Минприроды\n",
            "Медный участок выставят на аукцион",
            None,
            None,
            ["title", "photo-credit"],
        ),
        (
            "вчера, 21:40\nМедный участок выставят на аукцион\n\n",
            "Медный участок выставят на аукцион",
            datetime(2025, 9, 2, 21, 40),
            None,
            ["date-header", "title"],
        ),
        (
            "Экономика | 12.03.2025\nМедный участок выставят на аукцион\n\n",
            "Медный участок выставят на аукцион",
            datetime(2025, 3, 12),
            None,
            ["date-header", "title"],
        ),
        (
            "Медный участок выставят на аукцион\n\nАнна Миронова, 5 марта 2025, 12:30\n\n",
            "Медный участок выставят на аукцион",
            datetime(2025, 3, 5, 12, 30),
            "Анна Миронова",
            ["title", "date-header"],
        ),
        (
            "Опубликовано: 5 марта 2025, 12:30 | Обновлено: 5 марта 2025, 14:00\n\n",
            None,
            datetime(2025, 3, 5, 12, 30),
            None,
            ["date-header"],
        ),
        (
            # a relative word inside the headline is not a date header
            "Минприроды сегодня выставит медный участок на аукцион\n\n",
            "Минприроды сегодня выставит медный участок на аукцион",
            None,
            None,
            ["title"],
        ),
        (
            "Медный участок выставят на аукцион\n\nАнна Миронова, корреспондент в Челябинске\n\n",
            "Медный участок выставят на аукцион",
            None,
            "Анна Миронова",
            ["title", "byline"],
        ),
        (
            "В мире\nМедный участок выставят на аукцион\n\n",
            "Медный участок выставят на аукцион",
            None,
            None,
            ["rubric", "title"],
        ),
        ("", None, None, None, []),
    ],
)
def test_header_gives_metadata_and_is_removed(
    header: str, title: str | None, published: datetime | None, author: str | None, reasons: list[str]
) -> None:
    clean = clean_article(raw_text(header + BODY))
    assert (clean.title, clean.published_at, clean.author) == (title, published, author)
    assert [r.reason for r in clean.removed] == reasons
    assert clean.body == BODY


def test_related_headline_timestamps_never_become_the_date() -> None:
    content = BODY + "\nЦены на никель упали\n21:40 14 окт 2025.\nЗолото подорожало\n20:05 14 окт 2025."
    clean = clean_article(raw_text(content))
    assert clean.published_at is None
    assert clean.body == BODY


def test_hints_fill_what_the_text_lacks() -> None:
    published = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    clean = clean_article(
        raw_text(BODY, title_hint="Медь на аукционе", published_hint=published, author_hint="Редакция")
    )
    assert (clean.title, clean.published_at, clean.author) == ("Медь на аукционе", published, "Редакция")


def test_title_line_equal_to_hint_is_not_repeated_in_body() -> None:
    clean = clean_article(raw_text("Медь на аукционе\n\n" + BODY, title_hint="Медь на аукционе"))
    assert clean.title == "Медь на аукционе"
    assert clean.body == BODY


@pytest.mark.parametrize(
    "first_line",
    [
        # a first paragraph is prose, not a headline
        "Министерство природных ресурсов провело торги. Победителем стала компания из Екатеринбурга.",
        "Стартовая цена лицензии на участок недр составила 1,2 млрд рублей, сообщили в ведомстве в пятницу.",
    ],
)
def test_first_paragraph_is_not_taken_as_title(first_line: str) -> None:
    clean = clean_article(raw_text(first_line + "\n" + BODY))
    assert clean.title is None
    assert clean.body.startswith(first_line)


@pytest.mark.parametrize(
    ("tail", "author"),
    [
        (
            "Автор: Ольга Смирнова, обозреватель. Мнение автора может не совпадать с позицией редакции.",
            "Ольга Смирнова",
        ),
        ("Анна Миронова", "Анна Миронова"),
        ("Автор: krasnews.com", None),
    ],
)
def test_author_signed_below_the_article_is_kept_as_author(tail: str, author: str | None) -> None:
    clean = clean_article(raw_text(BODY + "\n" + tail))
    assert clean.author == author
    assert clean.body == BODY


@pytest.mark.parametrize(
    ("first_line", "published"),
    [
        # a dateline before the lead gives the date
        ("14:00 08.11.2018 Источник: Минприроды выставило участок на аукцион.", datetime(2018, 11, 8, 14, 0)),
        # a lead sentence that opens with its event's date does not
        ("5 марта 2025 года Минприроды выставило на аукцион участок с запасами меди.", None),
    ],
)
def test_only_datelines_date_the_article(first_line: str, published: datetime | None) -> None:
    clean = clean_article(raw_text(first_line + "\n" + BODY))
    assert clean.published_at == published
    assert clean.body.startswith(first_line)


def test_short_headline_over_the_body_is_kept_as_title() -> None:
    clean = clean_article(raw_text("Медный аукцион\n\n" + BODY))
    assert clean.title == "Медный аукцион"
    assert clean.body == BODY


MSK = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    ("printed", "markup", "expected"),
    [
        # the same wall-clock time: the markup tells it with its offset
        (
            datetime(2026, 11, 20, 14, 35),
            datetime(2026, 11, 20, 14, 35, tzinfo=MSK),
            datetime(2026, 11, 20, 14, 35, tzinfo=MSK),
        ),
        # a printed day only: the markup's time of that day
        (
            datetime(2026, 11, 20),
            datetime(2026, 11, 20, 14, 35, tzinfo=MSK),
            datetime(2026, 11, 20, 14, 35, tzinfo=MSK),
        ),
        # they disagree: the printed one wins (the markup may be an update time)
        (
            datetime(2026, 11, 20, 14, 35),
            datetime(2026, 11, 21, 9, 0, tzinfo=MSK),
            datetime(2026, 11, 20, 14, 35),
        ),
        # markup without a zone adds nothing
        (datetime(2026, 11, 20, 14, 35), datetime(2026, 11, 20, 14, 35), datetime(2026, 11, 20, 14, 35)),
        # only one of them
        (None, datetime(2026, 11, 20, 14, 35, tzinfo=MSK), datetime(2026, 11, 20, 14, 35, tzinfo=MSK)),
        (datetime(2026, 11, 20, 14, 35), None, datetime(2026, 11, 20, 14, 35)),
        (None, None, None),
    ],
    ids=["same-time", "day-only", "disagree", "naive-markup", "markup-only", "printed-only", "neither"],
)
def test_printed_date_takes_the_markup_zone(
    printed: datetime | None, markup: datetime | None, expected: datetime | None
) -> None:
    result = with_markup_zone(printed, markup)
    assert result == expected
    assert (result.tzinfo if result else None) == (expected.tzinfo if expected else None)


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("Автор Пётр Семёнов", "Пётр Семёнов"),
        ("Текст: Ксения Пятницкая", "Ксения Пятницкая"),
        ("Автор материала — Иван Петров", "Иван Петров"),
        ("Подготовила Анна Смирнова", "Анна Смирнова"),
        ("By John Smith", "John Smith"),
        ("Авторов Николай", "Авторов Николай"),  # a surname, not a label
        ("Анастасия Дегтярева; Максим Шабанов", "Анастасия Дегтярева; Максим Шабанов"),
    ],
)
def test_page_author_loses_its_label(author: str, name: str) -> None:
    assert without_author_label(author) == name


def test_page_byline_label_is_not_part_of_the_author() -> None:
    page = (
        "<html><head><title>Ловозерский ГОК возобновил отгрузки</title></head><body>"
        '<div class="byline">Автор: Пётр Семёнов</div><article><p>Ловозерский ГОК возобновил отгрузки'
        " лопаритового концентрата на Соликамский магниевый завод, сообщили в компании.</p>"
        "<p>Отгрузки были приостановлены в январе из-за ремонта.</p></article></body></html>"
    )
    clean = clean_article(raw_text(page).model_copy(update={"content_type": ContentType.HTML}))
    assert clean.author == "Пётр Семёнов"


@pytest.mark.parametrize(
    ("header", "published"),
    [
        ("18 марта 2025 г., 15:47 (МСК)", datetime(2025, 3, 18, 15, 47, tzinfo=ZoneInfo("Europe/Moscow"))),
        ("18.03.2025 15:47 мск", datetime(2025, 3, 18, 15, 47, tzinfo=ZoneInfo("Europe/Moscow"))),
        (
            "18 марта 2025, 15:47 по киевскому времени",
            datetime(2025, 3, 18, 15, 47, tzinfo=ZoneInfo("Europe/Kyiv")),
        ),
        ("18 марта 2025, 15:47", datetime(2025, 3, 18, 15, 47)),  # no zone printed: none guessed
    ],
)
def test_zone_printed_beside_the_time(header: str, published: datetime) -> None:
    clean = clean_article(raw_text(header + "\n\n" + BODY))
    assert clean.published_at == published
    assert clean.published_at.utcoffset() == published.utcoffset()


@pytest.mark.parametrize(
    ("header", "published"),
    [
        ("12:45 22.04.2025 (обновлено: 13:10 22.04.2025)", datetime(2025, 4, 22, 12, 45)),
        ("27.11.2025 · 11:02", datetime(2025, 11, 27, 11, 2)),
        ("15.01.2026 в 15:32, просмотров: 2840", datetime(2026, 1, 15, 15, 32)),
    ],
)
def test_date_header_with_its_update_time_or_counter(header: str, published: datetime) -> None:
    clean = clean_article(raw_text("Никель подешевел на бирже\n" + header + "\n\n" + BODY))
    assert clean.published_at == published
    assert header not in clean.body
