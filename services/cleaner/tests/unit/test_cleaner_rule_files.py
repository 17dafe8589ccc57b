"""The cleaner's rule files and thresholds: a typo fails at start with the file and line."""

from __future__ import annotations

from dataclasses import replace

import pytest
from orewatch_cleaner.rulebook import FURNITURE_SPEC, FurnitureSection, generic_furniture
from orewatch_cleaner.thresholds import parse_thresholds, thresholds
from orewatch_common.contracts import RemovalReason
from orewatch_lexicon import RuleFileError, parse_rules
from orewatch_lexicon.rules import packaged

GOOD = '- {section: share, pattern: "код для вставки", example: "Код для вставки", not: "Код доступа"}'


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (GOOD.replace("share", "shrae"), "furniture.yaml:3: unknown section 'shrae' (did you mean 'share'?)"),
        (GOOD.replace("pattern", "patern"), "furniture.yaml:3: pattern: Field required; unknown field"),
        (GOOD.replace('"код для вставки"', '"код (для"'), "furniture.yaml:3: pattern: Value error"),
        (GOOD.replace(', not: "Код доступа"', ""), "furniture.yaml:3: not: Field required"),
        (
            GOOD.replace('"код для вставки"', '"фото (?:{news_agencis})"'),
            "furniture.yaml:3: pattern: Value error, {news_agencis} is not a list",
        ),
    ],
)
def test_a_typo_in_a_rule_fails_with_file_and_line(item: str, message: str) -> None:
    text = f'version: "1"\nitems:\n{item}\n'
    spec = replace(FURNITURE_SPEC, every_section=False)  # one item, not every section
    with pytest.raises(RuleFileError) as refused:
        parse_rules(text, "furniture.yaml", spec)
    assert str(refused.value).startswith(message)


def test_the_packaged_furniture_has_every_section() -> None:
    assert {rule.section for rule in generic_furniture().rules} == set(FurnitureSection)


def _thresholds_text() -> str:
    return packaged("orewatch_cleaner", "data", "thresholds.toml").read_text("utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("max_background_cuts = 2", "max_backgroud_cuts = 2", "tail.max_backgroud_cuts: Extra inputs"),
        ("max_lines = 8", "max_lines = 0", "header.max_lines: Input should be greater than 0"),
        ('"photo-credit", "source-credit"', '"photo-credits", "source-credit"', "header.reasons."),
    ],
)
def test_a_typo_in_the_thresholds_fails_with_its_key(old: str, new: str, message: str) -> None:
    text = _thresholds_text()
    assert old in text
    with pytest.raises(ValueError) as refused:
        parse_thresholds(text.replace(old, new, 1))
    assert message in str(refused.value) and str(refused.value).startswith("thresholds.toml: ")


def test_the_packaged_thresholds_order_the_openings_and_allow_header_reasons() -> None:
    loaded = thresholds()
    assert [o.reason for o in loaded.opening][:2] == [RemovalReason.ERROR_REPORT, RemovalReason.READ_ALSO]
    assert RemovalReason.TITLE not in loaded.header.reasons


def test_a_pattern_takes_a_list_whole() -> None:
    """`{news_agencies}` in a photo credit is the list of agencies, one a line in the file."""
    from orewatch_cleaner.furniture import GENERIC

    credit = next(o.opens for o in GENERIC.openings if o.reason == RemovalReason.PHOTO_CREDIT)
    assert credit.match("Фото — Reuters") and credit.match("Рудник в Норильске / ТАСС")
    assert not credit.match("Фото рудника сделали вчера.")
