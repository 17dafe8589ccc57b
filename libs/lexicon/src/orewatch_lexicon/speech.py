"""The speech lexicon: speech verbs and role nouns, one item a line in `data/speech.yaml`.

Each line is one item, a YAML flow mapping with its `section`, its `lemma` (ё written е), the
value a map section gives it (a light verb's `partner`, a pronoun's `gender`, ...), an
`example` sentence that shows the lemma and a `not` sentence that does not. The loader
refuses, with `speech.yaml:LINE: message`, an unknown section or field, a missing one, an
item listed twice in its section and a section with no item.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
    SOURCE_NOUNS = "source_nouns"
    ACCORDING_NOUNS = "according_nouns"
    ACCORDING_OPENINGS = "according_openings"
    STATEMENT_NOUNS = "statement_nouns"
    LINK_NOUNS = "link_nouns"
    PERSON_TITLES = "person_titles"
    FEMININE_TITLES = "feminine_titles"
    UNNAMED_SOURCES = "unnamed_sources"
    KIND_FAMILIES = "kind_families"
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


class Check(StrEnum):
    """How an item's `example` shows it (and its `not` does not)."""

    LEMMA = "lemma"  # words the tagger lemmatises to the lemma (a run of words for several)
    PREFIX = "prefix"  # a word of the text, lowercased, begins with it ("Минфин" for "мин")
    STEM = "stem"  # a word begins with the verb's stem: a language the tagger does not read


_CHECKS = {Section.AGENCY_NAME_STARTS: Check.PREFIX, Section.REPORTED_VERBS_UK: Check.STEM}


class Gender(StrEnum):
    """Grammatical gender as the tagger writes it (Universal Dependencies)."""

    MASC = "Masc"
    FEM = "Fem"


class LexiconError(ValueError):
    """The lexicon file is malformed; the message is `speech.yaml:LINE: what is wrong`."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


def _lemma_text(value: str) -> str:
    if value != " ".join(value.split()) or value != value.lower() or "ё" in value:
        raise ValueError("must be lowercase, ё written е, words one space apart")
    return value


class Item(BaseModel):
    """One line of the file: a word (or words) of a section and the sentences that test it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)
    value_field: ClassVar[str | None] = None  # the field a map section gives each lemma

    section: Section
    lemma: str = Field(min_length=1)
    example: str = Field(min_length=1)
    not_: str = Field(alias="not", min_length=1)

    @field_validator("lemma")
    @classmethod
    def _lemma(cls, value: str) -> str:
        return _lemma_text(value)

    @property
    def value(self) -> str:
        """What a map section maps the lemma to."""
        if self.value_field is None:
            raise TypeError(f"section {self.section} maps its lemmas to nothing")
        return str(getattr(self, self.value_field))

    @property
    def key(self) -> tuple[str, ...]:
        """What may appear once in a section."""
        return (self.lemma,)


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
        return _lemma_text(value)


_MODELS: dict[Section, type[Item]] = {
    Section.LIGHT_VERBS: LightVerb,
    Section.PRONOUNS: Pronoun,
    Section.KIND_FAMILIES: KindFamily,
    Section.MEMBERS: Member,
    Section.TITLE_SYNONYMS: TitleFor,
    Section.TITLE_EQUIVALENTS: TitleFor,
    Section.TITLE_CONTRACTIONS: Contraction,
}


def model_of(section: Section) -> type[Item]:
    return _MODELS.get(section, Item)


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


def _describe(error: dict[str, Any]) -> str:
    where = ".".join("not" if part == "not_" else str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown field {where!r}"
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _item(node: yaml.Node, data: Any, file: str) -> Item:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise LexiconError(file, line, "an item is a mapping: {section: ..., lemma: ..., ...}")
    if node.end_mark.line != node.start_mark.line:
        raise LexiconError(file, line, "an item is one line")
    keys = [key.value for key, _ in node.value]
    for k, key in enumerate(keys):
        if key in keys[:k]:
            raise LexiconError(file, line, f"field {key!r} given twice")
    section = data.get("section")
    if not isinstance(section, str) or section not in set(Section):
        close = difflib.get_close_matches(str(section), [s.value for s in Section], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise LexiconError(file, line, f"unknown section {section!r}{hint}")
    try:
        return model_of(Section(section)).model_validate(data)
    except ValidationError as exc:
        raise LexiconError(file, line, "; ".join(_describe(dict(e)) for e in exc.errors())) from None


def parse_lexicon(text: str, file: str = FILE_NAME) -> SpeechLexicon:
    """The lexicon in `text`, the contents of a file named `file` (for error messages)."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise LexiconError(file, mark.line + 1 if mark else 1, str(exc.problem)) from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise LexiconError(file, 1, "the file is a mapping with `version` and `items`")
    nodes = {key.value: (key, value) for key, value in root.value}
    for name, (key, _) in nodes.items():
        if name not in ("version", "items"):
            raise LexiconError(file, key.start_mark.line + 1, f"unknown key {name!r}: only version and items")
    if not isinstance(data.get("version"), str):
        raise LexiconError(file, 1, "`version` must be a quoted string")
    if "items" not in nodes or not isinstance(nodes["items"][1], yaml.SequenceNode):
        raise LexiconError(file, 1, "`items` must be a list, one item a line")
    items: list[Item] = []
    first: dict[tuple[str, ...], int] = {}
    for node, raw in zip(nodes["items"][1].value, data["items"], strict=True):
        item = _item(node, raw, file)
        line = node.start_mark.line + 1
        key = (item.section.value, *item.key)
        if key in first:
            raise LexiconError(
                file, line, f"duplicate item in {item.section}: {' + '.join(item.key)} (line {first[key]})"
            )
        first[key] = line
        items.append(item)
    empty = [str(s) for s in Section if not any(item.section is s for item in items)]
    if empty:
        raise LexiconError(file, nodes["items"][0].start_mark.line + 1, f"sections with no item: {empty}")
    return SpeechLexicon(data["version"], tuple(items))


@cache
def load_lexicon() -> SpeechLexicon:
    """The packaged lexicon, read and checked once per process."""
    text = resources.files("orewatch_lexicon").joinpath("data", FILE_NAME).read_text("utf-8")
    return parse_lexicon(text)


# --- stems, for regular expressions over surface text ----------------------------------------

_REFLEXIVE = ("ся", "сь")
# Infinitive endings, Russian and Ukrainian, longest first.
_INFINITIVE = tuple(
    sorted(("нуть", "ить", "ать", "ять", "еть", "уть", "ыть", "ити", "ати", "яти", "істи", "ти", "ть"),
           key=len, reverse=True)
)  # fmt: skip


def _without(word: str, endings: tuple[str, ...]) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)]
    return word


def verb_stem(lemma: str) -> str:
    """What every form of a verb begins with: "заявить" -> "заяв", "подчеркнуть" ->
    "подчерк", "розповісти" -> "розпов" (the reflexive ending and the infinitive's dropped)."""
    return _without(_without(lemma, _REFLEXIVE), _INFINITIVE)


def past_stem(lemma: str) -> str:
    """The masculine past of a verb without its reflexive ending: "поручить" -> "поручил",
    "распорядиться" -> "распорядил"."""
    bare = _without(lemma, _REFLEXIVE)
    if not bare.endswith("ть"):
        raise ValueError(f"{lemma!r} is not an infinitive in -ть")
    return bare[:-2] + "л"


def alternation(words: frozenset[str] | tuple[str, ...], form: Callable[[str], str] = verb_stem) -> str:
    """A regular-expression alternation of `form` of each word, longest first, escaped."""
    forms = sorted({form(word) for word in words}, key=lambda f: (-len(f), f))
    return "|".join(re.escape(f) for f in forms)
