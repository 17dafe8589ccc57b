"""Statements: speech verbs, speakers resolved through the syntax tree and coreference."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_extractor.statements import quote_regions


def speaker_of(extraction, needle: str) -> str | None:
    """The canonical name of the statement's speaker: the name the store and the views show."""
    [statement] = [s for s in extraction.statements if needle in s.text]
    if statement.speaker is None:
        return None
    [actor] = [
        a for a in extraction.actors if (a.name, a.type) == (statement.speaker.name, statement.speaker.type)
    ]
    return actor.canonical_name


@pytest.mark.parametrize(
    ("body", "needle", "speaker", "verb"),
    [
        # reported speech: nsubj of a speech verb
        ("Кирилл Дмитриев заявил, что переговоры идут.", "переговоры идут", "Кирилл Дмитриев", "заявить"),
        ("Как отметил Сергей Лавров, диалог продолжится.", "диалог продолжится", "Сергей Лавров", "отметить"),
        ("По словам Дональда Трампа, сделка близка.", "сделка близка", "Дональд Трамп", None),
        (
            "Согласно отчету Геологической службы США, на КНР приходится 70% добычи редкоземельных металлов.",
            "70% добычи",
            "Геологическая служба США",
            None,
        ),
        (
            "Согласно подсчетам «Коммерсанта», российские компании экспортировали 2 млн тонн угля.",
            "экспортировали",
            "Коммерсант",
            None,
        ),
        (
            "«Мы рассчитываем подписать дорожную карту по урану», — цитирует Бобира Исламова"
            " агентство Podrobno.uz.",
            "дорожную карту",
            "Бобир Исламов",
            "цитировать",
        ),
        # the place it was said
        ("В МИД России сказали, что санкции не помогут.", "санкции не помогут", "МИД России", "сказать"),
        (
            "Министерство иностранных дел России провело брифинг. Об этом говорится в заявлении МИД РФ.",
            "говорится в заявлении",
            "МИД России",
            "говориться",
        ),
        # quotes attributed after and before
        ("«Мы готовы к диалогу», — сказал Дмитриев.", "готовы к диалогу", "Дмитриев", "сказать"),
        ("Дмитриев сказал: «Мы готовы к диалогу с партнерами».", "готовы к диалогу", "Дмитриев", "сказать"),
        # the kind of an organisation before its name ("компания «X»")
        ("Госкорпорация «Росатом» сообщила о поставках урана.", "поставках урана", "Росатом", "сообщить"),
        (
            "В компании «Русал» сообщили, что выпуск алюминия снизится.",
            "выпуск алюминия",
            "Русал",
            "сообщить",
        ),
        # instructions and forecasts are statements too
        (
            "Михаил Мишустин поручил увеличить производство меди.",
            "производство меди",
            "Михаил Мишустин",
            "поручить",
        ),
        (
            "Александр Новак спрогнозировал рост добычи нефти.",
            "рост добычи",
            "Александр Новак",
            "спрогнозировать",
        ),
        ("Компания «Норникель» ожидает роста спроса на никель.", "роста спроса", "Норникель", "ожидать"),
        ("Министр Сергей Цивилев доложил о росте добычи угля.", "росте добычи", "Сергей Цивилев", "доложить"),
        (
            "Вице-министр энергетики Иван Петров сообщил, что экспорт нефти вырос.",
            "экспорт нефти",
            "Иван Петров",
            "сообщить",
        ),
        ("Рост цен на медь продолжится, считает аналитик Иван Петров.", "Рост цен", "Иван Петров", "считать"),
        # a title and an initialled name, both taken for subjects
        ("Вице-премьер РФ А. Новак заявил, что добыча нефти стабильна.", "добыча нефти", "Новак", "заявить"),
        # the addressee in the dative is not the speaker
        (
            "Как заявил Цивилеву глава СУЭК Максим Басов, добыча угля вырастет.",
            "добыча угля",
            "Максим Басов",
            "заявить",
        ),
        (
            "Антон Силуанов назвал санкции против российской нефти бессмысленными.",
            "санкции против",
            "Антон Силуанов",
            "назвать",
        ),
        # the title of a person named before; the surname alone before
        (
            "Кирилл Дмитриев прилетел в Эр-Рияд. «Мы готовы к диалогу», — сказал Дмитриев.",
            "готовы к диалогу",
            "Кирилл Дмитриев",
            "сказать",
        ),
    ],
)
def test_speaker_patterns(extract, body, needle, speaker, verb):
    extraction = extract(body)
    [statement] = [s for s in extraction.statements if needle in s.text]
    assert speaker_of(extraction, needle) == speaker
    assert statement.verb == verb


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # pronouns refer back to the last person named as a subject
        (
            "Кирилл Дмитриев прилетел в Эр-Рияд. Он подчеркнул, что переговоры идут.",
            "подчеркнул",
            "Кирилл Дмитриев",
        ),
        (
            "Президент России Владимир Путин провел встречу. «Мы готовы работать», — сказал он.",
            "готовы работать",
            "Владимир Путин",
        ),
        (
            "Мария Захарова провела брифинг. Она сообщила, что визит отменен.",
            "визит отменен",
            "Мария Захарова",
        ),
        # a quote over several sentences takes the attribution that closes it
        (
            "Путин выступил на форуме. «Редкоземельные металлы важны. Мы должны активизировать усилия»,"
            " — подчеркнул Путин.",
            "Редкоземельные металлы важны",
            "Владимир Путин",
        ),
        # "Об этом сообщил X" covers the sentence before it
        (
            "Переговоры о поставках лития начнутся в апреле. Об этом сообщил Кирилл Дмитриев.",
            "Переговоры о поставках",
            "Кирилл Дмитриев",
        ),
        # an organisation anaphor goes to the organisation just named
        (
            "МИД России передал США предложения. «Мы приветствовали бы успех нормализации», — заявили в"
            " дипломатическом ведомстве.",
            "приветствовали бы",
            "МИД России",
        ),
        # "ведомство" is a state body, never the company named last
        (
            "Минфин США ввел санкции против «Норникеля». Меры направлены против экспорта никеля,"
            " говорится в сообщении ведомства.",
            "Меры направлены",
            "Минфин США",
        ),
        # a spokesperson or analyst speaks for the organisation in the genitive
        ("Представитель Минфина заявил, что экспорт нефти сократится.", "экспорт нефти", "Минфин"),
        ("Аналитики Goldman Sachs отметили, что цены на медь вырастут.", "цены на медь", "Goldman Sachs"),
        (
            "Эксперты Международного энергетического агентства считают, что спрос на литий удвоится.",
            "спрос на литий",
            "МЭА",
        ),
        # any role noun names the person in apposition
        (
            "Аким Восточно-Казахстанской области Ермек Кошербаев сообщил, что добыча меди вырастет.",
            "добыча меди",
            "Ермек Кошербаев",
        ),
        (
            "Омбудсмен Татьяна Москалькова заявила, что шахтеры получат выплаты.",
            "шахтеры",
            "Татьяна Москалькова",
        ),
        # a feminine verb keeps a surname in -ова feminine
        (
            "Как рассказала вице-министр промышленности и строительства Айжан Бижанова, разведка меди"
            " велась три года.",
            "разведка меди",
            "Айжан Бижанова",
        ),
        # an office by its role alone; a chamber's "спикер" is its chair
        (
            "Президент Республики Беларусь Александр Лукашенко посетил Солигорск. «Калий идет на экспорт»,"
            " – сказал глава государства.",
            "Калий идет",
            "Александр Лукашенко",
        ),
        (
            "Председатель Совета Федерации Валентина Матвиенко встретилась с шахтерами. Как подчеркнула"
            " спикер СФ, угольщики получат поддержку.",
            "угольщики получат",
            "Валентина Матвиенко",
        ),
        # "он" is the person just named as the subject, not the one named most
        (
            "Сенатор Алексей Сазанов выступил на заседании. Сазанов призвал поддержать угольщиков.\n\n"
            "Депутат от Кемеровской области Дмитрий Исламов предложил ввести мораторий на закрытие шахт."
            " «Шахты закрываются одна за другой», — заявил он.",
            "Шахты закрываются",
            "Дмитрий Исламов",
        ),
        # ... unless a person is named with the role, here or earlier
        (
            "Как отметила аналитик «Атона» Анастасия Егорова, рост цен на медь продолжится.",
            "рост цен",
            "Анастасия Егорова",
        ),
        (
            "Спрос на кобальт вырастет, считает эксперт «Финама» Алексей Калачев.",
            "Спрос на кобальт",
            "Алексей Калачев",
        ),
        (
            "Аналитики «Фридом Финанс Глобал» считают, что давление на акции сохранится. «Мы не видим"
            " драйверов роста», — пояснила аналитик компании Наталья Мильчакова.",
            "давление на акции",
            "Фридом Финанс Глобал",
        ),
        (
            "Официальный представитель МИД Мария Захарова провела брифинг. Представитель МИД заявила,"
            " что санкции незаконны.",
            "санкции незаконны",
            "Мария Захарова",
        ),
    ],
)
def test_coreference_and_quotes(extract, body, needle, speaker):
    assert speaker_of(extract(body), needle) == speaker


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("Эти заявления подчеркивают стремление к сотрудничеству.", "стремление"),
        ("Ранее лидер США сообщил, что Индия согласилась прекратить покупать нефть.", "Индия согласилась"),
        ("«Это хорошее предложение и мы готовы его обсуждать», — сказал он.", "хорошее предложение"),
        ("В команде заявляли, что он хочет перезагрузить отношения.", "перезагрузить"),
        # an expert from somewhere speaks for himself, and is not named
        ("Эксперт из МГУ заявил, что запасы меди истощаются.", "запасы меди"),
        # the exchange a statement was filed on did not say it
        (
            "Казатомпром скорректировал план добычи урана. Об этом говорится в сообщении компании на"
            " Лондонской фондовой бирже.",
            "скорректировал план",
        ),
        ("Представитель компании заявил, что добыча никеля выросла.", "добыча никеля"),
        (
            "Компания «Русал» нарастила выпуск алюминия. Рост связан с новым заводом, говорится в"
            " сообщении ведомства.",
            "Рост связан",
        ),
    ],
)
def test_unresolvable_speaker_is_null(extract, body, needle):
    assert speaker_of(extract(body), needle) is None


def test_statement_fields(extract):
    body = "Погода была хорошей.\n\n«Мы рассчитываем начать добычу лития в 2027 году», — сказал Козлов."
    extraction = extract(body)
    [statement] = extraction.statements
    assert statement.is_quote
    assert statement.verb == "сказать"
    assert statement.minerals == ["lithium"]
    assert [a.name for a in statement.actors] == ["Козлов"]
    assert body[statement.start : statement.end] == statement.text
    assert statement.index == 0


def test_sentence_without_speech_or_minerals_is_not_a_statement(extract):
    assert extract("Погода в Москве была хорошей. Люди гуляли в парках.").statements == []


def test_contract_example(extract):
    body = (
        "Глава Минприроды России Александр Козлов заявил, что запасы лития в стране превышают 3 млн тонн.\n\n"
        "«Мы рассчитываем начать добычу редкоземельных металлов в 2027 году», — сказал Козлов."
    )
    extraction = extract(body, title="Литий")
    assert {m.key for m in extraction.minerals} >= {"lithium", "rare_earths"}
    assert "Александр Козлов" in {a.name for a in extraction.actors}
    assert {s.speaker.name for s in extraction.statements if s.speaker} == {"Александр Козлов"}
    assert extraction.extractor_version.startswith("orewatch-extractor")
    assert "minerals" in extraction.extractor_version


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # "по его словам": a possessive pronoun
        (
            "Антон Алиханов посетил завод. По его словам, первые партии лития получат в следующем году.",
            "первые партии",
            "Антон Алиханов",
        ),
        # a bare title bound earlier, with a conjoined genitive
        (
            "Министр промышленности и торговли России Антон Алиханов посетил завод."
            " «Мы видим большой интерес партнеров», — сказал министр.",
            "большой интерес",
            "Антон Алиханов",
        ),
        # a kind of organisation followed by its name
        ("Газета «Коммерсантъ» сообщила, что сделка закрыта.", "сделка закрыта", "Коммерсантъ"),
        ("«Я могу сказать то же самое», — заявил господин Туск.", "то же самое", "Туск"),
        # a quote paragraph, then its attribution
        (
            "«Мы не видим оснований для пересмотра. Все обязательства будут выполнены».\n\n"
            "Так заявил вице-премьер Александр Новак.",
            "оснований для пересмотра",
            "Александр Новак",
        ),
        ("«Мы продолжим переговоры», — написал Дональд Трамп в соцсети.", "продолжим", "Дональд Трамп"),
        ("В Кремле заявили, что встреча возможна.", "встреча возможна", "Кремль"),
        # the outermost title is the person's, and its contraction refers back to them
        (
            "Россия готова поставлять нефть, заявил заместитель министра иностранных дел РФ Сергей Рябков."
            ' "Мы открыты к сотрудничеству в энергетике", - сказал замминистра.',
            "открыты к сотрудничеству",
            "Сергей Рябков",
        ),
        (
            'Как отметили в пресс-службе "Норникеля", компания не планирует сокращать производство.',
            "не планирует",
            "Норникель",
        ),
        (
            "Кирилл Дмитриев прилетел в Эр-Рияд. Он подчеркнул, что обсуждаются и другие проекты,"
            " сообщает «Украинская правда».",
            "другие проекты",
            "Кирилл Дмитриев",
        ),
        # "X: «…»" and a colon closing the paragraph before the quote
        (
            "Глава РФПИ Кирилл Дмитриев прилетел в Эр-Рияд. Дмитриев: «Мы готовы к диалогу с партнерами».",
            "готовы к диалогу",
            "Кирилл Дмитриев",
        ),
        (
            "Кирилл Дмитриев отметил:\n\n«Мы готовы к диалогу. Переговоры уже идут».",
            "Переговоры уже идут",
            "Кирилл Дмитриев",
        ),
        (
            "Премьер-министр Великобритании Тереза Мэй прибыла в Брюссель."
            " «Будут серьезные трудности», — констатировала премьер.",
            "серьезные трудности",
            "Тереза Мэй",
        ),
        ("Было заявлено в МИД России, что ответ последует.", "ответ последует", "МИД России"),
        # "она" skips the man named last; a foreign woman's name is feminine whatever the tagger says
        (
            "Суд оправдал Асию Биби. Адвокат Сайфул Мулук выступил в суде. Она заявила, что покинет страну.",
            "покинет страну",
            "Асия Биби",
        ),
    ],
)
def test_more_speaker_patterns(extract, body, needle, speaker):
    assert speaker_of(extract(body), needle) == speaker


def test_participles_are_not_speech(extract):
    assert extract("Представитель, отвечающий за переговоры, прибыл в Женеву.").statements == []


def test_quoted_names_are_not_quotes(extract):
    extraction = extract("Газета «Коммерсантъ» сообщила, что «Газпром нефть» увеличила добычу.")
    [statement] = extraction.statements
    assert not statement.is_quote


def test_speaker_named_by_pronoun_is_among_the_statement_actors(extract):
    extraction = extract("Кирилл Дмитриев прилетел в Эр-Рияд. Он подчеркнул, что переговоры идут.")
    [statement] = [s for s in extraction.statements if "подчеркнул" in s.text]
    assert [a.name for a in statement.actors] == ["Кирилл Дмитриев"]


def test_pronoun_does_not_reach_far_back(extract):
    body = (
        "Кирилл Дмитриев прилетел в Эр-Рияд. Погода была жаркой. Люди гуляли в парках. Магазины работали."
        " Дороги были пусты. Он заявил, что переговоры идут."
    )
    assert speaker_of(extract(body), "переговоры идут") is None


@pytest.mark.parametrize(
    ("body", "published", "needle", "speaker"),
    [
        # a title with its country names the office holder of the article's day, if the article names him
        (
            "Дональд Трамп провел переговоры в Вашингтоне.\n\nРанее лидер США сообщил, что Индия согласилась "
            "прекратить покупать нефть.",
            datetime(2025, 10, 20, tzinfo=UTC),
            "Индия согласилась",
            "Дональд Трамп",
        ),
        (
            "Джо Байден и Дональд Трамп выступили в Детройте. Президент США заявил, что медь подорожает.",
            datetime(2023, 5, 1, tzinfo=UTC),
            "медь подорожает",
            "Джо Байден",
        ),
        (
            "Владимир Путин провел совещание. Российский президент подчеркнул, что добыча лития растет.",
            datetime(2025, 3, 1, tzinfo=UTC),
            "добыча лития",
            "Владимир Путин",
        ),
        (
            "Сергей Лавров прибыл в Анкару. Министр иностранных дел России заявил, что газ пойдет в Турцию.",
            None,
            "газ пойдет",
            "Сергей Лавров",
        ),
        # the holder on that day is not named in the article: never guess
        (
            "Дональд Трамп провел переговоры. Лидер США сообщил, что нефть подешевеет.",
            datetime(2022, 5, 1, tzinfo=UTC),
            "нефть подешевеет",
            None,
        ),
        # two holders named and no date: ambiguous
        (
            "Джо Байден и Дональд Трамп выступили в Детройте. Президент США заявил, что медь подорожает.",
            None,
            "медь подорожает",
            None,
        ),
        # an office the table does not know: the person just speaking, if the title fits him
        (
            "Сигэру Исиба посетил завод. Премьер Японии заявил, что редкоземельные металлы нужны стране.",
            datetime(2025, 3, 1, tzinfo=UTC),
            "редкоземельные металлы",
            "Сигэру Исиба",
        ),
        (
            "Президент России Владимир Путин провел совещание. Глава МИД Турции заявил, что нефть"
            " подешевеет.",
            datetime(2025, 3, 1, tzinfo=UTC),
            "нефть подешевеет",
            None,
        ),
        (
            "Мария Захарова провела брифинг. Министр заявил, что нефть подешевеет.",
            None,
            "нефть подешевеет",
            None,
        ),
    ],
)
def test_titles_name_the_office_holder_of_the_day(extract, body, published, needle, speaker):
    assert speaker_of(extract(body, published_at=published), needle) == speaker


@pytest.mark.parametrize(
    "body",
    [
        "Представители Rio Tinto и Glencore от комментариев отказались.",
        "Месторождение назвали в честь геолога Ивана Ефремова.",
    ],
)
def test_declining_to_comment_or_naming_a_place_is_not_speech(extract, body):
    assert extract(body).statements == []


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("Он сказал: «Мы готовы».", ["Мы готовы"]),
        # one » closes a short nest of names, as Russian typography writes it
        ("Глава АО «НАК «Казатомпром» Мейржан Юсупов добавил, что объемы вырастут.", ["НАК «Казатомпром"]),
        (
            "Представитель ПАО «ГМК «Норильский никель» заявил о росте. «Мы довольны», — сказал он.",
            ["ГМК «Норильский никель", "Мы довольны"],
        ),
        # „…“ inside «…»
        (
            "«Чиновники говорят: „Рынок все отрегулирует“, а я не согласен», — написал он.",
            ["Чиновники говорят: „Рынок все отрегулирует“, а я не согласен"],
        ),
        # a long nested quote closes level by level
        (
            "«Мы ждем, что компания «Норникель» сохранит добычу никеля на прежнем уровне», — сказал он.",
            ["Мы ждем, что компания «Норникель» сохранит добычу никеля на прежнем уровне"],
        ),
        # a quote still open at the paragraph's end runs to it
        ("«Мы готовы к диалогу.\nДругой абзац.", ["Мы готовы к диалогу."]),
    ],
)
def test_quote_regions(text, regions):
    assert [text[a:b] for a, b in quote_regions(text)] == regions


@pytest.mark.parametrize(
    ("body", "needle", "speaker", "is_quote"),
    [
        (
            "Председатель правления АО «НАК «Казатомпром» Мейржан Юсупов добавил, что добыча урана вырастет.",
            "добыча урана",
            "Мейржан Юсупов",
            False,
        ),
        (
            "Представитель ПАО «ГМК «Норильский никель» заявил, что добыча никеля вырастет.",
            "добыча никеля",
            "Норникель",
            False,
        ),
        ("«Рост продолжится», — сказал Иван Петров о рынке меди.", "Рост продолжится", "Иван Петров", True),
    ],
)
def test_nested_names_and_short_direct_speech(extract, body, needle, speaker, is_quote):
    extraction = extract(body)
    [statement] = [s for s in extraction.statements if needle in s.text]
    assert speaker_of(extraction, needle) == speaker
    assert statement.is_quote is is_quote


def test_direct_speech_opened_by_a_dash_is_attributed_by_its_last_sentence(extract):
    body = (
        "Губернатор Андрей Чибис провел совещание в Ревде.\n\n"
        "– Лопаритовые руды позволяют получать редкоземельные металлы эффективно. Для Ревды это сотни"
        " рабочих мест, – сказал Андрей Чибис."
    )
    extraction = extract(body)
    for needle in ("Лопаритовые руды", "сотни рабочих"):
        [statement] = [s for s in extraction.statements if needle in s.text]
        assert (speaker_of(extraction, needle), statement.is_quote) == ("Андрей Чибис", True)


def test_words_quoted_in_a_release_are_their_speakers(extract):
    body = (
        "«Мы подтверждаем производственный прогноз по палладию», - приводятся в сообщении слова"
        " первого вице-президента «Норникеля» Сергея Степанова."
    )
    extraction = extract(body)
    assert speaker_of(extraction, "производственный прогноз") == "Сергей Степанов"
