"""Text shapes: a dateline's city and agency, and sites named by their domain."""

from __future__ import annotations

import pytest
from orewatch_extractor.shapes import text_shapes


@pytest.mark.parametrize(
    ("text", "city", "agency"),
    [
        ("МОСКВА, 5 апреля. /ТАСС/. Компания сообщила", "МОСКВА", "/ТАСС/"),
        ("МИНСК, 3 октября (БелТА) – Завод", "МИНСК", "(БелТА)"),
        ("БИШКЕК, 14 ноября — Кабар. Завод", "БИШКЕК", "— Кабар"),
        ("АСТАНА. КАЗИНФОРМ – Национальная атомная компания", "АСТАНА", "КАЗИНФОРМ"),
        ("НУР-СУЛТАН, 2 мая 2019 г. – Завод", "НУР-СУЛТАН", None),
    ],
)
def test_dateline(text: str, city: str, agency: str | None) -> None:
    found = text_shapes().dateline.match(text)
    assert found is not None
    assert (found.group("city"), found.group("agency")) == (city, agency)


@pytest.mark.parametrize("text", ["Москва, 5 апреля. /ТАСС/.", "В МОСКВЕ прошло совещание", "ТАСС сообщает"])
def test_no_dateline(text: str) -> None:
    assert text_shapes().dateline.match(text) is None


@pytest.mark.parametrize(
    ("text", "sites"),
    [
        ("как пишет bbc.com, сделка", ["bbc.com"]),
        ("сообщает «Лента.ру»", ["Лента.ру"]),
        ("по данным meduza.io и rbc.ru", ["meduza.io", "rbc.ru"]),
        ("на https://example.com/news", []),  # inside a link
        ("пишите на press@nornik.ru", []),  # inside an address
        ("версия 2.0 вышла", []),
    ],
)
def test_site_domains(text: str, sites: list[str]) -> None:
    assert [m.group() for m in text_shapes().site_domain.finditer(text)] == sites
