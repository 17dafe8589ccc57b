"""HTML pages: trafilatura's main text, its metadata, then the same tail rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from orewatch_cleaner.core import NoArticleText, clean_article
from orewatch_common.contracts import ContentType, RawArticle, SourceKind

from tests.support.factories import make_raw_article

PAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>Литий подорожал на 20% за неделю — Металлы и рынки</title>
<meta property="og:title" content="Литий подорожал на 20% за неделю">
<meta name="author" content="Ирина Соколова">
<meta property="article:published_time" content="2025-03-31T18:28:00+03:00">
</head><body>
<header><nav><a href="/">Главная</a> / <a href="/markets">Рынки</a></nav></header>
<main><article>
<h1>Литий подорожал на 20% за неделю</h1>
<p>Цены на карбонат лития на бирже в Шанхае выросли на 20% за неделю на фоне сокращения добычи
в Чили. Об этом сообщает агентство Bloomberg со ссылкой на данные торгов.</p>
<p>«Рынок отреагировал на заявления правительства Чили о пересмотре концессий», — заявил аналитик
Benchmark Mineral Intelligence Дэниел Джонс.</p>
<p>Напомним, в феврале власти Чили объявили о национализации части месторождений лития.</p>
<p>Читайте также: Никель обновил минимум за три года</p>
<p>Подписывайтесь на наш Telegram-канал, чтобы первыми узнавать главные новости рынка.</p>
</article></main>
<aside><h3>Похожие новости</h3><ul><li><a href="/1">Медь дорожает третий день подряд</a></li>
<li><a href="/2">Золото обновило исторический рекорд</a></li></ul></aside>
<footer>© 2025 Металлы и рынки. Все права защищены.</footer>
</body></html>"""


def raw_page(html: str, **hints: object) -> RawArticle:
    return make_raw_article(
        html,
        article_id="d" * 32,
        source_kind=SourceKind.FEED,
        source_uri="https://metals.example/lithium",
        source_name="metals.example",
        fetched_at=datetime(2025, 4, 1, 8, 0, tzinfo=UTC),
        content_type=ContentType.HTML,
        url="https://metals.example/lithium",
        **hints,
    )


def test_page_gives_main_text_without_furniture() -> None:
    clean = clean_article(raw_page(PAGE))
    paragraphs = clean.body.split("\n\n")
    assert paragraphs[0].startswith("Цены на карбонат лития")
    background = "Напомним, в феврале власти Чили объявили о национализации части месторождений лития."
    assert paragraphs[-1] == background
    for furniture in ("Главная", "Читайте также", "Telegram", "Похожие новости", "Медь дорожает", "©"):
        assert furniture not in clean.body
    assert {r.reason for r in clean.removed} >= {"read-also", "subscribe-prompt"}


def test_page_metadata_comes_from_markup() -> None:
    clean = clean_article(raw_page(PAGE))
    assert clean.title == "Литий подорожал на 20% за неделю"
    assert clean.published_at == datetime(2025, 3, 31, 18, 28, tzinfo=timezone(timedelta(hours=3)))
    assert clean.author == "Ирина Соколова"
    assert "Литий подорожал" not in clean.body  # the <h1> is the title, not body


def test_printed_date_takes_the_offset_of_the_same_time_in_markup() -> None:
    printed = PAGE.replace("<h1>", '<div class="date">31 марта 2025, 18:28</div><h1>')
    clean = clean_article(raw_page(printed))
    assert clean.published_at == datetime(2025, 3, 31, 18, 28, tzinfo=timezone(timedelta(hours=3)))
    assert "date-header" in {r.reason for r in clean.removed}


def test_feed_hints_fill_what_the_page_lacks() -> None:
    text = "Добыча угля в Кузбассе снизилась на 7% за полгода. " * 5
    bare = f"<html><body><article><p>{text}</p></article></body></html>"
    published = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)
    clean = clean_article(
        raw_page(
            bare, title_hint="Добыча угля снизилась", published_hint=published, author_hint="Олег Петров"
        )
    )
    expected = ("Добыча угля снизилась", published, "Олег Петров")
    assert (clean.title, clean.published_at, clean.author) == expected
    assert clean.body.startswith("Добыча угля в Кузбассе")


def test_page_without_text_is_refused() -> None:
    with pytest.raises(NoArticleText):
        clean_article(raw_page("<html><body><nav><a href='/'>Главная</a></nav></body></html>"))


def test_feed_summary_fragment_is_read() -> None:
    fragment = (
        "<p>Норникель увеличил выпуск палладия на 6% по итогам квартала, сообщила компания.</p>"
        '<p>Рост связан с запуском новой обогатительной фабрики. <a href="/more">Читать далее</a></p>'
    )
    clean = clean_article(raw_page(fragment, title_hint="Норникель нарастил выпуск палладия"))
    assert clean.title == "Норникель нарастил выпуск палладия"
    assert clean.body.startswith("Норникель увеличил выпуск палладия")
    assert clean.body.endswith("Рост связан с запуском новой обогатительной фабрики.")
    assert [r.reason for r in clean.removed] == ["read-also"]


def test_closing_background_is_compared_with_a_headline_that_stands_apart_from_the_text() -> None:
    background = "Ранее Александр Новак посетил новые производства лития в Мурманске."
    page = (
        "<html><head><title>Росатом начнет добычу лития</title></head><body><article>"
        "<p>Совместное предприятие начнет промышленную добычу руды на Колмозерском месторождении"
        " в 2027 году, сообщили в компании.</p>"
        f"<p>Мощность комбината составит до 45 тыс. тонн карбоната в год. {background}</p>"
        "</article></body></html>"
    )
    clean = clean_article(raw_page(page))
    assert clean.title == "Росатом начнет добычу лития"
    assert clean.body.endswith(background)


@pytest.mark.parametrize(
    ("meta", "published"),
    [
        ('<meta property="article:published_time" content="20250212T1405">', datetime(2025, 2, 12, 14, 5)),
        ('<meta content="20250212T140530" itemprop="datePublished">', datetime(2025, 2, 12, 14, 5, 30)),
        (
            '<meta property="article:published_time" content="2025-02-12T14:05:00+03:00">',
            datetime(2025, 2, 12, 14, 5, tzinfo=timezone(timedelta(hours=3))),
        ),
    ],
    ids=["basic-format", "basic-format-with-seconds", "extended-format"],
)
def test_publication_time_of_a_meta_tag(meta: str, published: datetime) -> None:
    page = (
        f"<html><head>{meta}<title>Эксперт оценил перспективы добычи в Якутии</title></head><body><article>"
        "<p>Запасы редкоземельных металлов Томторского месторождения оцениваются в миллионы тонн,"
        " рассказал эксперт.</p><p>Разработка начнется после 2030 года.</p></article></body></html>"
    )
    assert clean_article(raw_page(page)).published_at == published


HEADLINE = "<h1>В России нашли месторождение графита</h1>"
ARTICLE_TEXT = (
    "<p>Геологи обнаружили крупное месторождение графита в Амурской области, сообщили в Роснедрах.</p>"
    "<p>Запасы оцениваются в 20 млн тонн, разработка начнется после 2028 года.</p>"
)


@pytest.mark.parametrize(
    ("header", "published"),
    [
        # printed above the headline, in a link (Lenta.ru)
        (
            '<div class="time"><a>10:32, 5 марта 2025</a></div><h1>В России нашли месторождение графита</h1>',
            datetime(2025, 3, 5, 10, 32),
        ),
        # below it, beside a view counter
        (
            f"{HEADLINE}<div>12 февраля 2025, 14:27 <span>1 254</span></div>",
            datetime(2025, 2, 12, 14, 27),
        ),
        # after the rubric, relative to the fetch (2025-04-01)
        (
            f"<div><a>Экономика</a> · <span>вчера, 21:40</span></div>{HEADLINE}",
            datetime(2025, 3, 31, 21, 40),
        ),
        # in the byline
        (
            "<h1>В России нашли месторождение графита</h1><div>Автор: Пётр Семёнов | 31.03.2025, 18:28</div>",
            datetime(2025, 3, 31, 18, 28),
        ),
        # with its zone
        (
            "<h1>В России нашли месторождение графита</h1><div>18 марта 2025, 15:47 (МСК)</div>",
            datetime(2025, 3, 18, 15, 47, tzinfo=ZoneInfo("Europe/Moscow")),
        ),
        # a teaser's time far from the headline is not the article's
        (
            "<h1>В России нашли месторождение графита</h1><div>Экономика</div>",
            None,
        ),
    ],
    ids=["above", "below-with-counter", "relative", "byline", "zone", "none-near"],
)
def test_date_printed_beside_the_headline(header: str, published: datetime | None) -> None:
    teasers = "<ul><li><a>Никель подешевел</a><time>19:15 02 сен 2024</time></li></ul>"
    page = f"<html><body><div class='head'>{header}</div><article>{ARTICLE_TEXT}</article>{teasers}"
    assert clean_article(raw_page(page)).published_at == published


def test_markup_date_outranks_a_dateline_without_its_year() -> None:
    page = (
        '<html><head><meta property="article:published_time" content="2024-03-14T11:42:00+03:00">'
        "</head><body><article><p>МУРМАНСК, 14 марта. /ТАСС/. Совместное предприятие начнет добычу лития"
        " на Колмозерском месторождении в 2027 году.</p><p>Об этом сообщил журналистам директор.</p>"
        "</article></body></html>"
    )
    published = clean_article(raw_page(page)).published_at
    assert published == datetime(2024, 3, 14, 11, 42, tzinfo=timezone(timedelta(hours=3)))
