"""The speech lexicon's file: its structure, and the errors a bad line gets (file:line)."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from orewatch_lexicon import (
    Check,
    LexiconError,
    Section,
    alternation,
    load_lexicon,
    parse_lexicon,
    past_stem,
    verb_stem,
)

HEADER = 'version: "1"\nitems:\n'
GOOD = '- {section: verbs, lemma: заявить, example: "Он заявил.", not: "Он ушел."}\n'


def lexicon_with(*lines: str) -> str:
    """A file with one good item of every section, then `lines` (from line 2 + sections + 1)."""
    items = [
        f'- {{section: {s}, lemma: x{k}, {_value(s)}example: "e", not: "n"}}\n' for k, s in enumerate(Section)
    ]
    return HEADER + "".join(items) + "".join(lines)


def _value(section: Section) -> str:
    field = {
        Section.LIGHT_VERBS: "partner: p",
        Section.PRONOUNS: "gender: Masc",
        Section.KIND_FAMILIES: "family: f",
        Section.MEMBERS: "body: b",
        Section.TITLE_SYNONYMS: "title: t",
        Section.TITLE_EQUIVALENTS: "title: t",
        Section.TITLE_CONTRACTIONS: "expansion: e",
    }.get(section)
    return f"{field}, " if field else ""


FIRST_EXTRA_LINE = 2 + len(Section) + 1


def test_the_packaged_lexicon_loads_once_per_process():
    lex = load_lexicon()
    assert lex is load_lexicon()
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", lex.version)
    assert {item.section for item in lex.items} == set(Section)


def test_a_minimal_file_with_every_section_loads():
    lex = parse_lexicon(lexicon_with(GOOD))
    assert "заявить" in lex.lemmas(Section.VERBS)
    assert lex.values(Section.PRONOUNS) == {f"x{list(Section).index(Section.PRONOUNS)}": "Masc"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '- {section: verb, lemma: заявить, example: "Он заявил.", not: "Он ушел."}\n',
            "unknown section 'verb' (did you mean 'verbs'?)",
        ),
        (
            '- {section: verbs, lema: заявить, example: "Он заявил.", not: "Он ушел."}\n',
            "lemma: Field required; unknown field 'lema'",
        ),
        (
            '- {section: verbs, lemma: заявить, example: "Он заявил.", not: "Он ушел.", partner: x}\n',
            "unknown field 'partner'",
        ),
        ('- {section: verbs, lemma: заявить, not: "Он ушел."}\n', "example: Field required"),
        ('- {section: verbs, lemma: заявить, example: "Он заявил."}\n', "not: Field required"),
        ('- {section: verbs, lemma: заявить, example: "", not: "Он ушел."}\n', "example: String should have"),
        (
            '- {section: verbs, lemma: Заявить, example: "Он заявил.", not: "Он ушел."}\n',
            "lemma: Value error",
        ),
        (
            '- {section: verbs, lemma: заявлёть, example: "Он заявил.", not: "Он ушел."}\n',
            "lemma: Value error",
        ),
        (
            '- {section: pronouns, lemma: он, gender: Neut, example: "Он заявил.", not: "Вы ушли."}\n',
            "gender: Input should be 'Masc' or 'Fem'",
        ),
        ('- {section: light_verbs, lemma: дать, example: "Дал понять.", not: "Дал."}\n', "partner: Field"),
        (
            '- {section: verbs, lemma: заявить, lemma: сказать, example: "Он заявил.", not: "Он ушел."}\n',
            "field 'lemma' given twice",
        ),
        ("- заявить\n", "an item is a mapping"),
        (
            '- {section: verbs, lemma: заявить,\n   example: "Он заявил.", not: "Он ушел."}\n',
            "an item is one line",
        ),
    ],
)
def test_a_bad_item_is_refused_with_its_line(line: str, message: str):
    with pytest.raises(LexiconError) as raised:
        parse_lexicon(lexicon_with(GOOD, line))
    assert str(raised.value).startswith(f"speech.yaml:{FIRST_EXTRA_LINE + 1}: {message}"), str(raised.value)
    assert raised.value.line == FIRST_EXTRA_LINE + 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (GOOD, "duplicate item in verbs: заявить (line {first})"),
        (
            '- {section: verbs, lemma: заявить, example: "Заявил он.", not: "Ушел он."}\n',
            "duplicate item in verbs: заявить (line {first})",
        ),
    ],
)
def test_an_item_twice_in_its_section_is_refused(line: str, message: str):
    with pytest.raises(LexiconError) as raised:
        parse_lexicon(lexicon_with(GOOD, line))
    expected = message.format(first=FIRST_EXTRA_LINE)
    assert str(raised.value) == f"speech.yaml:{FIRST_EXTRA_LINE + 1}: {expected}"


def test_one_lemma_may_be_in_several_sections_and_a_light_verb_with_several_partners():
    lex = parse_lexicon(
        lexicon_with(
            GOOD,
            '- {section: weak_verbs, lemma: заявить, example: "Он заявил.", not: "Он ушел."}\n',
            '- {section: light_verbs, lemma: дать, partner: понять, example: "Дал понять.", not: "Ушел."}\n',
            '- {section: light_verbs, lemma: дать, partner: знать, example: "Дал знать.", not: "Ушел."}\n',
        )
    )
    assert "заявить" in lex.lemmas(Section.WEAK_VERBS)
    assert lex.light_verbs()["дать"] == frozenset({"понять", "знать"})


def test_an_empty_section_is_refused():
    text = HEADER + GOOD
    with pytest.raises(LexiconError, match=r"^speech\.yaml:2: sections with no item: \['weak_verbs'"):
        parse_lexicon(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('version: "1"\nitem:\n' + GOOD, "speech.yaml:2: unknown key 'item': only version and items"),
        ("version: 1\nitems:\n" + GOOD, "speech.yaml:1: `version` must be a quoted string"),
        ('version: "1"\n', "speech.yaml:1: `items` must be a list, one item a line"),
        ('version: "1"\nitems:\n- {section: verbs, lemma: [\n', "speech.yaml:4: "),
        ("- {section: verbs}\n", "speech.yaml:1: the file is a mapping with `version` and `items`"),
    ],
)
def test_a_malformed_file_is_refused_with_a_line(text: str, message: str):
    with pytest.raises(LexiconError) as raised:
        parse_lexicon(text)
    assert str(raised.value).startswith(message), str(raised.value)


def test_every_line_of_the_packaged_file_is_a_comment_or_one_item():
    text = resources.files("orewatch_lexicon").joinpath("data", "speech.yaml").read_text("utf-8")
    lines = text.splitlines()
    assert (
        lines.index("items:") == lines.index(next(line for line in lines if line.startswith("version:"))) + 1
    )
    body = lines[lines.index("items:") + 1 :]
    items = [line for line in body if line.strip() and not line.startswith("#")]
    assert all(line.startswith("- {") and line.endswith("}") for line in items)
    assert len(items) == len(load_lexicon().items)


def test_every_section_is_explained_by_a_comment_before_its_first_item():
    text = resources.files("orewatch_lexicon").joinpath("data", "speech.yaml").read_text("utf-8")
    lines = text.splitlines()
    for section in Section:
        first = next(k for k, line in enumerate(lines) if line.startswith(f"- {{section: {section},"))
        assert lines[first - 1].startswith("#"), section


def test_example_and_counter_example_differ():
    assert not [item for item in load_lexicon().items if item.example == item.not_]


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w-]*", text.lower())


def _starts_a_word(prefix: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(prefix)}", text.lower()) is not None


@pytest.mark.parametrize(
    "item",
    [item for item in load_lexicon().items if item.section.check is not Check.LEMMA],
    ids=lambda item: f"{item.section}:{item.lemma}",
)
def test_a_prefix_or_stem_item_begins_a_word_of_its_example_and_none_of_its_counter_example(item):
    """The sections matched on surface text (the lemma sections are checked with natasha in the
    extractor's tests)."""
    start = item.lemma if item.section.check is Check.PREFIX else verb_stem(item.lemma)
    assert _starts_a_word(start, item.example)
    assert not _starts_a_word(start, item.not_)


@pytest.mark.parametrize(
    ("lemma", "stem", "past"),
    [
        ("заявить", "заяв", "заявил"),
        ("подчеркнуть", "подчерк", "подчеркнул"),
        ("сказать", "сказ", "сказал"),
        ("обещать", "обещ", "обещал"),
        ("распорядиться", "распоряд", "распорядил"),
        ("повідомити", "повідом", None),
        ("розповісти", "розпов", None),
    ],
)
def test_stems_of_verbs(lemma: str, stem: str, past: str | None):
    assert verb_stem(lemma) == stem
    if past is not None:
        assert past_stem(lemma) == past


def test_a_past_stem_needs_an_infinitive():
    with pytest.raises(ValueError, match="infinitive"):
        past_stem("розповісти")


def test_an_alternation_is_longest_first_and_escaped():
    assert alternation(("сказать", "рассказать", "г-н"), lambda w: w) == "рассказать|сказать|г\\-н"
    assert alternation(frozenset({"сказать", "рассказать"})) == "рассказ|сказ"
