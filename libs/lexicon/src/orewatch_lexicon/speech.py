"""The speech lexicon: speech verbs and role nouns, one item a line in `data/speech.yaml`.

Each line is one item, a YAML flow mapping with its `section`, its `lemma` (ё written е), the
value a map section gives it (a light verb's `partner`, a pronoun's `gender`, ...), an
`example` sentence that shows the lemma and a `not` sentence that does not. The loader
refuses, with `speech.yaml:LINE: message`, an unknown section or field, a missing one, an
item listed twice in its section and a section with no item.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import ClassVar

from pydantic import Field, field_validator

from orewatch_lexicon.rules import (
    Check,
    LemmaRule,
    RuleFileError,
    RuleFileSpec,
    packaged,
    parse_rules,
    plain_words,
)
from orewatch_lexicon.stemming import verb_stem

FILE_NAME = "speech.yaml"


class Section(StrEnum):
    """Every section of the file; what each holds is said by the comments above it there."""

    VERBS = "verbs"
    WEAK_VERBS = "weak_verbs"
    REFUSALS = "refusals"
    CLAUSE_VERBS = "clause_verbs"
    STANCES = "stances"
    LIGHT_VERBS = "light_verbs"
    CITING_VERBS = "citing_verbs"
    QUOTING_VERBS = "quoting_verbs"
    QUOTING_WORDS = "quoting_words"
    SPEECH_NOUNS = "speech_nouns"
    SOURCE_NOUNS = "source_nouns"
    ACCORDING_NOUNS = "according_nouns"
    ACCORDING_OPENINGS = "according_openings"
    STATEMENT_NOUNS = "statement_nouns"
    LINK_NOUNS = "link_nouns"
    PERSON_TITLES = "person_titles"
    FEMININE_TITLES = "feminine_titles"
    UNNAMED_SOURCES = "unnamed_sources"
    KIND_FAMILIES = "kind_families"
    OUTLET_KINDS = "outlet_kinds"
    MEMBERS = "members"
    DOMINANT_FAMILIES = "dominant_families"
    TITLE_SYNONYMS = "title_synonyms"
    TITLE_EQUIVALENTS = "title_equivalents"
    HEAD_TITLES = "head_titles"
    GENERIC_HEADS = "generic_heads"
    TITLE_CONTRACTIONS = "title_contractions"
    ORG_ANAPHORS = "org_anaphors"
    AGENCY_ANAPHORS = "agency_anaphors"
    AGENCY_NAME_STARTS = "agency_name_starts"
    ORG_VOICES = "org_voices"
    PRONOUNS = "pronouns"
    REPORTED_VERBS = "reported_verbs"
    REPORTED_VERBS_UK = "reported_verbs_uk"
    INSTRUCTION_VERBS = "instruction_verbs"

    @property
    def check(self) -> Check:
        return _CHECKS.get(self, Check.LEMMA)


_CHECKS = {Section.AGENCY_NAME_STARTS: Check.PREFIX, Section.REPORTED_VERBS_UK: Check.STEM}


class Gender(StrEnum):
    """Grammatical gender as the tagger writes it (Universal Dependencies)."""

    MASC = "Masc"
    FEM = "Fem"


class LexiconError(RuleFileError):
    """The lexicon file is malformed; the message is `speech.yaml:LINE: what is wrong`."""


class Item(LemmaRule):
    """One line of the file: a word (or words) of a section and the sentences that test it."""

    value_field: ClassVar[str | None] = None  # the field a map section gives each lemma

    section: Section

    @property
    def value(self) -> str:
        """What a map section maps the lemma to."""
        if self.value_field is None:
            raise TypeError(f"section {self.section} maps its lemmas to nothing")
        return str(getattr(self, self.value_field))

    @property
    def checked_by(self) -> Check:
        return self.section.check


class LightVerb(Item):
    """A verb that reports speech with a partner word: "дать" + "понять"."""

    partner: str = Field(min_length=1)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.lemma, self.partner)


class Pronoun(Item):
    value_field: ClassVar[str | None] = "gender"
    gender: Gender


class KindFamily(Item):
    value_field: ClassVar[str | None] = "family"
    family: str = Field(min_length=1)


class Member(Item):
    value_field: ClassVar[str | None] = "body"
    body: str = Field(min_length=1)


class TitleFor(Item):
    value_field: ClassVar[str | None] = "title"
    title: str = Field(min_length=1)


class Contraction(Item):
    value_field: ClassVar[str | None] = "expansion"
    expansion: str = Field(min_length=1)

    @field_validator("expansion")
    @classmethod
    def _expansion(cls, value: str) -> str:
        return plain_words(value)


_MODELS: dict[str, type[Item]] = {
    Section.LIGHT_VERBS: LightVerb,
    Section.PRONOUNS: Pronoun,
    Section.KIND_FAMILIES: KindFamily,
    Section.MEMBERS: Member,
    Section.TITLE_SYNONYMS: TitleFor,
    Section.TITLE_EQUIVALENTS: TitleFor,
    Section.TITLE_CONTRACTIONS: Contraction,
}


SPEC = RuleFileSpec(sections=Section, default=Item, models=_MODELS, every_section=True)


@dataclass(frozen=True)
class SpeechLexicon:
    """The whole file: its version and its items in file order."""

    version: str
    items: tuple[Item, ...]

    def of(self, section: Section) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.section is section)

    def in_order(self, section: Section) -> tuple[str, ...]:
        """The section's lemmas in file order (where order matters: the first match wins)."""
        return tuple(dict.fromkeys(item.lemma for item in self.of(section)))

    def lemmas(self, section: Section) -> frozenset[str]:
        return frozenset(item.lemma for item in self.of(section))

    def values(self, section: Section) -> dict[str, str]:
        """A map section: lemma -> its value, in file order."""
        return {item.lemma: item.value for item in self.of(section)}

    def light_verbs(self) -> dict[str, frozenset[str]]:
        """Light verb -> the partner words it reports speech with."""
        partners: dict[str, set[str]] = {}
        for item in self.of(Section.LIGHT_VERBS):
            assert isinstance(item, LightVerb)
            partners.setdefault(item.lemma, set()).add(item.partner)
        return {verb: frozenset(words) for verb, words in partners.items()}


# --- loading --------------------------------------------------------------------------------


def parse_lexicon(text: str, file: str = FILE_NAME) -> SpeechLexicon:
    """The lexicon in `text`, the contents of a file named `file` (for error messages)."""
    try:
        rules = parse_rules(text, file, SPEC)
    except RuleFileError as exc:
        raise LexiconError(exc.file, exc.line, exc.message) from None
    return SpeechLexicon(rules.version, tuple(rule for rule in rules.rules if isinstance(rule, Item)))


@cache
def load_lexicon() -> SpeechLexicon:
    """The packaged lexicon, read and checked once per process."""
    return parse_lexicon(packaged("orewatch_lexicon", "data", FILE_NAME).read_text("utf-8"))


def alternation(words: frozenset[str] | tuple[str, ...], form: Callable[[str], str] = verb_stem) -> str:
    """A regular-expression alternation of `form` of each word, longest first, escaped."""
    forms = sorted({form(word) for word in words}, key=lambda f: (-len(f), f))
    return "|".join(re.escape(f) for f in forms)
