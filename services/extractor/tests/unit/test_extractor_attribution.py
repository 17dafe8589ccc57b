"""Speaker attribution on real-news constructions, one table per construction.

Each table holds examples the rule must resolve and counter-examples it must not; the
expected speaker is the canonical actor name (None: the text names no speaker, so none may
be claimed). The texts are written for these tests; none is taken from the evaluation sets.
"""

from __future__ import annotations

import pytest


def _check(extract, speaker_of, body: str, needle: str, speaker: str | None) -> None:
    extraction = extract(body)
    if speaker is None:  # no speaker may be claimed: no statement, or one without a speaker
        assert [s.speaker for s in extraction.statements if needle in s.text] in ([], [None])
    else:
        assert speaker_of(extraction, needle) == speaker


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        ("Алексей Мордашов считает, что спрос на сталь вырастет.", "спрос на сталь", "Алексей Мордашов"),
        ("Глава Минфина Антон Силуанов уверен, что бюджет выдержит.", "бюджет выдержит", "Антон Силуанов"),
        (
            "Владимир Потанин полагает, что цены на никель стабилизируются.",
            "цены на никель",
            "Владимир Потанин",
        ),
        ("С точки зрения Олега Дерипаски, алюминий подешевеет.", "алюминий подешевеет", "Олег Дерипаска"),
        ("Александр Новак дал понять, что квоты ОПЕК+ сохранятся.", "квоты", "Александр Новак"),
        ("Мария Захарова: «Санкции против меди бессмысленны».", "Санкции против меди", "Мария Захарова"),
        # counter-examples: a stance without a subject, a full adjective, a statement as a noun
        ("Уверенный рост добычи меди продолжился в марте.", "рост добычи", None),
        ("Заявление о добыче лития опубликовано на сайте.", "добыче лития", None),
    ],
)
def test_forward_attribution(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # a quote over several sentences takes the closing attribution
        (
            "«Спрос на литий растет. Мы удвоим выпуск к 2027 году», — сказал гендиректор «Норникеля»"
            " Владимир Потанин.",
            "Спрос на литий",
            "Владимир Потанин",
        ),
        # "— добавил он" after the person just named
        (
            "Глава Росатома Алексей Лихачев посетил рудник. «Уран нужен всем», — добавил он.",
            "Уран нужен всем",
            "Алексей Лихачев",
        ),
        # the author's words between dashes inside the quote
        (
            "Премьер Канады Джастин Трюдо обсудил поставки урана. «Мы ведем переговоры, — приводит его"
            " слова газета. — Ситуация деликатная».",
            "Ситуация деликатная",
            "Джастин Трюдо",
        ),
        # a straight quote that nests another and closes both with one mark
        (
            '"Мы готовы поставлять медь в формате "7/24", - добавил Сергей Иванов.',
            "поставлять медь",
            "Сергей Иванов",
        ),
        # counter-example: a quoted name is not speech, and nobody is named
        ("Добыча меди на руднике «Удокан» выросла на 10%.", "Добыча меди", None),
    ],
)
def test_quotes(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        (
            "Добыча лития вырастет вдвое. Такое мнение высказал министр природных ресурсов Александр Козлов.",
            "Добыча лития",
            "Александр Козлов",
        ),
        (
            "Цены на медь упадут. Так глава «Норникеля» Владимир Потанин прокомментировал решение ФРС.",
            "Цены на медь",
            "Владимир Потанин",
        ),
        ("Цены на уран вырастут. Об этом заявила министр Мария Иванова.", "Цены на уран", "Мария Иванова"),
        (
            "Запасы меди оценены в 2 млн тонн. Об этом говорится в сообщении компании «Полиметалл».",
            "Запасы меди",
            "Полиметалл",
        ),
        # counter-examples: "Так, X отметил" gives an example; "Об этом" without a speaker
        (
            "Цены на медь упадут. Так, глава «Норникеля» Владимир Потанин отметил рост спроса на никель.",
            "Цены на медь",
            None,
        ),
        ("Цены на никель растут. Об этом мало кто знает.", "Цены на никель", None),
    ],
)
def test_backward_attribution(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        (
            "Британский политик, лидер Партии независимости, Найджел Фарадж заявил, что нефть подорожает.",
            "нефть подорожает",
            "Найджел Фарадж",
        ),
        (
            "Об этом сообщил один из докладчиков в парламенте Нидерландов Питер Омтзигт. Он добавил, что"
            " газ подешевеет.",
            "газ подешевеет",
            "Питер Омтзигт",
        ),
        # a client named between the role and the person is not the speaker
        (
            "Адвокат Биби Саиф уль-Малук заявил, что суд пересмотрит дело о руднике.",
            "суд пересмотрит",
            "Саиф уль-Малук",
        ),
    ],
)
def test_long_subjects(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("Экс-премьер Великобритании Дэвид Кэмерон заявил, что сделка по меди выгодна.", "Дэвид Кэмерон"),
        ("Политик-голлист Николя Дюпон-Эньян заявил, что Франция лишится урана.", "Николя Дюпон-Эньян"),
        ("Глава МИД России Сергей Лавров заявил, что поставки нефти продолжатся.", "Сергей Лавров"),
        ("Исполнительный директор Ryanair Майкл О’Лири заявил, что керосин дорожает.", "Майкл О’Лири"),
    ],
)
def test_titles_are_never_part_of_a_name(extract, body, name):
    [statement] = extract(body).statements
    assert statement.speaker is not None
    assert statement.speaker.name == name


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        (
            "Премьер-министр Великобритании Тереза Мэй прибыла в Брюссель. Премьер добавила, что литий"
            " нужен стране.",
            "литий",
            "Тереза Мэй",
        ),
        (
            "Министр энергетики Сергей Цивилев посетил Кузбасс. Министр подчеркнул, что уголь нужен.",
            "уголь нужен",
            "Сергей Цивилев",
        ),
        (
            "Депутат Госдумы Дмитрий Исламов выступил на заседании. Политик заявил, что шахты закрываются.",
            "шахты закрываются",
            "Дмитрий Исламов",
        ),
        (
            "Еврокомиссар Марианн Тиссен встретилась с шахтерами. По ее словам, угольные регионы получат"
            " помощь.",
            "угольные регионы",
            "Марианн Тиссен",
        ),
        # counter-examples: the gender does not agree; the role is someone else's; too far back
        ("Мария Захарова провела брифинг. Министр заявил, что нефть подешевеет.", "нефть подешевеет", None),
        (
            "Асия Биби покинула страну. Однако адвокат Асии полагает, что медь тут ни при чем.",
            "медь тут",
            None,
        ),
        (
            "Кирилл Дмитриев прилетел в Эр-Рияд. Погода была жаркой. Люди гуляли в парках. Магазины"
            " работали. Дороги были пусты. Он заявил, что нефть дорожает.",
            "нефть дорожает",
            None,
        ),
    ],
)
def test_role_nouns_and_pronouns(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # the kind the text gave a name stands for it later
        (
            "Ирландская авиакомпания Ryanair отменила рейсы. Компания уверяет, что керосин подорожал.",
            "керосин подорожал",
            "Ryanair",
        ),
        (
            "Лоукостер Ryanair сократил программу. «Топливо дорожает», — пояснили в авиакомпании.",
            "Топливо дорожает",
            "Ryanair",
        ),
        # an outlet is the speaker when it is the only source
        ("Добыча угля упала на 5%, пишет The Times.", "Добыча угля", "The Times"),
        ("Добыча угля упала на 5%, пишет bbc.com.", "Добыча угля", "bbc.com"),
        # ... never when a person or a body is the source it relays
        (
            "Об этом, как передает ТАСС, сообщил пресс-секретарь президента России Дмитрий Песков.",
            "Об этом",
            "Дмитрий Песков",
        ),
        (
            "По данным Reuters, партия «Техрик-э-Лабаик» заявила, что медные рудники закроют.",
            "медные рудники",
            "Техрик-э-Лабаик",
        ),
        # an opening "По информации X" frames a clause whose subject is a place
        (
            "По информации Associated Press, Франция предложила Чили поставки лития.",
            "поставки лития",
            "Associated Press",
        ),
        # an unnamed source speaks for the body it is in, never for the outlet that quotes it
        (
            "Компания «Полиметалл» продала активы. Источник в компании уточнил, что золото подорожает.",
            "золото подорожает",
            "Полиметалл",
        ),
        ("По словам источника CNN, добыча меди остановлена.", "добыча меди", None),
        # members speak as their body
        (
            "Верховный суд Пакистана отменил приговор. Угроз не было, отметили судьи.",
            "Угроз не было",
            "Верховный суд Пакистана",
        ),
        # a body the tagger does not name speaks under its own phrase
        (
            "Доминик Рааб назначен министром. Об этом сообщили в канцелярии премьер-министра Терезы Мэй.",
            "назначен министром",
            "канцелярия премьер-министра",
        ),
    ],
)
def test_organisations_and_outlets(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


def test_unnamed_bodies_are_actors_only_when_they_speak(extract):
    silent = extract("Правительство Великобритании одобрило план по добыче лития.")
    assert "Правительство Великобритании" not in {a.name for a in silent.actors}
    speaking = extract("Правительство Великобритании заявило, что литий нужен стране.")
    assert "Правительство Великобритании" in {a.name for a in speaking.actors}


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        (
            "Премьер Пакистана Имран Хан выступил в парламенте. Мы не позволим блокировать рудники. Мы не"
            " позволим перекрывать дороги, подчеркнул Хан.",
            "блокировать рудники",
            "Имран Хан",
        ),
        # counter-example: a third-person sentence before is the author's, not the speaker's
        (
            "Премьер Пакистана Имран Хан выступил в парламенте. Рудники закрыты третий день. Мы не позволим"
            " перекрывать дороги, подчеркнул Хан.",
            "Рудники закрыты",
            None,
        ),
        # a sentence broken at a line end finds its subject on the next line
        (
            "- Мы рады росту добычи, - сказал\nгендиректор компании Иван Петров, выступая на форуме.",
            "росту добычи",
            "Иван Петров",
        ),
    ],
)
def test_unquoted_direct_speech(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # a name inside a subject's participial clause is not a second subject
        (
            "Власти заключили сделку с партией «Зеленый рассвет». Эта партия, настаивающая на"
            " отставке Биби, ранее призывала закрыть литиевые рудники.",
            "закрыть литиевые рудники",
            "Зеленый рассвет",
        ),
        # a quoted name does not decline, so it names the kind in any case
        (
            "Правительство договорилось с профсоюзом «Горняцкая солидарность». Позднее в профсоюзе"
            " заявили, что забастовка отменена.",
            "забастовка отменена",
            "Горняцкая солидарность",
        ),
        # counter-example: the person the clause names does not take the subject's place
        (
            "Министр Иван Петров, поддерживающий Марию Соколову, заявил, что медь подорожает.",
            "медь подорожает",
            "Иван Петров",
        ),
        # counter-example: a kind the text never named stands for nobody
        (
            "Власти заключили сделку с партией «Зеленый рассвет». Позднее суд заявил, что сделка законна.",
            "сделка законна",
            None,
        ),
    ],
)
def test_subject_clauses_and_quoted_kinds(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # "«…», — приводятся слова X": the quoted person, named in apposition to a role
        (
            "«Мы сохраним добычу никеля», — приводятся в сообщении компании слова ее директора по"
            " развитию Ивана Смирнова.",
            "добычу никеля",
            "Иван Смирнов",
        ),
        (
            "«Литий нужен всем», — приводит издание слова министра Анны Ковалевой.",
            "Литий нужен всем",
            "Анна Ковалева",
        ),
        # counter-example: words quoted from nobody named
        ("Компания привела в отчете слова благодарности партнерам.", "слова благодарности", None),
    ],
)
def test_quoted_words_of(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "name", "aliases"),
    [
        # every name in the brackets is an alias, and the Russian form names the actor
        (
            "Власти заключили сделку с партией «Хизб-ут-Тахрир» (Hizb ut-Tahrir, HT).",
            "Хизб-ут-Тахрир",
            {"Hizb ut-Tahrir", "HT"},
        ),
        ("Компания «Полиметалл» (Polymetal) увеличила выпуск золота.", "Полиметалл", {"Polymetal"}),
    ],
)
def test_bracketed_aliases(extract, body, name, aliases):
    actors = {a.name: set(a.aliases) for a in extract(body).actors}
    assert name in actors
    assert aliases <= actors[name]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # the nominative apposition names the person, not a later oblique "subject"
        (
            "Адвокат Карим уль-Хасан, прилетевший в Рим, заявил, что его задержали. Карима уль-Хасана"
            " сопроводили к стойке.",
            "Карим уль-Хасан",
        ),
        # counter-example: an apposition to an oblique title is no vote for its form
        ("Визит министра Фавада Чаудхри в Лахор отложен. Чаудхри заявил, что поедет позже.", "Фавад Чаудхри"),
    ],
)
def test_names_take_the_nominative_form(extract, body, name):
    assert name in {a.name for a in extract(body).actors}


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # a role conjoined with the subject carries the name: "бывший X, а ныне Y Имя"
        (
            "Бывший замминистра энергетики, а ныне независимый консультант Вячеслав Тарасенко полагает,"
            " что шансы металлургов невелики.",
            "шансы металлургов",
            "Вячеслав Тарасенко",
        ),
        # the subject of "как сообщила …," that the tagger hung on the main verb
        (
            "Как сообщила в понедельник, 9 сентября, министр экономики Катарина Ленц, фонд начнет работу"
            " в январе.",
            "фонд начнет работу",
            "Катарина Ленц",
        ),
        # counter-example: an impersonal "как говорится" lends no subject; the place speaks
        (
            "Как говорится в сообщении компании «Литком», более 90% рейсов будут выполнены.",
            "более 90% рейсов",
            "Литком",
        ),
        # a kind word stands for the organisation whose name holds it, before any dominant one
        (
            "Иск подал Дальневосточный банк. Компания «Оловянная руда» отрицает долг, пишет «Интерфакс»."
            " «Интерфакс» отмечает, что суд отложен. В банке «Интерфаксу» сообщили, что ждут решения.",
            "ждут решения",
            "Дальневосточный банк",
        ),
    ],
)
def test_conjoined_roles_lent_subjects_and_kinds(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # the adjectives and kind before a quoted name are not the name
        ("Пермская региональная авиакомпания «ПермьАвиа» отменила рейсы в Сочи.", "ПермьАвиа"),
        ("Якутская алмазодобывающая компания «Вилюйские алмазы» снизит добычу.", "Вилюйские алмазы"),
        # counter-example: an unquoted name keeps its adjectives
        ("Дальневосточный банк подал иск к заводу.", "Дальневосточный банк"),
    ],
)
def test_described_kinds_are_not_names(extract, body, name):
    assert name in {a.name for a in extract(body).actors}


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # the person at the end of a chain of appositions to the subject is the one "он" means
        (
            "«Мы сократим издержки», — сказал Константин Баев. Основатель «Байкал Эйр», бывший"
            " заместитель министра транспорта Игорь Лапин станет председателем совета. Он уточнил,"
            " что акционеры получат 40%.",
            "акционеры получат",
            "Игорь Лапин",
        ),
        # counter-example: a person only mentioned, not a subject, does not displace the speaker
        (
            "«Мы сократим издержки», — сказал Константин Баев. Совет поддержал Игоря Лапина. Он"
            " уточнил, что акционеры получат 40%.",
            "акционеры получат",
            "Константин Баев",
        ),
    ],
)
def test_pronouns_follow_apposed_subjects(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # "со ссылкой на X": the outlet relays, the person or body it refers to spoke
        (
            "Как передает Reuters со ссылкой на заявление президента МАУ Юрия Мирошникова, в суд"
            " МАУ пойдет, если жалобы не будут рассмотрены.",
            "в суд",
            "Юрий Мирошников",
        ),
        (
            "Экспорт нефти сократится, сообщило агентство Интерфакс со ссылкой на данные Росстата.",
            "Экспорт нефти",
            "Росстат",
        ),
        ("Об этом сообщает ONLINE.UA со ссылкой на The Guardian.", "Об этом", "The Guardian"),
        # counter-examples: unnamed sources leave the outlet; a "ссылка" that relays nothing
        ("Добыча лития упадет, пишет Bloomberg со ссылкой на источники.", "Добыча лития", "Bloomberg"),
        (
            "Ссылка на сайт компании опубликована в Telegram, сообщил Иван Петров.",
            "Ссылка на сайт",
            "Иван Петров",
        ),
    ],
)
def test_a_relay_gives_its_source(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "name", "alias"),
    [
        # a name with a patronymic is one person, however the tagger cut it
        (
            "Аналитик Тимур Рашидович Назаров считает, что цены вырастут.",
            "Тимур Назаров",
            "Тимур Рашидович Назаров",
        ),
        (
            "Глава района Прокопий Егорович Винокуров сообщил, что добыча вырастет.",
            "Прокопий Винокуров",
            "Прокопий Егорович Винокуров",
        ),
        (
            "Председатель профсоюза Росуглепроф Николай Петрович Щербаков рассказал, что шахтеры теряют"
            " до трети заработка.",
            "Николай Щербаков",
            "Николай Петрович Щербаков",
        ),
        (
            "Директор Ассоциации угольных предприятий Сибири Роман Игоревич Плетнев считает, что квоты"
            " сократят.",
            "Роман Плетнев",
            "Роман Игоревич Плетнев",
        ),
        # the patronymic tells a woman's first name from a man's genitive
        (
            "Аналитик Евгения Павловна Ступина предположила, что премии снизятся.",
            "Евгения Ступина",
            "Евгения Павловна Ступина",
        ),
        (
            "По словам Евгении Павловны Ступиной, премии снизятся.",
            "Евгения Ступина",
            "Евгения Павловна Ступина",
        ),
        (
            "По словам Евгения Павловича Петрова, премии снизятся.",
            "Евгений Петров",
            "Евгений Павлович Петров",
        ),
        # counter-example: a surname that is also a patronymic's form is no patronymic
        ("Роман Абрамович заявил, что цены вырастут.", "Роман Абрамович", None),
    ],
)
def test_patronymic_names_are_one_person(extract, body, name, alias):
    people = {a.name: a.aliases for a in extract(body).actors if a.type == "PER"}
    assert list(people) == [name]
    assert people[name] == ([alias] if alias else [])


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # a legal form is a kind of company: "компания" later means the one it named
        (
            "ПАО «Алмазы Анабара» снизит добычу на 10%. Об этом говорится в сообщении компании.",
            "снизит добычу",
            "Алмазы Анабара",
        ),
        # counter-example: a kind of another family names no company
        (
            "Агентство «Эксперт РА» понизило рейтинг. Об этом говорится в сообщении компании.",
            "понизило рейтинг",
            None,
        ),
    ],
)
def test_legal_forms_are_company_kinds(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # a part of a body speaks for it: "в секретариате ОПЕК"
        ("В секретариате ОПЕК указывали, что Казахстан превышает квоты.", "превышает квоты", "ОПЕК"),
        # a singular name is not the subject of a plural verb: the outlet told, the ministry spoke
        ("В Минфине РБК подтвердили, что поправки готовы.", "поправки готовы", "Минфин"),
        ("В «Росатоме» ТАСС сообщили, что реактор запущен.", "реактор запущен", "Росатом"),
        # a document of the body: "пояснительная записка министерства", "сообщение компании" of a НАК
        (
            "НАК «Нафтогаз Украины» получила кредит. Об этом говорится в сообщении компании.",
            "получила кредит",
            "НАК Нафтогаз Украины",
        ),
        # counter-examples: names joined by "и" agree with a plural verb; a place is no body
        ("Тереза Мэй и Борис Джонсон заявили, что сделка возможна.", "сделка возможна", "Тереза Мэй"),
        ("В районе Москвы сообщили, что добыча выросла.", "добыча выросла", None),
    ],
)
def test_bodies_their_parts_and_number_agreement(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # the exchange a release was filed on did not say it, however the parse hangs it
        (
            "Компания Jiaxin Resources начала добычу вольфрама. Об этом говорится в сообщении компании на"
            " Гонконгской фондовой бирже.",
            "начала добычу",
            "Jiaxin Resources",
        ),
        (
            "Компания Jiaxin Resources начала добычу вольфрама, говорится в сообщении на Гонконгской бирже.",
            "начала добычу",
            None,  # whose release it is, the text does not say
        ),
        (
            "Компания Jiaxin Resources начала добычу вольфрама. Об этом на Гонконгской фондовой бирже"
            " говорится в сообщении.",
            "начала добычу",
            None,
        ),
        # counter-examples: with no document, "на X" is where it was said; a kind's own name counts
        ("На Украине заявили, что транзит газа прекращен.", "транзит газа", "Украина"),
        ("Газета «Коммерсантъ» сообщила, что сделка закрыта.", "сделка закрыта", "Коммерсантъ"),
    ],
)
def test_where_a_release_was_filed_is_no_speaker(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


_INTERVIEW = (
    "Геолог Андрей Зуев рассказал «Интерфаксу» о геологоразведке.\n"
    "— Чего не хватает прежде всего?\n"
    "— Людей. Молодежь идет в айти, а не в тайгу.\n"
    "— Какие виды сырья в приоритете?\n"
    "— Литий и вольфрам. Мы зависим от импорта.\n"
)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # an interview: each dash-led answer to a dash-led question is the interviewee's
        (_INTERVIEW, "Молодежь идет в айти", "Андрей Зуев"),
        (_INTERVIEW, "Мы зависим от импорта", "Андрей Зуев"),
        # counter-examples: the questions are nobody's; one question is no interview; a lead
        # that has nobody speaking gives nobody; dashes that answer no question are a list
        (_INTERVIEW, "Какие виды сырья", None),
        (
            "Геолог Андрей Зуев рассказал «Интерфаксу» о геологоразведке.\n— Чего не хватает?\n"
            "— Людей. Молодежь идет в айти.\n",
            "Молодежь идет в айти",
            None,
        ),
        (_INTERVIEW.replace("Геолог Андрей Зуев рассказал «Интерфаксу»", "Интервью"), "Мы зависим", None),
        (
            "Геолог Андрей Зуев рассказал о планах.\n— Литий и вольфрам в приоритете.\n"
            "— Молодежь идет в айти.\n— Мы зависим от импорта.\n",
            "Мы зависим от импорта",
            None,
        ),
    ],
)
def test_interview_answers_are_the_interviewees(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


_ADDRESSED_INTERVIEW = (
    "Основатель компании Тимур Рашидович Байгильдин построил рудник. Forbes поговорил с ним.\n"
    "— Тимур Рашидович, цены бьют рекорды. Бизнес на пике?\n"
    "— Цена — только одна сторона. Себестоимость выросла почти на 60%.\n"
    "— Что дальше?\n"
    "— Запуск завода планируем в 2026 году.\n"
)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # the lead has nobody speaking: the first question calls the interviewee by name
        (_ADDRESSED_INTERVIEW, "Себестоимость выросла", "Тимур Байгильдин"),
        (_ADDRESSED_INTERVIEW, "Запуск завода", "Тимур Байгильдин"),
        # counter-example: a name the question talks about, not to, is nobody's answer
        (
            _ADDRESSED_INTERVIEW.replace("— Тимур Рашидович, цены бьют рекорды.", "— Байгильдин прав?"),
            "Запуск завода",
            None,
        ),
    ],
)
def test_an_interview_question_names_the_interviewee(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # after an inverted verb, the outlet before a nominative phrase was told, not the speaker
        (
            "«Методика была нарушена», — пояснила E1.RU руководитель экологической службы предприятия"
            " Алёна Гусарова.",
            "Методика",
            "Алёна Гусарова",
        ),
        ("«Цены вырастут», — сообщил ТАСС генеральный директор компании Иван Петров.", "Цены", "Иван Петров"),
        # an outlet told beside a plural verb is no speaker; a place "в X" is
        ("В правительстве Челябинской области URA.RU сообщили, что проект одобрен.", "проект одобрен", None),
        ("Накануне забастовки В Ryanair сообщили, что рейсы отменены.", "рейсы отменены", "Ryanair"),
        # the agency in the speaker's relative clause quotes him: "слова которого приводит"
        (
            '"Решения Брюсселя не должны лишать нас этой возможности", - сказал Надь, слова которого'
            " приводит венгерское агентство MTI.",
            "Решения Брюсселя",
            "Надь",
        ),
        # counter-examples: an outlet alone after the verb is the only source
        ("«Цены вырастут», — сообщило агентство Reuters.", "Цены", "Reuters"),
        ("«Цены вырастут», — пишет Bloomberg.", "Цены", "Bloomberg"),
    ],
)
def test_an_outlet_told_is_no_speaker(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # "не исключила, что" reports a stance; an inverted "признал" hangs on its words
        ("Министр Анна Сатпаева не исключила, что квоты повысят.", "квоты повысят", "Анна Сатпаева"),
        ("«Спрос упал сильнее, чем мы ждали», — признал Игорь Сапего.", "Спрос упал", "Игорь Сапего"),
        # counter-examples: "признал" with no words rules; "исключили из реестра" says nothing
        ("Суд признал сделку незаконной.", "сделку незаконной", None),
        ("Компанию исключили из реестра поставщиков.", "из реестра", None),
    ],
)
def test_stances_ruled_out_and_admitted(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


_TRANSCRIPT = (
    "Основатель компании Тимофей Кузьмин рассказал Forbes о литии.\n"
    "Forbes: Цены на литий упали. Не поздно ли входить в рынок?\n"
    "Кузьмин: Наоборот, самое время. Дефицит вернется через три года.\n"
    "Якутия: морозы остановили зимники на неделю.\n"
)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # a paragraph opened by a person's name and a colon is that person's words
        (_TRANSCRIPT, "самое время", "Тимофей Кузьмин"),
        (_TRANSCRIPT, "Дефицит вернется", "Тимофей Кузьмин"),
        # counter-examples: an outlet's label asks; a place's label is a heading
        (_TRANSCRIPT, "Не поздно ли", None),
        (_TRANSCRIPT, "морозы остановили", None),
    ],
)
def test_a_speakers_label_opens_their_words(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)


@pytest.mark.parametrize(
    ("body", "needle", "speaker"),
    [
        # "глава X" is whoever the text named with a head title of X
        (
            "Председатель правления «Нафтогаза» Остап Гнатюк заявил, что запасов хватит. Глава"
            " «Нафтогаза» уточнил, что закупки оплачены.",
            "закупки оплачены",
            "Остап Гнатюк",
        ),
        # counter-example: the head of another body is not this one's
        (
            "Председатель правления «Укрнафты» Остап Гнатюк заявил, что запасов хватит. Глава"
            " «Нафтогаза» уточнил, что закупки оплачены.",
            "закупки оплачены",
            None,
        ),
    ],
)
def test_a_generic_head_is_the_named_head_of_that_body(extract, speaker_of, body, needle, speaker):
    _check(extract, speaker_of, body, needle, speaker)
