"""orewatch's speech verbs and role nouns: one data file, one item a line, read by the cleaner
and the extractor. A library: no entry points, no natasha."""

from orewatch_lexicon.speech import (
    Check,
    Gender,
    Item,
    LexiconError,
    LightVerb,
    Section,
    SpeechLexicon,
    alternation,
    load_lexicon,
    parse_lexicon,
    past_stem,
    verb_stem,
)

__all__ = [
    "Check",
    "Gender",
    "Item",
    "LexiconError",
    "LightVerb",
    "Section",
    "SpeechLexicon",
    "alternation",
    "load_lexicon",
    "parse_lexicon",
    "past_stem",
    "verb_stem",
]
