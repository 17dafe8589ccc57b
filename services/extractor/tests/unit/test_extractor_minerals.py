"""Minerals: gazetteer concepts matched on lemmas, with the precision traps."""

from __future__ import annotations

import pytest


def keys(extraction) -> set[str]:
    return {m.key for m in extraction.minerals}


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("Стороны обсудили добычу редкоземельных металлов.", "rare_earths"),
        ("Мы начали дискуссии о различных редкоземельных металлах.", "rare_earths"),
        ("Китай контролирует рынок редкоземельных элементов.", "rare_earths"),
        ("Месторождения редких земель есть в Якутии.", "rare_earths"),
        ("Экспорт РЗМ вырос на треть.", "rare_earths"),
        ("Поставки СПГ в Европу выросли.", "natural_gas"),
        ("Редкоземельные месторождения разведаны не полностью.", "rare_earths"),
        ("Сотрудничество охватывает критически важные минералы.", "critical_minerals"),
        ("Добычу критических важных минералов обсудили в Астане.", "critical_minerals"),
        ("Речь шла о цепочках поставок критического сырья.", "critical_minerals"),
        ("Соглашение о добыче полезных ископаемых подписано.", "mineral_resources"),
        ("Россия предложила переработку минеральных ресурсов.", "mineral_resources"),
        ("Среди направлений — энергетика и углеводороды.", "hydrocarbons"),
        ("Индия прекратила покупать нефть у России.", "oil"),
        ("ЕС обсуждает нефтяное эмбарго.", "oil"),
        ("Санкции затронули российские нефтяные компании.", "oil"),
        ("Европа сократила закупки российского газа.", "natural_gas"),
        ("Цены на литий упали.", "lithium"),
        ("Кобальт и никель нужны для батарей.", "cobalt"),
        ("Кобальт и никель нужны для батарей.", "nickel"),
        ("Запасы меди в Чили огромны.", "copper"),
        ("Центробанк нарастил запасы золота.", "gold"),
        ("Экспорт угля сократился.", "coal"),
        ("Казахстан лидирует по добыче урана.", "uranium"),
        ("Поставки неодима и диспрозия зависят от Китая.", "neodymium"),
        ("Поставки неодима и диспрозия зависят от Китая.", "dysprosium"),
        ("Китай ограничил экспорт галлия и германия.", "gallium"),
        ("Китай ограничил экспорт галлия и германия.", "germanium"),
        ("Поставки индия и германия сократились.", "indium"),
    ],
)
def test_mineral_forms_match(extract, body, key):
    assert key in keys(extract(body))


@pytest.mark.parametrize(
    ("body", "absent"),
    [
        ("Газпром увеличил прибыль.", "natural_gas"),
        ("Норникель опубликовал отчет.", "nickel"),
        ("Уралкалий снизил производство.", "potash"),
        ("Спортсменка завоевала золотую медаль.", "gold"),
        ("Сборная взяла олимпийское золото.", "gold"),
        ("Об этом пишет газета «Ведомости».", "natural_gas"),
        ("Полиция применила слезоточивый газ.", "natural_gas"),
        ("Канцлер Германии прибыла в Париж.", "germanium"),
        ("Германия и Индия подписали договор о поставках.", "germanium"),
        ("Германия и Индия подписали договор о поставках.", "indium"),
        ("Экспорт в Индию и Германию вырос.", "indium"),
        ("Это был золотой век дипломатии.", "gold"),
        ("Сборная завоевала золотые медали, а биатлонисты — серебро.", "silver"),
        ("Нефть называют черным золотом.", "gold"),
        ("Продажи ГАЗ выросли.", "natural_gas"),
        ("Армию обвинили в применении белого фосфора.", "phosphate"),
    ],
)
def test_precision_traps_do_not_match(extract, body, absent):
    assert absent not in keys(extract(body))


def test_mineral_record_has_gazetteer_fields(extract):
    extraction = extract("Стороны обсудили добычу редкоземельных металлов и редкоземельные магниты.")
    [mineral] = [m for m in extraction.minerals if m.key == "rare_earths"]
    assert mineral.name == "редкоземельные металлы"
    assert mineral.category == "rare_earths"
    assert mineral.mentions == 2
    assert "редкоземельных металлов" in mineral.forms


def test_statement_lists_its_mineral_keys(extract):
    extraction = extract("Погода была хорошей. Индия прекратила покупать нефть и уголь.")
    [statement] = extraction.statements
    assert set(statement.minerals) == {"oil", "coal"}
    assert statement.speaker is None
