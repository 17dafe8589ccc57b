"""Rule files: what orewatch knows about text, as data, one rule a line.

A rule file is YAML with a `version`, optional header fields its spec declares (a site
profile's hosts, say) and `items`: one rule a line, a flow mapping with its `section`, what it
matches (`pattern`, `word`, `lemma`...), an `example` it must match and a `not` it must not.
Every line is validated by a pydantic model with `extra="forbid"`, so a typo fails at load
with `FILE:LINE: what is wrong`. One generic test (tests/rules) walks every rule file and
checks every example and counter-example the way the service that reads the file does.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator


class RuleFileError(ValueError):
    """A rule file is malformed; the message is `FILE:LINE: what is wrong`."""

    def __init__(self, file: str, line: int, message: str):
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


class Check(StrEnum):
    """How a rule's `example` shows it (and its `not` does not)."""

    PATTERN = "pattern"  # the rule's regular expression, in its section's frame, finds it
    LEMMA = "lemma"  # words the tagger lemmatises to the lemma (a run of words for several)
    PREFIX = "prefix"  # a word of the text, lowercased, begins with it ("Минфин" for "мин")
    STEM = "stem"  # a word begins with the verb's stem: a language the tagger does not read
    FINDER = "finder"  # the reading service's own finder (its rulebook's FINDERS) finds it


def plain_words(value: str) -> str:
    """A lemma or word as rule files write it: lowercase, ё written е, one space apart."""
    if value != " ".join(value.split()) or value != value.lower() or "ё" in value:
        raise ValueError("must be lowercase, ё written е, words one space apart")
    return value


class Rule(BaseModel):
    """One line of a rule file: its section and the sentences that test it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)
    check: ClassVar[Check] = Check.PATTERN

    section: str
    example: str = Field(min_length=1)
    not_: str = Field(alias="not", min_length=1)

    @property
    def key(self) -> tuple[str, ...]:
        """What may appear once in a section."""
        raise NotImplementedError

    @property
    def checked_by(self) -> Check:
        """How the generic test shows the rule in its example."""
        return self.check

    def fragment(self) -> str:
        """The regular-expression fragment the rule adds to its section."""
        raise TypeError(f"a {type(self).__name__} is matched on lemmas, not by a regular expression")


class PatternRule(Rule):
    """A regular-expression fragment, matched in its section's frame."""

    pattern: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @property
    def key(self) -> tuple[str, ...]:
        return (self.pattern,)

    def fragment(self) -> str:
        return self.pattern


class WordRule(Rule):
    """A literal word or phrase (escaped into its section's frame)."""

    word: str = Field(min_length=1)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.word,)

    def fragment(self) -> str:
        return re.escape(self.word)


class LemmaRule(Rule):
    """A lemma (or run of lemmas), matched on the tagger's lemmas by the extractor."""

    check: ClassVar[Check] = Check.LEMMA
    lemma: str = Field(min_length=1)

    @field_validator("lemma")
    @classmethod
    def _plain(cls, value: str) -> str:
        return plain_words(value)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.lemma,)


class EndingRule(Rule):
    """A word ending (lowercase, ё written е), shown by the reading package's finder on a word
    it ends: the stemmer strips it, a surname with it has its gender, and so on."""

    check: ClassVar[Check] = Check.FINDER
    ending: str = Field(min_length=1)

    @field_validator("ending")
    @classmethod
    def _plain(cls, value: str) -> str:
        if " " in value:
            raise ValueError("an ending is one word's end, without spaces")
        return plain_words(value)

    @property
    def key(self) -> tuple[str, ...]:
        return (self.ending,)

    def fragment(self) -> str:
        return re.escape(self.ending)


@dataclass(frozen=True)
class RuleFileSpec:
    """How to read one kind of rule file: its sections, the model of each, the regular
    expression each section's fragments sit in (`{}` is the alternation of them), the header
    fields it may carry and whether every section must hold a rule."""

    sections: type[StrEnum]
    default: type[Rule]
    models: Mapping[str, type[Rule]] = field(default_factory=dict)
    frames: Mapping[str, str] = field(default_factory=dict)
    header: type[BaseModel] | None = None
    every_section: bool = False
    flags: re.RegexFlag = re.IGNORECASE

    def model_of(self, section: str) -> type[Rule]:
        return self.models.get(section, self.default)

    def frame_of(self, section: str) -> str:
        return self.frames.get(section, "(?:{})")


class RuleSet(BaseModel):
    """One loaded file: its version, header and rules in file order."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    file: str
    version: str
    header: BaseModel | None
    rules: tuple[Rule, ...]
    spec: RuleFileSpec
    _compiled: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)

    def of(self, section: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.section == section)

    def fragments(self, section: str) -> tuple[str, ...]:
        return tuple(rule.fragment() for rule in self.of(section))

    def regex(self, section: str) -> re.Pattern[str]:
        """The section's fragments in file order, one alternation in the section's frame."""
        if section not in self._compiled:
            self._compiled[section] = self.compile(section, self.fragments(section))
        return self._compiled[section]

    def compile(self, section: str, fragments: tuple[str, ...]) -> re.Pattern[str]:
        alternation = "|".join(f"(?:{fragment})" for fragment in fragments) or "(?!x)x"
        return re.compile(self.spec.frame_of(section).format(alternation), self.spec.flags)

    def accepts(self, rule: Rule, text: str) -> bool:
        """Whether `rule` alone, in its section's frame, finds something in `text`."""
        return self.compile(rule.section, (rule.fragment(),)).search(text) is not None

    @cached_property
    def words(self) -> Mapping[str, frozenset[str]]:
        """Every section's words or lemmas, for sections of word and lemma rules."""
        return {s: frozenset(_subject(rule) for rule in self.of(s)) for s in self.spec.sections}


def _subject(rule: Rule) -> str:
    return " ".join(rule.key)


# --- loading --------------------------------------------------------------------------------


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join("not" if part == "not_" else str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown field {where!r}"
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _refusal(exc: ValidationError) -> str:
    return "; ".join(_describe(dict(e)) for e in exc.errors())


def _rule(node: yaml.Node, data: Any, file: str, spec: RuleFileSpec) -> Rule:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise RuleFileError(file, line, "an item is a mapping: {section: ..., example: ..., not: ...}")
    if node.end_mark.line != node.start_mark.line:
        raise RuleFileError(file, line, "an item is one line")
    keys = [key.value for key, _ in node.value]
    for k, key in enumerate(keys):
        if key in keys[:k]:
            raise RuleFileError(file, line, f"field {key!r} given twice")
    section = data.get("section")
    names = [s.value for s in spec.sections]
    if not isinstance(section, str) or section not in names:
        close = difflib.get_close_matches(str(section), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise RuleFileError(file, line, f"unknown section {section!r}{hint}")
    try:
        return spec.model_of(section).model_validate(data)
    except ValidationError as exc:
        raise RuleFileError(file, line, _refusal(exc)) from None


# libyaml's loader reads the rule files ~10 times faster than PyYAML's own (seconds of every
# process's start); a file it refuses is read again by PyYAML's, whose messages the errors quote
_FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


def _compose(text: str, loader_type: type[yaml.SafeLoader]) -> tuple[yaml.Node | None, Any]:
    loader = loader_type(text)
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def _document(text: str, file: str) -> tuple[yaml.MappingNode, dict[str, Any]]:
    try:
        if _FAST_LOADER is None:
            raise yaml.YAMLError("no libyaml")
        root, data = _compose(text, _FAST_LOADER)
    except yaml.YAMLError:
        try:
            root, data = _compose(text, yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise RuleFileError(file, mark.line + 1 if mark else 1, str(exc.problem)) from None
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise RuleFileError(file, 1, "the file is a mapping with `version` and `items`")
    return root, data


def _header(root: yaml.MappingNode, data: dict[str, Any], file: str, spec: RuleFileSpec) -> BaseModel | None:
    allowed = ["version", *(spec.header.model_fields if spec.header else ()), "items"]
    for key, _ in root.value:
        if key.value not in allowed:
            known = ", ".join(allowed[:-1]) + " and " + allowed[-1]
            raise RuleFileError(file, key.start_mark.line + 1, f"unknown key {key.value!r}: only {known}")
    if not isinstance(data.get("version"), str):
        raise RuleFileError(file, 1, "`version` must be a quoted string")
    if spec.header is None:
        return None
    try:
        return spec.header.model_validate({k: v for k, v in data.items() if k not in ("version", "items")})
    except ValidationError as exc:
        raise RuleFileError(file, 1, _refusal(exc)) from None


def _rules(items: yaml.Node, data: list[Any], file: str, spec: RuleFileSpec) -> Iterator[Rule]:
    first: dict[tuple[str, ...], int] = {}
    for node, raw in zip(items.value, data, strict=True):
        rule = _rule(node, raw, file, spec)
        line = node.start_mark.line + 1
        key = (rule.section, *rule.key)
        if key in first:
            what = " + ".join(rule.key)
            raise RuleFileError(file, line, f"duplicate item in {rule.section}: {what} (line {first[key]})")
        first[key] = line
        yield rule


def parse_rules(text: str, file: str, spec: RuleFileSpec) -> RuleSet:
    """The rules in `text`, the contents of a file named `file` (for error messages)."""
    root, data = _document(text, file)
    header = _header(root, data, file, spec)
    key, items = next(((k, v) for k, v in root.value if k.value == "items"), (None, None))
    if key is None or not isinstance(items, yaml.SequenceNode) or not isinstance(data.get("items"), list):
        raise RuleFileError(file, 1, "`items` must be a list, one item a line")
    rules = tuple(_rules(items, data["items"], file, spec))
    empty = [str(s) for s in spec.sections if not any(rule.section == s for rule in rules)]
    if spec.every_section and empty:
        raise RuleFileError(file, key.start_mark.line + 1, f"sections with no item: {empty}")
    return RuleSet(file=file, version=data["version"], header=header, rules=rules, spec=spec)


def read_rules(source: Traversable, spec: RuleFileSpec) -> RuleSet:
    """A packaged or on-disk rule file, read and checked."""
    return parse_rules(source.read_text("utf-8"), source.name, spec)


def packaged(package: str, *parts: str) -> Traversable:
    """A data file shipped inside `package` (`packaged("orewatch_cleaner", "data", "tails.yaml")`)."""
    return resources.files(package).joinpath(*parts)
