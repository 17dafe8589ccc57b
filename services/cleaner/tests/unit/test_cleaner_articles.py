"""Whole articles in the layouts of different sites: header, body and tail together.

The articles are in `articles/`, written for these tests in the style of Russian and
Ukrainian news sites.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from orewatch_cleaner.core import NoArticleText, clean_article
from orewatch_common.contracts import ContentType, RawArticle

from tests.support.factories import make_raw_article

ARTICLES = Path(__file__).parent / "articles"


def raw_text(name: str) -> RawArticle:
    return raw_from((ARTICLES / name).read_text(encoding="utf-8"), name=name)


def raw_from(
    content: str, content_type: ContentType = ContentType.TEXT, name: str = "note.txt"
) -> RawArticle:
    return make_raw_article(
        content,
        article_id="e" * 32,
        source_uri=name,
        source_name="articles",
        fetched_at=datetime(2025, 6, 10, tzinfo=UTC),
        content_type=content_type,
    )


@pytest.mark.parametrize(
    ("name", "title", "published", "author", "first", "last", "reasons"),
    [
        (
            "sectioned.txt",
            "«Русал» снизил выпуск алюминия на 6%",
            datetime(2025, 4, 3, 12, 45),
            "Мария Лебедева",
            "Компания «Русал» по итогам первого квартала",
            "Ранее «Русал» объявил о сокращении производства на 250 тыс. тонн в год.",
            {"breadcrumb", "title", "date-header", "byline", "share", "read-also", "related-headlines"},
        ),
        (
            "glued_tail.txt",
            "Лукашенко предложил Китаю совместно разрабатывать месторождения калия",
            None,
            None,
            "Президент Белоруссии Александр Лукашенко",
            "Ранее сообщалось, что «Беларуськалий» увеличил экспорт в КНР на 30%.",
            {"title", "subscribe-prompt", "copyright"},
        ),
        (
            "news_wire.txt",
            "Пожар на руднике в Норильске: эвакуированы 200 горняков",
            datetime(2025, 2, 22, 8, 15),
            None,
            "На руднике «Таймырский» в Норильске",
            "На месте работают горноспасатели.",
            {
                "breadcrumb",
                "title",
                "date-header",
                "photo-credit",
                "related-headlines",
                "update-notice",
                "error-report",
                "share",
            },
        ),
        (
            "ukrainian.txt",
            "Уряд затвердив програму розвідки літію на Кіровоградщині",
            datetime(2025, 6, 5, 14, 20),
            None,
            "Кабінет міністрів затвердив програму",
            "Нагадаємо, у 2024 році уряд вже виставляв на аукціон Добрянське родовище літію.",
            {"date-header", "title", "subscribe-prompt"},
        ),
        (
            "article_list.txt",
            "Минфин США ввел санкции против поставщиков никеля",
            None,
            None,
            "Министерство финансов США расширило санкционный список",
            "Эксперты ожидают роста цен на никель на 5-7% в ближайшие недели.",
            {"title"},
        ),
    ],
    ids=["sectioned", "glued-tail", "news-wire", "ukrainian", "article-list"],
)
def test_article_layouts(
    name: str,
    title: str,
    published: datetime | None,
    author: str | None,
    first: str,
    last: str,
    reasons: set[str],
) -> None:
    clean = clean_article(raw_text(name))
    assert (clean.title, clean.published_at, clean.author) == (title, published, author)
    assert clean.body.startswith(first)
    assert clean.body.endswith(last)
    assert {r.reason for r in clean.removed} == reasons
    for removal in clean.removed:
        assert removal.text not in clean.body


def test_background_of_the_same_story_stays_before_a_glued_tail() -> None:
    clean = clean_article(raw_text("glued_tail.txt"))
    assert "Напомним, в марте Белоруссия и Китай подписали соглашение" in clean.body


def test_the_article_own_list_stays() -> None:
    clean = clean_article(raw_text("article_list.txt"))
    assert "- Nickel Trade FZE" in clean.body


@pytest.mark.parametrize(
    ("raw", "title", "body"),
    [
        (
            raw_from("Глава Росатома Алексей Лихачев сообщил о поставках урана.\n"),
            "Глава Росатома Алексей Лихачев сообщил о поставках урана.",
            "Глава Росатома Алексей Лихачев сообщил о поставках урана.",
        ),
        (
            raw_from("Норникель нарастил добычу никеля\n\n\n"),
            "Норникель нарастил добычу никеля",
            "Норникель нарастил добычу никеля",
        ),
        (
            raw_from(
                "<html><body><p>Министр Сергей Цивилев заявил о росте добычи угля.</p></body></html>",
                ContentType.HTML,
            ),
            "Министр Сергей Цивилев заявил о росте добычи угля.",
            "Министр Сергей Цивилев заявил о росте добычи угля.",
        ),
        (
            raw_from("Норникель нарастил добычу никеля\n\nКомпания отчиталась за квартал.\n"),
            "Норникель нарастил добычу никеля",
            "Компания отчиталась за квартал.",
        ),
    ],
    ids=["one-sentence-file", "headline-only-file", "one-paragraph-page", "headline-and-body"],
)
def test_a_text_that_is_only_its_headline_keeps_it_as_body(raw: RawArticle, title: str, body: str) -> None:
    clean = clean_article(raw)
    assert (clean.title, clean.body) == (title, body)
    assert all(removal.text not in clean.body for removal in clean.removed)


def test_a_page_whose_only_paragraph_is_its_title_keeps_it() -> None:
    page = (
        "<html><head><title>Лихачев сообщил о поставках урана — Атомные новости</title></head>"
        "<body><article><h1>Лихачев сообщил о поставках урана</h1></article></body></html>"
    )
    clean = clean_article(raw_from(page, ContentType.HTML))
    assert clean.body == "Лихачев сообщил о поставках урана"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            raw_from("<html><body><nav>Главная | Экономика</nav></body></html>", ContentType.HTML),
            "no article text left after cleaning; removed 1 segment(s) as: breadcrumb",
        ),
        (
            raw_from("<html><body><img src='a.jpg'></body></html>", ContentType.HTML),
            "no article text in the document",
        ),
        (
            raw_from("Фото: Reuters\nПодписывайтесь на наш Telegram-канал\n"),
            "no article text left after cleaning; removed 2 segment(s) as: photo-credit, subscribe-prompt",
        ),
    ],
    ids=["navigation-only-page", "image-only-page", "furniture-only-text"],
)
def test_a_document_without_article_text_is_refused_with_its_reason(raw: RawArticle, reason: str) -> None:
    with pytest.raises(NoArticleText) as refused:
        clean_article(raw)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("content", "title", "first"),
    [
        # a short headline over its lead (a sentence) is the headline, not a rubric
        (
            "Алмазы подешевели\n\nЦены на алмазы упали на 10%, сообщили в АЛРОСА.\n\nСпрос восстановится.\n",
            "Алмазы подешевели",
            "Цены на алмазы упали на 10%, сообщили в АЛРОСА.",
        ),
        # a rubric over a headline stays a rubric
        (
            "В мире\n\nКитай ограничил экспорт галлия\n\nПекин ввел лицензии на экспорт.\n",
            "Китай ограничил экспорт галлия",
            "Пекин ввел лицензии на экспорт.",
        ),
    ],
    ids=["short-headline-over-lead", "rubric-over-headline"],
)
def test_short_first_line_is_a_rubric_only_over_a_headline(content: str, title: str, first: str) -> None:
    clean = clean_article(raw_from(content))
    assert clean.title == title
    assert clean.body.split("\n\n")[0] == first


LEAD_AND_BODY = (
    "Правительство создаст госзапас критических металлов, сообщили в Минпромторге.\n\n"
    "В первую очередь в него войдут никель и кобальт."
)


@pytest.mark.parametrize(
    ("header", "title", "published", "reasons"),
    [
        # a site name and its menu copied above the rubric, date and headline
        (
            "Интерфакс\nНовости  Россия  Мир  Экономика  Спорт  Культура\n\n"
            "Экономика\n25 февраля 2025, 07:00\n\nНикель уходит в резерв\n\n",
            "Никель уходит в резерв",
            datetime(2025, 2, 25, 7, 0),
            ["rubric", "navigation", "rubric", "date-header", "title"],
        ),
        # a site's name and a section of several words above the headline
        (
            "Мурманский вестник\nЭкономика\nНикель уходит в резерв\n17 марта 2025\n\n",
            "Никель уходит в резерв",
            datetime(2025, 3, 17),
            ["rubric", "rubric", "title", "date-header"],
        ),
        (
            "Бизнес\nГорно-металлургический комплекс\nКазахстан и ЕС договорились о разработке металлов\n\n",
            "Казахстан и ЕС договорились о разработке металлов",
            None,
            ["rubric", "rubric", "title"],
        ),
        # the print issue the text appeared in
        (
            "Газета «Коммерсантъ» №58 от 02.04.2025, стр. 1\n\nНикель уходит в резерв\n\n",
            "Никель уходит в резерв",
            datetime(2025, 4, 2),
            ["print-edition", "title"],
        ),
    ],
    ids=["site-menu", "site-name-and-section", "two-sections", "print-edition"],
)
def test_header_furniture_of_copied_pages(
    header: str, title: str, published: datetime | None, reasons: list[str]
) -> None:
    clean = clean_article(raw_from(header + LEAD_AND_BODY))
    assert (clean.title, clean.published_at) == (title, published)
    assert [r.reason for r in clean.removed] == reasons
    assert clean.body == LEAD_AND_BODY


@pytest.mark.parametrize(
    ("signature", "author"),
    [
        ("Ольга Мордюшенко", "Ольга Мордюшенко"),
        ("Дмитрий Козлов, Ольга Мордюшенко", "Дмитрий Козлов; Ольга Мордюшенко"),
        ("Дмитрий Козлов и Ольга Мордюшенко", "Дмитрий Козлов; Ольга Мордюшенко"),
    ],
)
def test_closing_signature_names_the_authors(signature: str, author: str) -> None:
    clean = clean_article(raw_from("Никель уходит в резерв\n\n" + LEAD_AND_BODY + "\n\n" + signature + "\n"))
    assert clean.author == author
    assert clean.body == LEAD_AND_BODY


def test_press_release_boilerplate_ends_the_text() -> None:
    content = (
        "Норникель нарастил выпуск\n\n"
        "ПАО «ГМК «Норильский никель» сообщает о росте производства никеля на 5%.\n\n"
        "О компании\n\nПАО «ГМК «Норильский никель» — крупнейший в мире производитель палладия.\n\n"
        "Контакты для СМИ: +7 (495) 787-76-67, pr@nornik.ru\n"
    )
    clean = clean_article(raw_from(content))
    assert clean.body == "ПАО «ГМК «Норильский никель» сообщает о росте производства никеля на 5%."
    assert [r.reason for r in clean.removed] == ["title", "press-release", "press-release", "press-release"]


@pytest.mark.parametrize(
    ("lead", "published"),
    [
        ("МОСКВА, 5 апреля - РИА Новости. Добыча нефти в марте выросла на 2%.", datetime(2025, 4, 5)),
        ("Москва, 28 октября 2024 г. — Компания сообщает о росте добычи нефти.", datetime(2024, 10, 28)),
        ("МИНСК, 3 марта (БелТА) – Добыча нефти в Беларуси выросла.", datetime(2025, 3, 3)),
        # a date inside the first sentence is the event's, not the article's
        ("В понедельник, 5 апреля, министр заявил о росте добычи нефти.", None),
    ],
)
def test_agency_dateline_dates_the_article(lead: str, published: datetime | None) -> None:
    clean = clean_article(raw_from("Добыча нефти выросла\n\n" + lead + "\n"))  # fetched 2025-06-10
    assert clean.published_at == published
    assert clean.body == lead


URALS_LEAD = "Средняя цена нефти Urals опустилась ниже $50 за баррель впервые с 2023 года, сообщил Argus."


def test_header_goes_on_past_a_subtitle_to_the_byline_and_date() -> None:
    content = (
        "Экономика\nФото: Андрей Любимов / РБК\nЦена Urals опустилась ниже $50 за баррель\n"
        "Это снизит нефтегазовые доходы бюджета в январе\nАнастасия Иванова\n21 янв 2026, 10:15\n\n"
        f"{URALS_LEAD}\n"
    )
    clean = clean_article(raw_from(content))
    assert (clean.title, clean.published_at, clean.author) == (
        "Цена Urals опустилась ниже $50 за баррель",
        datetime(2026, 1, 21, 10, 15),
        "Анастасия Иванова",
    )
    assert clean.body.split("\n\n") == [
        "Это снизит нефтегазовые доходы бюджета в январе",
        URALS_LEAD,
    ]


@pytest.mark.parametrize(
    ("header", "title", "published", "author"),
    [
        # a site's name of three words, sections, a headline ending in "?", the byline and date
        (
            "Аргументы и Факты\nЭкономика\nДеньги\nЗолото по $3200. Стоит ли сейчас покупать слитки?\n"
            "Лариса Токарева\n09:15 12.04.2025 (обновлено: 11:42 12.04.2025)\n3518\n\n",
            "Золото по $3200. Стоит ли сейчас покупать слитки?",
            datetime(2025, 4, 12, 9, 15),
            "Лариса Токарева",
        ),
        # a site's name of four words; "Автор, …" and "Должность, …" lines
        (
            "BBC News Русская служба\nГлавная\nУкраина\nМир\nСША и Украина подписали соглашение о недрах\n"
            "Автор, Ольга Ившина\nДолжность, Би-би-си\n1 мая 2025\n\n",
            "США и Украина подписали соглашение о недрах",
            datetime(2025, 5, 1),
            "Ольга Ившина",
        ),
        # a standfirst of two sentences above the byline
        (
            "DW\nЭкономика\nРедкоземельный шок: как экспортный контроль Китая бьет по промышленности\n"
            "Пекин снова ужесточил экспорт редкоземельных металлов. Автопроизводители опасаются остановки.\n"
            "Андрей Гурков\n15.10.2025\n\n",
            "Редкоземельный шок: как экспортный контроль Китая бьет по промышленности",
            datetime(2025, 10, 15),
            "Андрей Гурков",
        ),
        # a signature with its desk; a surname in capitals; a time before the date
        (
            "Эксперт\nАлюминий в тисках пошлин\nИван Рубанов, Редакция Эксперт\n24 марта 2025, 07:00\n\n",
            "Алюминий в тисках пошлин",
            datetime(2025, 3, 24, 7, 0),
            "Иван Рубанов",
        ),
        (
            "ЭКОНОМИКА\nУголь уходит в минус: в Кузбассе закрываются шахты\nАнастасия ВИНОГРАДОВА\n"
            "15:22 / 21 апреля 2025\n\n",
            "Уголь уходит в минус: в Кузбассе закрываются шахты",
            datetime(2025, 4, 21, 15, 22),
            "Анастасия ВИНОГРАДОВА",
        ),
    ],
    ids=["aif", "bbc", "dw-standfirst", "expert-signature", "caps-surname"],
)
def test_headers_of_copied_pages(header: str, title: str, published: datetime, author: str) -> None:
    clean = clean_article(raw_from(header + LEAD_AND_BODY))
    assert (clean.title, clean.published_at, clean.author) == (title, published, author)
    assert clean.body.endswith(LEAD_AND_BODY.split("\n\n")[-1])
    assert "Лариса" not in clean.body and "Должность" not in clean.body and "Гурков" not in clean.body
