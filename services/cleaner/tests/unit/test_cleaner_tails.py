"""Tail rules: each kind of furniture is removed, with its reason; look-alike body text stays."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_cleaner.core import clean_article
from orewatch_cleaner.sentences import split_sentences
from orewatch_cleaner.tails import furniture_reason, glued_tail
from orewatch_common.contracts import RawArticle, SourceKind

from tests.support.factories import make_raw_article

LEAD = (
    "Правительство Казахстана одобрило программу геологоразведки редких металлов до 2030 года.\n"
    "По словам министра промышленности, на разведку месторождений вольфрама и лития направят "
    "120 млрд тенге из бюджета и средств частных инвесторов.\n"
    "Первые лицензии получат компании, которые уже работают в Восточно-Казахстанской области."
)


def raw_text(content: str, source_name: str = "example.kz") -> RawArticle:
    return make_raw_article(
        content,
        article_id="a" * 32,
        source_kind=SourceKind.FEED,
        source_uri="https://example.kz/news/1",
        source_name=source_name,
        fetched_at=datetime(2025, 9, 3, 9, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Читайте также: Нефть Brent подешевела до минимума с мая", "read-also"),
        ("Смотрите также:", "read-also"),
        ("Подробнее читайте в материале «Коммерсанта»", "read-also"),
        ("Похожие новости", "related-headlines"),
        ("Лента новостей", "related-headlines"),
        ("Вам может понравиться", "related-headlines"),
        ("21:40 14 окт 2025.", "related-headlines"),
        ("Подписывайтесь на наш канал в Telegram и читайте новости первыми", "subscribe-prompt"),
        ("Підписуйтесь на наш Telegram-канал, щоб першими дізнаватися новини", "subscribe-prompt"),
        ("Читайте нас в Дзен и ВКонтакте", "subscribe-prompt"),
        ("Следите за новостями Tengrinews.kz в Telegram", "subscribe-prompt"),
        ("Главные новости дня — в нашем канале в MAX", "subscribe-prompt"),
        ("Подпишитесь на рассылку «Главное за неделю»", "subscribe-prompt"),
        ("Если вы заметили ошибку, выделите ее мышкой и нажмите Ctrl+Enter.", "error-report"),
        ("Источник: Интерфакс", "source-credit"),
        ("По материалам РИА Новости", "source-credit"),
        ("Новость дополняется", "update-notice"),
        ("© 2025 ИА «Пример». Все права защищены.", "copyright"),
        ("При использовании материалов ссылка на сайт обязательна.", "copyright"),
        ("Перепечатка материалов без разрешения редакции запрещена.", "copyright"),
        ("Свидетельство о регистрации СМИ Эл № ФС77-00000", "copyright"),
        ("Поделиться:", "share"),
        ("Добавить в избранное", "share"),
        ("Перейти в медиабанк", "share"),
        ("Читать ria.ru в", "share"),
        ("Мнение редакции может не совпадать с точкой зрения автора", "copyright"),
        ("Что думаешь? Короткий опрос", "share"),
        ("Самые важные новости бизнеса — в одном письме", "share"),
        ("Фото из архива", "photo-credit"),
        ("Тырныаузское месторождение в Кабардино-Балкарии / Пресс-служба «Атомредметзолота»", "photo-credit"),
        ("БЕЛТА в Telegram — все главные новости", "subscribe-prompt"),
        ("Редакция Forbes", "share"),
        ("Код для вставки", "share"),
        ("Обсудить на форуме", "share"),
        ("Поддержите «Медузу»", "share"),
        ("Система Orphus", "error-report"),
        ("Автор фото, Getty Images", "photo-credit"),
        ("Рудник «Кумтор» в Иссык-Кульской области, архивное фото", "photo-credit"),
        ("Темы", "related-headlines"),
        ("Еще новости", "related-headlines"),
        ("Shutterstock", "photo-credit"),
        ("Фото Сергея Бобылева / ТАСС", "photo-credit"),
        ("Теги", "related-headlines"),
        ("Вас также могут заинтересовать новости:", "related-headlines"),
        ("Самые читаемые", "related-headlines"),
        ("Фото: пресс-служба Минпромторга", "photo-credit"),
        ("Глава ведомства на совещании в Астане. Фото: Reuters", "photo-credit"),
        ("Автор: Ирина Соколова", "byline"),
        ("Автор фото: Сергей Иванов", "photo-credit"),
        ("Всё самое важное — в нашем Telegram-канале", "subscribe-prompt"),
        ("Новини від редакції у Telegram", "subscribe-prompt"),
        ("Есть новость? Пишите в наш бот", "subscribe-prompt"),
        ("Читать далее", "read-also"),
        ("Теги: медь, Урал, экспорт", "share"),
        ("Время чтения: 3 мин", "share"),
        ("2 сентября, 19:15", "related-headlines"),
        ("Список организаций, деятельность которых запрещена в РФ: minjust.gov.ru", "copyright"),
        ("Telegram | ВКонтакте | Дзен", "share"),
        ("Ещё больше новостей в нашем Дзене", "subscribe-prompt"),
        ("Фото на превью: Reuters", "photo-credit"),
        ("Главное за день", "related-headlines"),
        ("Вас может заинтересовать", "related-headlines"),
        ("Пишите ваше мнение в комментариях", "share"),
        ("Хотите сообщить новость? Пишите в наш бот", "subscribe-prompt"),
        ("Сообщение Медь подорожала появились сначала на Металлы и рынки.", "source-credit"),
    ],
)
def test_furniture_line_is_recognised(line: str, reason: str) -> None:
    assert furniture_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "Напомним, в июле министерство уже выдало три лицензии на разведку лития.",
        "Ранее глава ведомства заявлял, что бюджет программы может вырасти.",
        "Как сообщает Telegram-канал ведомства, совещание прошло в закрытом режиме.",
        "Министр подписал приказ о создании рабочей группы.",
        "Источники в правительстве рассказали, что решение примут до конца года.",
        "Фонд вложит в проект 40 млн долларов, следует из отчета компании.",
        "Есть информация, что министр может уйти в отставку уже в сентябре.",
        "Суд рассмотрел иск о нарушении copyright на фотографии карьера.",
        "9 июля премьер-министр провел совещание с главами горнодобывающих компаний.",
        "Подготовили 150 специалистов для работы на новом руднике.",
        "По материалам следствия, директор рудника скрывал аварию.",
        "Видео Reuters показывает, как горит склад с кобальтом.",
        "Первый рейс отправится в 19:15",
        "При использовании материалов с высоким содержанием серы качество стали падает.",
        "Список организаций, получивших лицензии на разведку, опубликует Роснедра.",
        "Свидетельство о регистрации компании отозвали в марте.",
        "Подписаться под обращением согласились 40 депутатов.",
        "Поделиться опытом на форум приехали геологи из Норильска.",
    ],
)
def test_body_sentence_is_not_furniture(line: str) -> None:
    assert furniture_reason(line) is None


@pytest.mark.parametrize(
    ("tail", "reasons"),
    [
        (
            "Читайте также:\nГлавные новости\n- Курс тенге укрепился к доллару\n"
            "- В Алматы открыли новую линию метро\n"
            "- Синоптики обещают снег на севере страны\n- Экспорт зерна вырос на 12%",
            {"read-also", "related-headlines"},
        ),
        (
            "Фото: пресс-служба.\nЧитайте также: Цены на медь обновили рекорд\nИван Петров\n"
            "Экспорт угля сократился\n21:40 14 окт 2025.\nВ Астане прошел форум\n20:05 14 окт 2025.",
            {"photo-credit", "read-also", "author-signature", "related-headlines"},
        ),
        (
            "Похожие новости\nВ Чили национализируют часть месторождений лития. Об этом сообщил министр.\n"
            "Никель подешевел на Лондонской бирже металлов до минимума за три года.",
            {"related-headlines"},
        ),
        (
            "Подписывайтесь на наш Telegram-канал\nИсточник: Интерфакс-Казахстан",
            {"subscribe-prompt", "source-credit"},
        ),
        ("Вам может понравиться", {"related-headlines"}),
        # a page's tags, on one line or one per line
        (
            "Экономика, Россия, Норильский никель, Владимир Потанин, Китай\nДобавить в избранное",
            {"tags", "share"},
        ),
        ("Теги\nРоссия\nМурманская область\nЛитий", {"related-headlines"}),
        (
            "Вас также могут заинтересовать новости:\nУкрнафта увеличила добычу нефти на 10%\n"
            "НБУ обновил официальный курс гривны на 25 июля",
            {"related-headlines"},
        ),
        ("Новость дополняется.", {"update-notice"}),
        ("Ирина Соколова", {"author-signature"}),
        ("сегодня, 12:48. Правительство утвердило новый налоговый кодекс.", {"related-headlines"}),
        # other headlines with their times at the end of the line
        (
            "Курс тенге укрепился к доллару — 19:40\nВ Алматы открыли новую линию метро — 18:05",
            {"related-headlines"},
        ),
        # a bare list of other headlines, no marker, no time stamps
        (
            "Курс тенге укрепился к доллару\nВ Алматы открыли новую линию метро\n"
            "Синоптики обещают снег на севере страны",
            {"related-headlines"},
        ),
    ],
)
def test_tail_block_on_own_lines_is_removed(tail: str, reasons: set[str]) -> None:
    clean = clean_article(raw_text(LEAD + "\n" + tail))
    assert clean.body == LEAD.replace("\n", "\n\n")
    assert {r.reason for r in clean.removed} == reasons


@pytest.mark.parametrize(
    ("paragraph", "kept", "reasons"),
    [
        (
            "Первые лицензии получат компании из региона. Читайте также: Добыча меди выросла на 5% "
            "Если Вы заметите ошибку в тексте, выделите её и нажмите",
            "Первые лицензии получат компании из региона.",
            ["read-also", "error-report"],
        ),
        (
            "Первые лицензии получат компании из региона. Новости от Примера в Telegram. "
            "Подписывайтесь на наш канал https://t.me/example. Источник: example.kz",
            "Первые лицензии получат компании из региона.",
            ["subscribe-prompt", "subscribe-prompt", "source-credit"],
        ),
        (
            "Первые лицензии получат компании из региона. Больше важных новостей в Telegram-канале «",
            "Первые лицензии получат компании из региона.",
            ["subscribe-prompt"],
        ),
        (
            "Первые лицензии получат компании из региона. Подробнее о программе читайте в “Ъ”.",
            "Первые лицензии получат компании из региона.",
            ["read-also"],
        ),
        (
            "Первые лицензии получат компании из региона. Анна Миронова",
            "Первые лицензии получат компании из региона.",
            ["author-signature"],
        ),
        (
            "Первые лицензии получат компании из региона. РИА Новости.",
            "Первые лицензии получат компании из региона.",
            ["source-credit"],
        ),
        # glued with no space, as a page copied without its markup
        (
            "Первые лицензии получат компании из региона.Подписывайтесь на Telegram-канал Пример.ua, чтобы"
            " быть в курсе",
            "Первые лицензии получат компании из региона.",
            ["subscribe-prompt"],
        ),
        (
            "Первые лицензии получат компании из региона.Читайте также: Цены на бензин могут вырасти",
            "Первые лицензии получат компании из региона.",
            ["read-also"],
        ),
        (
            "Первые лицензии получат компании из региона. Most read this week",
            "Первые лицензии получат компании из региона.",
            ["site-boilerplate"],
        ),
    ],
)
def test_tail_glued_to_last_paragraph_is_cut(paragraph: str, kept: str, reasons: list[str]) -> None:
    cuts = glued_tail(paragraph)
    assert [cut.reason for cut in cuts] == reasons
    assert paragraph[: cuts[0].start].strip() == kept


def test_read_also_inside_a_paragraph_does_not_swallow_body() -> None:
    paragraph = (
        "Профсоюз пригрозил новой забастовкой. Читайте также: Пилоты в Италии подписали коллективный "
        "договор Представители компании в свою очередь отметили, что забастовка незначительно скажется "
        "на пассажирах, и большинство рейсов будет выполнено вовремя."
    )
    assert glued_tail(paragraph) == []


@pytest.mark.parametrize(
    ("closing", "kept"),
    [
        # background on the same story (same people and places) is body
        ("Напомним, в июле правительство Казахстана уже выдало три лицензии на разведку лития.", True),
        ("Ранее министр промышленности заявлял, что программа может вырасти вдвое.", True),
        # a named official reported as saying something: background even without a shared word
        (
            "Ранее глава Минпромторга Антон Алиханов заявлял, что Россия рассчитывает к 2030 году "
            "обеспечить себя металлами платиновой группы.",
            True,
        ),
        (
            "Напомним, в прошлом году вице-премьер Александр Новак поручил РЖД сохранить приоритетный"
            " вывоз угля на восток.",
            True,
        ),
        # the same word in another form ("лития"/"литием") is shared
        ("Ранее депутат Ирина Волкова выступила против сделок с литием.", True),
        # a link to another story names other people and places and nothing of the headline
        (
            "Напомним, накануне канцлер Германии Олаф Шольц провел переговоры "
            "с Эмманюэлем Макроном в Париже.",
            False,
        ),
        # a fragment left where the link text was dropped
        ("Ранее сообщалось, что", False),
        ("Ранее сообщалось, что Эмманюэль Макрон провел переговоры с Олафом Шольцем в Берлине.", False),
        ("Как сообщал Пример.kz,", False),
        ("Как сообщал Пример.kz, который в июле подал в отставку.", False),
        ("Напомним, министр заявил о планах. В регионе не хотят упрощать выдачу лицензий для", False),
        # the outlet of "Как сообщало агентство X" does not make a passage on-topic
        ("Как сообщало ИА Пример, власти Китая открыли биржу редкоземельных металлов в Шанхае.", False),
    ],
)
def test_background_sentence_stays_unless_it_points_elsewhere(closing: str, kept: bool) -> None:
    content = "Казахстан одобрил программу разведки лития\n\n" + LEAD + " " + closing
    clean = clean_article(raw_text(content))
    assert (closing in clean.body) is kept
    assert ("related-story" in {r.reason for r in clean.removed}) is not kept


def test_body_sentence_about_telegram_is_kept() -> None:
    closing = "Telegram в прошлом году заблокировал каналы, которые рекламировали незаконную добычу золота."
    clean = clean_article(raw_text(LEAD + "\n" + closing))
    assert clean.body.endswith(closing)
    assert clean.removed == []


def test_furniture_line_inside_the_article_is_removed() -> None:
    lines = LEAD.split("\n")
    read_also, caption = "Читайте также: Цены на уран выросли вдвое", "Фото: Reuters"
    content = "\n".join([lines[0], read_also, lines[1], caption, lines[2]])
    clean = clean_article(raw_text(content))
    assert clean.body == LEAD.replace("\n", "\n\n")
    assert [r.reason for r in clean.removed] == ["read-also", "photo-credit"]


def test_short_closing_lines_without_a_marker_stay_when_fewer_than_three() -> None:
    content = LEAD + "\nКомпании уже подали заявки\nИтоги подведут в декабре"
    clean = clean_article(raw_text(content))
    assert clean.body.endswith("Итоги подведут в декабре")
    assert clean.removed == []


@pytest.mark.parametrize(
    "ending",
    [
        # the article's own list, introduced by a colon or written in lower case
        "В программу вошли три направления:\n- Разведка редких металлов\n"
        "- Строительство обогатительной фабрики\n- Подготовка горных инженеров",
        "Программа включает\n- разведку редких металлов\n- строительство обогатительной фабрики\n"
        "- подготовку горных инженеров",
        # a subheading that happens to read like a link-block heading, followed by prose
        "По теме\nЭкспорт вольфрама в прошлом году вырос на 15%, следует из данных таможни.",
    ],
)
def test_article_lists_and_subheadings_are_kept(ending: str) -> None:
    clean = clean_article(raw_text(LEAD + "\n" + ending))
    for line in ending.split("\n")[1:]:
        assert line.lstrip("- ") in clean.body


@pytest.mark.parametrize(
    ("inner", "dropped"),
    [
        # a bare "see also" owns the headline below it
        (["Читайте также:", "Цены на уран выросли вдвое"], ["Читайте также:", "Цены на уран выросли вдвое"]),
        # a complete "see also" line does not own the subheading that follows it
        (
            ["Читайте также: Цены на уран выросли вдвое", "Что изменится для инвесторов"],
            ["Читайте также: Цены на уран выросли вдвое"],
        ),
    ],
)
def test_read_also_inside_the_article(inner: list[str], dropped: list[str]) -> None:
    lines = LEAD.split("\n")
    clean = clean_article(raw_text("\n".join([lines[0], *inner, lines[1], lines[2]])))
    assert [r.text for r in clean.removed] == dropped
    for line in inner:
        assert (line in clean.body) is (line not in dropped)


@pytest.mark.parametrize(
    ("paragraph", "headline", "kept"),
    [
        (
            "Профсоюз пригрозил новой забастовкой. Читайте также: Пилоты в Италии подписали первый "
            "коллективный договор Представители компании отметили, что рейсы выполнят вовремя.",
            "Читайте также: Пилоты в Италии подписали первый коллективный договор",
            "Профсоюз пригрозил новой забастовкой. Представители компании отметили, что рейсы выполнят",
        ),
        (
            # a name in the genitive right after the marker does not end the headline
            "Саммит завершился. Читайте также: Канцлер сделал для безопасности Европы больше, чем "
            "предшественники Эксперты называют итоги встречи скромными.",
            "Читайте также: Канцлер сделал для безопасности Европы больше, чем предшественники",
            "Саммит завершился. Эксперты называют итоги встречи скромными.",
        ),
        (
            # a name after a preposition does not either
            "Власти ввели режим ЧС. Читайте также: Спасатели эвакуировали жителей поселков в Норильске и "
            "Дудинке Глава города поблагодарил волонтеров за помощь.",
            "Читайте также: Спасатели эвакуировали жителей поселков в Норильске и Дудинке",
            "Власти ввели режим ЧС. Глава города поблагодарил волонтеров за помощь.",
        ),
    ],
)
def test_read_also_run_into_the_next_sentence_is_cut_out(paragraph: str, headline: str, kept: str) -> None:
    clean = clean_article(raw_text(LEAD + "\n" + paragraph + "\nИтоги подведут в декабре."))
    assert [(r.text, r.reason) for r in clean.removed] == [(headline, "read-also")]
    assert kept in clean.body


def test_read_also_without_a_clear_end_inside_a_paragraph_is_left() -> None:
    paragraph = "Власти ввели режим ЧС. Читайте также: пожар потушили. Глава города поблагодарил волонтеров."
    clean = clean_article(raw_text(LEAD + "\n" + paragraph))
    assert paragraph in clean.body


def test_closing_line_with_a_time_in_its_sentence_stays() -> None:
    content = LEAD + "\nПервый рейс в Усть-Каменогорск отправится в 19:15"
    clean = clean_article(raw_text(content))
    assert clean.body.endswith("Первый рейс в Усть-Каменогорск отправится в 19:15")


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("Цены выросли. Спрос упал.", ["Цены выросли.", "Спрос упал."]),
        ("Цены выросли.Подписывайтесь на канал", ["Цены выросли.", "Подписывайтесь на канал"]),
        ("Об этом сообщил В. Путин на встрече.", ["Об этом сообщил В. Путин на встрече."]),
        ("Об этом пишет Страна.ua со ссылкой на данные.", ["Об этом пишет Страна.ua со ссылкой на данные."]),
        ("Завод построят в г.Мурманске к 2030 году.", ["Завод построят в г.Мурманске к 2030 году."]),
    ],
)
def test_sentence_boundaries(paragraph: str, sentences: list[str]) -> None:
    assert [span.text.strip() for span in split_sentences(paragraph)] == sentences
