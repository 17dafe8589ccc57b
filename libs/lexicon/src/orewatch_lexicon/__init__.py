"""orewatch's rule files and its speech lexicon: knowledge as data, one item a line, read by
the cleaner and the extractor. A library: no entry points, no natasha."""

from orewatch_lexicon.rules import (
    Check,
    LemmaRule,
    PatternRule,
    Rule,
    RuleFileError,
    RuleFileSpec,
    RuleSet,
    WordRule,
    packaged,
    parse_rules,
    plain_words,
    read_rules,
)
from orewatch_lexicon.speech import (
    Gender,
    Item,
    LexiconError,
    LightVerb,
    Section,
    SpeechLexicon,
    alternation,
    load_lexicon,
    parse_lexicon,
)
from orewatch_lexicon.stemming import past_stem, stem, verb_stem

__all__ = [
    "Check",
    "Gender",
    "Item",
    "LemmaRule",
    "LexiconError",
    "LightVerb",
    "PatternRule",
    "Rule",
    "RuleFileError",
    "RuleFileSpec",
    "RuleSet",
    "Section",
    "SpeechLexicon",
    "WordRule",
    "alternation",
    "load_lexicon",
    "packaged",
    "parse_lexicon",
    "parse_rules",
    "past_stem",
    "plain_words",
    "read_rules",
    "stem",
    "verb_stem",
]
