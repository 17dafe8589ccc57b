"""Actors: nominative canonical names, merges within an article, junk, title coreference."""

from __future__ import annotations

import pytest
from orewatch_extractor.actors import Entity, Mention, one_actor_per_key
from orewatch_extractor.nlp import Analysis


def names(extraction) -> set[str]:
    """Names as the article gives them."""
    return {a.name for a in extraction.actors}


def canonical_names(extraction) -> set[str]:
    """Names shared across articles, one per actor: what merging is judged on."""
    return {a.canonical_name for a in extraction.actors}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # multi-word organisations: head noun and its adjectives in nominative, genitives kept
        (
            "Представитель Министерства иностранных дел Индии выступил в Дели.",
            "Министерство иностранных дел Индии",
        ),
        ("Сделку одобрил глава Российского фонда прямых инвестиций.", "Российский фонд прямых инвестиций"),
        ("Подразделения Сил обороны получили новую технику.", "Силы обороны"),
        ("Решение Верховного суда Пакистана вызвало протесты.", "Верховный суд Пакистана"),
        ("Туристы из Нидерландов прилетели утром.", "Нидерланды"),
        # the kind of an organisation before its quoted name is not part of the name
        ("Госкорпорация «Росатом» сообщила о поставках урана.", "Росатом"),
        ("Акции ПАО «Норникель» выросли на бирже.", "Норникель"),
        ("Пресс-служба «Полюса» сообщила о росте добычи золота.", "Полюс"),
        ("Страны ОПЕК+ договорились сократить добычу.", "ОПЕК+"),
        ("Об этом говорится в Telegram-канале Минэнерго.", "Минэнерго"),
        # a masculine company name the dictionary lacks, in an oblique case
        ("В «Русале» сообщили о выпуске алюминия.", "Русал"),
        ("Эксперт «Финама» оценил рынок меди.", "Финам"),
        ("Акции «Мечела» выросли на бирже.", "Мечел"),
        # an abbreviation does not decline; a surname in -ев is one person's
        ("Представитель АРМЗ сообщил о добыче урана.", "АРМЗ"),
        (
            "Казахстан готов поставлять редкоземельные металлы, заявил министр Ерсайын Нагаспаев.",
            "Ерсайын Нагаспаев",
        ),
        # state bodies whose names do not decline
        ("Глава Минприроды заявил о росте добычи.", "Минприроды"),
        # persons in nominative
        ("Журналисты встретились с Кириллом Дмитриевым в Москве.", "Кирилл Дмитриев"),
        ("Эксперты обсуждали отставку Доминика Рааба в Лондоне.", "Доминик Рааб"),
        ("Адвокат Асии Биби покинул страну.", "Асия Биби"),
        # a double surname declines part by part
        ("Выступление Марии Бутиной-Красновой поддержали.", "Мария Бутина-Краснова"),
        ("Позицию Джейкоба Рис-Могга обсудили.", "Джейкоб Рис-Могг"),
        # a one-syllable surname that is also a Russian word ("линь", "си")
        ("Представитель МИД КНР Линь Цзянь подчеркнул важность переговоров.", "Линь Цзянь"),
        ("Председатель КНР Си Цзиньпин прибыл в Москву.", "Си Цзиньпин"),
    ],
)
def test_canonical_name_is_nominative(extract, body, expected):
    assert expected in names(extract(body))


@pytest.mark.parametrize(
    ("body", "expected", "absent"),
    [
        (
            "Кирилл Дмитриев прилетел в Эр-Рияд. Дмитриев заявил, что переговоры идут.",
            "Кирилл Дмитриев",
            {"Дмитриев"},
        ),
        (
            "Владимир Путин провел совещание. Решение Путина поддержали министры.",
            "Владимир Путин",
            {"Путин", "Путина"},
        ),
        (
            "Президент Беларуси Александр Лукашенко посетил Солигорск. Александр Григорьевич осмотрел"
            " рудник.",
            "Александр Лукашенко",
            {"Александр Григорьевич"},
        ),
        (
            "ГМК «Норильский никель» снизила прогноз. Акции Норникеля упали.",
            "Норникель",
            {"ГМК Норильский никель", "Норильский никель"},
        ),
        (
            "Минфин США ввел санкции. Министерство финансов США опубликовало список.",
            "Минфин США",
            {"Министерство финансов США"},
        ),
        (
            "В МИД РФ ответили на вопросы. Министерство иностранных дел России также сообщило о встрече."
            " Позже МИД России опубликовал заявление.",
            "МИД России",
            {"МИД РФ", "Министерство иностранных дел России"},
        ),
        ("США ввели пошлины. Соединенные Штаты также пригрозили санкциями.", "США", {"Соединенные Штаты"}),
        (
            "Правительство Соединенного Королевства заявило о выходе. Соединенное Королевство покинет союз.",
            "Великобритания",
            {"Соединенное Королевство", "Соединенного Королевство"},
        ),
        ("ЕС обсудил бюджет. Евросоюз намерен увеличить расходы.", "ЕС", {"Евросоюз"}),
        ("Делегация Российской Федерации прибыла в Женеву. РФ представила план.", "Россия", {"РФ"}),
        (
            "Российский фонд прямых инвестиций (РФПИ) вложил средства. РФПИ доволен.",
            "РФПИ",
            {"Российский фонд прямых инвестиций"},
        ),
        (
            "Встреча прошла в Центральной Азии. Страны ЦА договорились о сотрудничестве.",
            "Центральная Азия",
            {"ЦА"},
        ),
        ("Тереза Мэй выступила в парламенте. Мэй не стала комментировать слухи.", "Тереза Мэй", {"Мэй"}),
        (
            "МИД Британии заявил о протесте. МИД Великобритании вызвал посла.",
            "МИД Великобритании",
            {"МИД Британии"},
        ),
    ],
)
def test_mentions_merge_into_one_actor(extract, body, expected, absent):
    found = canonical_names(extract(body))
    assert expected in found
    assert not found & absent


def test_merged_actor_keeps_aliases_and_counts(extract):
    extraction = extract("Кирилл Дмитриев прилетел в Эр-Рияд. Дмитриев заявил, что переговоры идут.")
    [actor] = [a for a in extraction.actors if a.name == "Кирилл Дмитриев"]
    assert actor.type == "PER"
    assert actor.mentions == 2
    assert "Дмитриев" in actor.aliases


@pytest.mark.parametrize(
    ("body", "junk"),
    [
        ("Читайте также: новые санкции против Ирана вступили в силу.", "Читайте"),
        ("Об этом говорится в Telegram-канале Минэнерго.", "Telegram-канале"),
        ("ПАО «Норникель» (далее — «Компания») сообщило о росте добычи.", "Компания"),
        ("Экспорт РЗМ из Китая вырос.", "РЗМ"),
        ("Редкоземы стали главным козырем Китая.", "Редкоземы"),
        ("После встречи в Москве стороны подписали договор.", "После"),
        ("Как сообщают в Госдепе, инициатором Диалогам по минералам стал Джо Байден.", "Диалогам"),
        ("Христианка Асия Биби покинула Пакистан.", "Христианка Асия Биби"),
    ],
)
def test_junk_spans_are_dropped(extract, body, junk):
    assert junk not in names(extract(body))


@pytest.mark.parametrize(
    ("body", "speaker", "needle"),
    [
        (
            "Президент России Владимир Путин провел переговоры. Президент России также заявил, что сделка"
            " возможна.",
            "Владимир Путин",
            "также заявил",
        ),
        (
            "Министр иностранных дел России Сергей Лавров прибыл в Анкару. Министр иностранных дел России"
            " сообщил, что переговоры завершены.",
            "Сергей Лавров",
            "сообщил, что переговоры",
        ),
    ],
)
def test_title_resolves_to_the_person_named_with_it(extract, body, speaker, needle):
    extraction = extract(body)
    [statement] = [s for s in extraction.statements if needle in s.text]
    assert statement.speaker is not None and statement.speaker.name == speaker
    assert speaker in {a.name for a in statement.actors}
    [actor] = [a for a in extraction.actors if a.name == speaker]
    assert actor.mentions == 2  # the title counts as a mention


def test_title_never_named_stays_unresolved(extract):
    extraction = extract("Президент Франции заявил, что сделка возможна.")
    [statement] = extraction.statements
    assert statement.speaker is None


def test_names_the_tagger_missed_are_recovered(extract):
    # natasha misses the headline's "Путин"; the article names him elsewhere
    extraction = extract("Владимир Путин прибыл в Анкару.", title="Путин встретился с Трампом")
    [actor] = [a for a in extraction.actors if a.name == "Владимир Путин"]
    assert actor.mentions == 2


def test_foreign_name_loses_the_russian_word_before_it(extract):
    found = names(
        extract(
            "Бортпроводники Ryanair объявили забастовку. Компания Ryanair Holdings отменила рейсы."
            " Ryanair извинилась."
        )
    )
    assert "Ryanair" in found
    assert not found & {"Бортпроводники Ryanair", "Ryanair Holdings"}


def test_dateline_capitals_are_not_the_name(extract):
    assert "Москва" in names(extract("МОСКВА, 5 ноября. Переговоры в Москве продолжились."))


def test_spelling_variants_merge(extract):
    found = names(extract("Тереза Мей приехала в Брюссель. Тереза Мэй выступила с речью."))
    assert len(found & {"Тереза Мей", "Тереза Мэй"}) == 1


def test_empty_and_blank_bodies(extract):
    for body in ("", "  \n\n  ", "«»"):
        extraction = extract(body)
        assert extraction.actors == [] and extraction.statements == []


def test_canonical_names_are_stable_across_articles(extract):
    one = canonical_names(extract("Кирилл Дмитриев заявил, что МИД РФ в курсе. Об этом сообщили в Москве."))
    two = canonical_names(
        extract(
            "Глава РФПИ Кирилл Дмитриев встретился с представителями Министерства иностранных дел России."
        )
    )
    assert {"Кирилл Дмитриев", "МИД России"} <= one & two


def test_title_entities_are_actors_and_offsets_stay_in_body(extract):
    body = "Кирилл Дмитриев заявил, что переговоры идут."
    extraction = extract(body, title="Переговоры с Трампом в Москве")
    assert {"Трамп", "Москва", "Кирилл Дмитриев"} <= names(extraction)
    for s in extraction.statements:
        assert body[s.start : s.end] == s.text


@pytest.mark.parametrize(
    ("body", "name", "canonical"),
    [
        # the article's own form is the name; the canonical one links articles in the store
        ("Британия покинет союз. Власти Британии готовят закон.", "Британия", "Великобритания"),
        ("Евросоюз ввел пошлины. Решение Евросоюза вступит в силу в мае.", "Евросоюз", "ЕС"),
        (
            "Министерство иностранных дел России выступило с заявлением.",
            "Министерство иностранных дел России",
            "МИД России",
        ),
        # when the article uses the canonical form, that is its name too
        ("Великобритания и Британия: Великобритания покинет союз.", "Великобритания", "Великобритания"),
        ("США и Китай договорились о поставках меди.", "США", "США"),
        # persons keep the full name the article gives
        ("Кирилл Дмитриев прилетел. Дмитриев заявил, что доволен.", "Кирилл Дмитриев", "Кирилл Дмитриев"),
    ],
)
def test_name_as_the_article_gives_it_and_canonical_name(extract, body, name, canonical):
    [actor] = [a for a in extract(body).actors if a.canonical_name == canonical]
    assert actor.name == name
    assert actor.canonical == (None if name == canonical else canonical)


@pytest.mark.parametrize(
    ("body", "name", "canonical"),
    [
        # a surname alone links to the one office holder who bears it, so the store has one row
        ("В Кремле Путин провел совещание по добыче лития.", "Путин", "Владимир Путин"),
        ("Песков сообщил, что Путин в курсе.", "Путин", "Владимир Путин"),
        # a surname no office holder bears stays as it is
        ("Иванов провел совещание по добыче лития.", "Иванов", None),
        # the article's full name wins
        ("Владимир Путин провел совещание. Путин заявил, что доволен.", "Владимир Путин", None),
    ],
)
def test_surname_alone_links_to_the_office_holder(extract, body, name, canonical):
    [actor] = [a for a in extract(body).actors if a.name == name]
    assert actor.canonical == canonical


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "АСТАНА. КАЗИНФОРМ – Национальная атомная компания «Казатомпром» увеличила добычу урана.",
            {("Астана", "LOC"), ("Казинформ", "ORG"), ("Казатомпром", "ORG")},
        ),
        (
            "БИШКЕК, 14 ноября — Кабар. Министр экономики Данияр Амангельдиев заявил о росте добычи.",
            {("Бишкек", "LOC"), ("Кабар", "ORG"), ("Данияр Амангельдиев", "PER")},
        ),
        (
            "МИНСК, 3 октября (БелТА) – Беларусь увеличит добычу калия.",
            {("Минск", "LOC"), ("БелТА", "ORG"), ("Беларусь", "LOC")},
        ),
    ],
)
def test_dateline_city_is_a_place_and_its_agency_an_organisation(extract, body, expected):
    extraction = extract(body)
    assert {(a.name, a.type) for a in extraction.actors} == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Удары пришлись по объектам в Харьковской и Полтавской областях.",
            {"Харьковская область", "Полтавская область"},
        ),
        ("Сумская и Черниговская области пострадали от ударов.", {"Сумская область", "Черниговская область"}),
        ("Добыча алмазов идет в Мирнинском и Анабарском районах.", {"Мирнинский район", "Анабарский район"}),
    ],
)
def test_coordinated_names_share_their_noun(extract, body, expected):
    assert expected <= names(extract(body))


def test_a_plural_adjective_alone_is_not_a_place(extract):
    assert "Пакистанские исламисты" not in names(extract("Пакистанские исламисты потребовали казни."))


def test_a_span_trimmed_to_nothing_has_no_shared_head():
    from orewatch_extractor.actors import _with_shared_head

    assert _with_shared_head([], []) == []


NO_TEXT = Analysis(text="", tokens=[], spans=[], sents=[])


@pytest.mark.parametrize(
    ("orgs", "expected"),
    [
        # a name absorbed by a longer one is no candidate for a shorter one: "Vale" would
        # otherwise pick the emptied "Vale Resources" (max() of no names)
        (["Vale Resources", "Swiss Vale Resources", "Vale"], {"Swiss Vale Resources", "Vale"}),
        (["Swiss Vale Resources", "Vale Resources", "Vale"], {"Swiss Vale Resources", "Vale"}),
        (["Банк развития", "Азиатский банк развития", "Банк"], {"Азиатский банк развития", "Банк"}),
        # joined before its own target is absorbed, the short name goes along with it (and the
        # article's most frequent form names them: "Ryanair" for "Ryanair Holdings")
        (["Vale", "Vale Resources", "Swiss Vale Resources"], {"Vale Resources"}),
        (["Банк", "Банк развития"], {"Банк развития"}),
    ],
)
def test_an_absorbed_organisation_is_no_merge_target(extractor, mentions_of, orgs, expected):
    entities = extractor.merger.merge(NO_TEXT, mentions_of("ORG", *orgs))
    assert {e.name for e in entities} == expected


def test_a_shorter_name_after_an_absorbed_one_does_not_fail(extract):
    body = (
        "Компания Zenit Resources сообщила о росте добычи. Акции Swiss Zenit Resources выросли."
        " Zenit заявила, что продаст рудник."
    )
    assert names(extract(body)) == {"Swiss Zenit Resources", "Zenit"}


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # NER reads the text whole and runs a name on across the line break
        ("Мэй встретилась с Джонсоном", "Туск заявил, что переговоры продолжатся.", {"Джонсон", "Туск"}),
        ("Переговоры провел Кирилл Дмитриев", "Песков заявил, что встреча прошла.", {"Кирилл Дмитриев"}),
        (None, "Меркель встретилась с Макроном\nТуск заявил, что переговоры идут.", {"Макрон", "Туск"}),
    ],
)
def test_a_name_never_crosses_a_sentence(extract, title, body, expected):
    found = names(extract(body, title=title))
    assert expected <= found
    assert not any("\n" in name or len(name.split()) > 2 for name in found)


@pytest.mark.parametrize(
    ("body", "canonical", "shown"),
    [
        # one span "Совета ЕС", and "Совет" + "Европейского союза" joined with the union it names
        (
            "Председатель Совета ЕС выступил в Брюсселе. Совет Европейского союза принял решение.",
            "Совет ЕС",
            "Совет Европейского союза",
        ),
        (
            "Глава Совета ЕС прибыл в Киев. Затем Совет Европейского союза утвердил сроки.",
            "Совет ЕС",
            "Совет Европейского союза",
        ),
        (
            "Представитель Госдепа США выступил. Позже Госдеп Соединенных Штатов подтвердил это.",
            "Госдеп США",
            None,
        ),
    ],
)
def test_an_organisation_and_its_country_are_one_actor_however_split(extract, body, canonical, shown):
    orgs = [a for a in extract(body).actors if a.type == "ORG"]
    assert [a.canonical_name for a in orgs] == [canonical]
    assert orgs[0].name == (shown or canonical)


def keys_of(entity: Entity) -> tuple[tuple[str, str, str], ...]:
    return ("canonical", entity.name, entity.type), ("name", entity.shown, entity.type)


@pytest.mark.parametrize(
    ("entities", "pointing", "expected", "owners"),
    [
        # nothing shared: the entities as they are
        (
            [Entity("ЕС", "ORG", "ес", mentions=2), Entity("ЕС", "LOC", "ес", mentions=1)],
            [0, 0, 1],
            [("ЕС", "ORG", [], 2), ("ЕС", "LOC", [], 1)],
            [0, 0, 1],
        ),
        # one canonical name: one actor, named as the most mentioned, the other's name an alias
        (
            [
                Entity("Совет ЕС", "ORG", "совет ес", mentions=1),
                Entity("ЕС", "ORG", "ес", mentions=2),
                Entity("Совет ЕС", "ORG", "совет ес", ["Совет Европы"], 2, display="Совет Евросоюза"),
            ],
            [0, 1, 1, 2, 2],
            [("Совет Евросоюза", "ORG", ["Совет ЕС", "Совет Европы"], 3), ("ЕС", "ORG", [], 2)],
            [0, 1, 1, 0, 0],
        ),
        # keys shared in a chain: "Британия" as written for two canonical names, one of them
        # also another entity's
        (
            [
                Entity("Великобритания", "LOC", "великобритания", mentions=1, display="Британия"),
                Entity("Англия", "LOC", "англия", mentions=1),
                Entity("Британия", "LOC", "британия", mentions=1),
                Entity("Англия", "LOC", "англия", mentions=1, display="Британия"),
            ],
            [0, 1, 2, 3],
            [("Британия", "LOC", ["Англия"], 4)],
            [0, 0, 0, 0],
        ),
    ],
)
def test_entities_sharing_a_key_become_one(entities, pointing, expected, owners):
    mentions = [Mention(i, i, entities[e].type, "", entity=e) for i, e in enumerate(pointing)]
    united = one_actor_per_key(entities, mentions, keys_of)
    assert [(e.shown, e.type, e.aliases, e.mentions) for e in united] == expected
    assert [m.entity for m in mentions] == owners
