"""The rule files this package ships, for the generic test that checks every example.

Every package with a `data/` folder has a `rulebook` module like this one: `RULE_FILES` maps a
glob under `data/` to the spec its files are read with (tests/rules walks them all), and
`FINDERS` checks a FINDER rule's example the way the package reads words."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orewatch_lexicon import stemming
from orewatch_lexicon.rules import Rule, RuleFileSpec, RuleSet
from orewatch_lexicon.speech import FILE_NAME, SPEC


def strips_the_ending(rules: RuleSet, rule: Rule, text: str) -> bool:
    """The stemmer, with the file's endings, takes exactly the rule's ending off `text`: a
    word's case ending, or a verb's reflexive or (after it) infinitive ending."""
    ending = rule.key[0]
    section = stemming.EndingSection(rule.section)
    known = stemming.longest_first(rules, section)
    if section is stemming.EndingSection.ENDINGS:
        word = text.lower().replace("ё", "е")
        return word.endswith(ending) and stemming.strip_ending(text, known) == word[: -len(ending)]
    word = text
    if section is stemming.EndingSection.INFINITIVE:
        reflexive = stemming.longest_first(rules, stemming.EndingSection.REFLEXIVE)
        word = stemming.without_ending(text, reflexive)
    return word.endswith(ending) and stemming.without_ending(word, known) == word[: -len(ending)]


RULE_FILES: Mapping[str, RuleFileSpec] = {FILE_NAME: SPEC, stemming.FILE_NAME: stemming.SPEC}
FINDERS: Mapping[str, Callable[[RuleSet, Rule, str], bool]] = {stemming.FILE_NAME: strips_the_ending}
