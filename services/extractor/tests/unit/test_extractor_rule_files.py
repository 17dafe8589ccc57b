"""The extractor's rule files refuse a typo at load, with the file and line."""

from __future__ import annotations

import pytest
from orewatch_extractor import minerals, offices
from orewatch_extractor.names import ALIAS_SPEC
from orewatch_lexicon import RuleFileError, RuleFileSpec, parse_rules

GOLD = (
    "{section: concepts, concept: gold, name: золото, category: precious, patterns: [золото],"
    ' example: "Банк купил золото.", not: "Сборная взяла золото."}'
)
CASES = [
    ("a category not in the list", GOLD.replace("precious", "shiny"), minerals.SPEC, "category"),
    (
        "a pattern opening on an optional slot",
        GOLD.replace("[золото]", '["золото? слиток"]'),
        minerals.SPEC,
        "starts with an optional slot",
    ),
    (
        "a misspelt field",
        GOLD.replace("exclude", "x").replace("patterns:", "paterns:"),
        minerals.SPEC,
        "unknown field 'paterns'",
    ),
    ("an uppercase veto", GOLD.replace("}", ", exclude: [Медаль]}"), minerals.SPEC, "lowercase"),
    ("a concept given twice", GOLD + "\n- " + GOLD, minerals.SPEC, "duplicate item in concepts: gold"),
    (
        "a term without its holder",
        "{section: terms, country: США, titles: [президент], from: 2025-01-20,"
        ' example: "2025-02-01", not: "2024-01-01"}',
        offices.SPEC,
        "holder",
    ),
    (
        "a country code in lowercase",
        '{section: countries, code: ru, aliases: [РФ], example: "РФ", not: "Румыния"}',
        ALIAS_SPEC,
        "code",
    ),
]


@pytest.mark.parametrize(("what", "item", "spec", "message"), CASES, ids=[case[0] for case in CASES])
def test_a_malformed_item_fails_at_load_with_its_line(
    what: str, item: str, spec: RuleFileSpec, message: str
) -> None:
    text = f'version: "1"\nitems:\n- {item}\n'
    with pytest.raises(RuleFileError) as refused:
        parse_rules(text, "rules.yaml", spec)
    last_line = 3 + item.count("\n")  # the refused item is the last one
    assert str(refused.value).startswith(f"rules.yaml:{last_line}: ")
    assert message in str(refused.value)
