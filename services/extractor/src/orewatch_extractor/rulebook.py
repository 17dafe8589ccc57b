"""The extractor's rule files, for the generic test that checks every example (tests/rules).

`RULE_FILES` maps each file under `data/` to the spec it is read with; `FINDERS` checks a
FINDER rule's example the way the extractor reads text: a mineral concept by running the
extractor on the sentence, a name by the alias table, an office term by the office table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import cache

from orewatch_common.contracts import CleanArticle, SourceKind
from orewatch_lexicon import Gender
from orewatch_lexicon.rules import Rule, RuleFileSpec, RuleSet

from orewatch_extractor import minerals, morphology, offices, shapes
from orewatch_extractor.morphology import CaseEnding, EndingSection, NameEndings
from orewatch_extractor.names import (
    ALIAS_FILE,
    ALIAS_SPEC,
    AliasSection,
    AliasTable,
    CountryRule,
    NameWord,
    OrganisationRule,
    norm_key,
)

RULE_FILES: Mapping[str, RuleFileSpec] = {
    minerals.FILE_NAME: minerals.SPEC,
    offices.FILE_NAME: offices.SPEC,
    ALIAS_FILE: ALIAS_SPEC,
    morphology.FILE_NAME: morphology.SPEC,
    shapes.FILE_NAME: shapes.SPEC,
}


@cache
def _extractor() -> object:
    from orewatch_extractor.core import Extractor  # loads natasha: only when a finder runs

    return Extractor()


def _article(body: str) -> CleanArticle:
    return CleanArticle(
        article_id="r" * 32,
        source_kind=SourceKind.FILE,
        source_uri="rulebook.txt",
        source_name="rulebook",
        fetched_at=datetime(2026, 12, 1, tzinfo=UTC),
        raw_sha256="0" * 64,
        body=body,
    )


def finds_mineral(rules: RuleSet, rule: Rule, text: str) -> bool:
    """The extractor, run on `text` as an article body, reports the rule's concept."""
    from orewatch_extractor.core import Extractor

    assert isinstance(rule, minerals.Concept)
    extractor = _extractor()
    assert isinstance(extractor, Extractor)
    return rule.concept in {m.key for m in extractor.extract(_article(text)).minerals}


def names_holder(rules: RuleSet, rule: Rule, text: str) -> bool:
    """On the day `text` (ISO), the office the rule describes names the rule's holder."""
    assert isinstance(rule, offices.TermRule)
    table = offices.Offices(rules)
    return rule.holder in table.holders(rule.country, rule.titles[0], date.fromisoformat(text))


def _same_actor(table: AliasTable, name: str, text: str) -> bool:
    known = table.get(name)
    return known is not None and table.get(text) == known


def _first_word(text: str) -> str:
    return text.split()[0] if text.split() else ""


def names_alias(rules: RuleSet, rule: Rule, text: str) -> bool:
    """`text` names the rule's actor (a country, an organisation), or is what a word rule
    looks for: a junk span whole, an indeclinable body as written."""
    table = AliasTable(rules)
    if isinstance(rule, CountryRule):
        return _same_actor(table, rule.name or rule.aliases[0], text)
    if isinstance(rule, OrganisationRule):
        return _same_actor(table, rule.name, text)
    assert isinstance(rule, NameWord)
    if rule.section is AliasSection.JUNK:
        return norm_key(text) == norm_key(rule.word) or norm_key(_first_word(text)).split("-")[0] == rule.word
    return any(norm_key(word) == norm_key(rule.word) for word in text.split())


def _answers(table: NameEndings, section: EndingSection, word: str) -> bool:
    """The yes/no question a section of name_endings.yaml answers about one word."""
    questions: Mapping[EndingSection, Callable[[str], bool]] = {
        EndingSection.FEMININE_SURNAMES: lambda w: table.surname_gender(w) is Gender.FEM,
        EndingSection.MASCULINE_SURNAMES: lambda w: table.surname_gender(w) is Gender.MASC,
        EndingSection.FEMININE_FIRST_NAMES: table.feminine_first_name,
        EndingSection.PATRONYMICS: table.patronymic,
        EndingSection.PLACE_ADJECTIVES: table.place_adjective,
    }
    return questions[section](word)


def reads_the_ending(rules: RuleSet, rule: Rule, text: str) -> bool:
    """`text` ends with the rule's ending and the extractor's table reads it by that ending:
    its question says yes, or its case ending gives way to the rule's nominative."""
    assert isinstance(rule, morphology.Ending)
    if not text.lower().endswith(rule.ending):
        return False
    table = NameEndings(rules)
    if not isinstance(rule, CaseEnding):
        return _answers(table, rule.section, text)
    wanted = text[: -len(rule.ending)] + rule.nominative
    return any(table.nominative(rule.section, text, case) == wanted for case in rule.cases or (None,))


def credits_an_agency(rules: RuleSet, rule: Rule, text: str) -> bool:
    """`text` opens with a dateline that, read with the rule's signature alone, credits an
    agency (not merely a city and a dash)."""
    found = rules.compile(rule.section, (rule.fragment(),)).match(text)
    return found is not None and bool(found.group("agency"))


FINDERS: Mapping[str, Callable[[RuleSet, Rule, str], bool]] = {
    minerals.FILE_NAME: finds_mineral,
    offices.FILE_NAME: names_holder,
    ALIAS_FILE: names_alias,
    morphology.FILE_NAME: reads_the_ending,
    shapes.FILE_NAME: credits_an_agency,
}
