"""The rule-file reader on small files written here: sections, frames, headers and refusals."""

from __future__ import annotations

from enum import StrEnum

import pytest
from orewatch_lexicon import PatternRule, RuleFileError, RuleFileSpec, WordRule, parse_rules
from pydantic import BaseModel, ConfigDict


class Part(StrEnum):
    HEADINGS = "headings"
    WORDS = "words"


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hosts: tuple[str, ...]


SPEC = RuleFileSpec(
    sections=Part,
    default=PatternRule,
    models={Part.WORDS: WordRule},
    frames={Part.HEADINGS: r"^\s*(?:{})\s*:?\s*$"},
    header=Site,
)
GOOD = """version: "1"
hosts: [example.ru]
items:
- {section: headings, pattern: "похожие новости", example: "Похожие новости:", not: "Похожие новости о меди"}
- {section: headings, pattern: "по теме", example: "По теме", not: "Написал по теме"}
- {section: words, word: "т.е.", example: "медь, т.е. металл", not: "медь, т.к. металл"}
"""


def test_a_file_loads_with_its_header_and_rules_in_file_order() -> None:
    rules = parse_rules(GOOD, "site.yaml", SPEC)
    assert rules.version == "1"
    assert rules.header == Site(hosts=("example.ru",))
    assert [rule.key for rule in rules.of(Part.HEADINGS)] == [("похожие новости",), ("по теме",)]
    assert rules.fragments(Part.WORDS) == (r"т\.е\.",)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Похожие новости", True),
        ("  ПО ТЕМЕ:  ", True),  # the frame allows spaces and a colon; flags ignore case
        ("Похожие новости о меди", False),  # the frame holds the whole line
        ("По теме меди", False),
    ],
)
def test_a_section_is_one_alternation_in_its_frame(text: str, found: bool) -> None:
    rules = parse_rules(GOOD, "site.yaml", SPEC)
    assert (rules.regex(Part.HEADINGS).search(text) is not None) is found


def test_one_rule_alone_is_tried_in_its_frame() -> None:
    rules = parse_rules(GOOD, "site.yaml", SPEC)
    first, second = rules.of(Part.HEADINGS)
    assert rules.accepts(first, "Похожие новости")
    assert not rules.accepts(second, "Похожие новости")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '- {section: headings, pattern: "(", example: "a", not: "b"}',
            "site.yaml:6: pattern: Value error, not a",
        ),
        (
            '- {section: heading, pattern: "a", example: "a", not: "b"}',
            "site.yaml:6: unknown section 'heading' (did",
        ),
        ('- {section: words, word: "a", exmple: "a", not: "b"}', "site.yaml:6: example: Field required"),
        (
            '- {section: words, word: "a", example: "a", not: "b", why: "c"}',
            "site.yaml:6: unknown field 'why'",
        ),
        (
            '- {section: headings, pattern: "по теме", example: "a", not: "b"}',
            "site.yaml:6: duplicate item in headings",
        ),
    ],
)
def test_a_bad_rule_is_refused_with_its_file_and_line(line: str, message: str) -> None:
    with pytest.raises(RuleFileError) as refused:
        parse_rules(GOOD.rstrip("\n").rsplit("\n", 1)[0] + "\n" + line + "\n", "site.yaml", SPEC)
    assert str(refused.value).startswith(message), str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("hosts: [example.ru]", "host: [example.ru]"), "site.yaml:2: unknown key 'host'"),
        (GOOD.replace("hosts: [example.ru]", "hosts: 3"), "site.yaml:1: hosts: Input should be a valid"),
        (GOOD.replace('version: "1"', "version: 1"), "site.yaml:1: `version` must be a quoted string"),
    ],
)
def test_a_bad_header_is_refused(text: str, message: str) -> None:
    with pytest.raises(RuleFileError) as refused:
        parse_rules(text, "site.yaml", SPEC)
    assert str(refused.value).startswith(message), str(refused.value)


def test_a_spec_may_require_every_section() -> None:
    only_headings = "\n".join(line for line in GOOD.splitlines() if "words" not in line)
    assert parse_rules(only_headings, "site.yaml", SPEC).of(Part.WORDS) == ()
    strict = RuleFileSpec(Part, PatternRule, {Part.WORDS: WordRule}, header=Site, every_section=True)
    with pytest.raises(RuleFileError, match="sections with no item: \\['words'\\]"):
        parse_rules(only_headings, "site.yaml", strict)
