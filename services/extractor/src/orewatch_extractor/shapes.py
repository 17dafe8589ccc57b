"""What the extractor knows about the shape of news text, one item a line in
`data/text_shapes.yaml`: how agencies sign a dateline, which top-level domains name a site,
how punctuation sets off direct speech, and where a sentence too long to parse at once may be
cut.

The frames below say how the items combine (an item is one alternative in its section's
frame); the items are the knowledge, and each carries an example and a counter-example."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, cached_property
from typing import ClassVar

from orewatch_lexicon.rules import Check, PatternRule, RuleFileSpec, RuleSet, WordRule, packaged, read_rules

FILE_NAME = "text_shapes.yaml"


class ShapeSection(StrEnum):
    DATELINE_AGENCIES = "dateline_agencies"
    SITE_DOMAINS = "site_domains"
    CLAUSE_ENDS = "clause_ends"
    CLAUSE_CONJUNCTIONS = "clause_conjunctions"
    SPEECH_AFTER_QUOTE = "speech_after_quote"
    AUTHOR_WORDS = "author_words"
    SPEECH_INTRODUCED = "speech_introduced"


class AgencySignature(PatternRule):
    """How an agency signs a dateline ("/ТАСС/", "(БелТА)", "— Кабар"); shown when the
    dateline read with this signature alone credits an agency."""

    check: ClassVar[Check] = Check.FINDER
    section: ShapeSection


class ShapeWord(WordRule):
    section: ShapeSection


class ShapePattern(PatternRule):
    section: ShapeSection


# The city in capitals, maybe the day, maybe the agency's signature, then a full stop or a
# dash: "МОСКВА, 5 апреля. /ТАСС/.", "АСТАНА. КАЗИНФОРМ –" (braces doubled for the frame)
DATELINE_FRAME = (
    r"\s*(?P<city>[А-ЯЁ]{{3,}}(?:[- ][А-ЯЁ]{{3,}})?)"
    r"(?:,\s*\d{{1,2}}\s+[а-яё]+\.?(?:\s+\d{{4}}(?:\s*г\.)?)?)?\s*[.,]?\s*"
    r"(?P<agency>{})?\s*[.–—-]\s"
)
# a site named by its domain ("пишет bbc.com", "«Лента.ру»"), not inside a link or an address
DOMAIN_FRAME = r"(?<![\w@/.-])[A-Za-zА-Яа-яЁё0-9][\w-]*(?:\.[\w-]+)*\.(?:{})(?![\w/-]|\.\w)"

SPEC = RuleFileSpec(
    sections=ShapeSection,
    default=ShapeWord,
    models={
        ShapeSection.DATELINE_AGENCIES: AgencySignature,
        ShapeSection.SPEECH_AFTER_QUOTE: ShapePattern,
        ShapeSection.AUTHOR_WORDS: ShapePattern,
        ShapeSection.SPEECH_INTRODUCED: ShapePattern,
    },
    frames={
        ShapeSection.DATELINE_AGENCIES: DATELINE_FRAME,
        ShapeSection.SITE_DOMAINS: DOMAIN_FRAME,
        ShapeSection.CLAUSE_CONJUNCTIONS: r"(?<!\w)(?:{})(?!\w)",
        ShapeSection.SPEECH_INTRODUCED: "(?:{})$",  # what precedes the opening mark
    },
    every_section=True,
    flags=re.NOFLAG,  # a dateline's city is in capitals, and so is nothing else
)


@dataclass(frozen=True)
class TextShapes:
    """The file's sections as the extractor uses them."""

    rules: RuleSet

    @cached_property
    def dateline(self) -> re.Pattern[str]:
        return self.rules.regex(ShapeSection.DATELINE_AGENCIES)

    @cached_property
    def site_domain(self) -> re.Pattern[str]:
        return self.rules.regex(ShapeSection.SITE_DOMAINS)

    @cached_property
    def speech_after_quote(self) -> re.Pattern[str]:
        return self.rules.regex(ShapeSection.SPEECH_AFTER_QUOTE)

    @cached_property
    def author_words(self) -> re.Pattern[str]:
        return self.rules.regex(ShapeSection.AUTHOR_WORDS)

    @cached_property
    def speech_introduced(self) -> re.Pattern[str]:
        return self.rules.regex(ShapeSection.SPEECH_INTRODUCED)

    @cached_property
    def clause_ends(self) -> frozenset[str]:
        return self.rules.words[ShapeSection.CLAUSE_ENDS]

    @cached_property
    def clause_conjunctions(self) -> frozenset[str]:
        return self.rules.words[ShapeSection.CLAUSE_CONJUNCTIONS]


@cache
def text_shapes() -> TextShapes:
    return TextShapes(read_rules(packaged("orewatch_extractor", "data", FILE_NAME), SPEC))
