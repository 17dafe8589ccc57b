"""The cleaner's rule files: their sections, the frame each section's fragments sit in, and
the specs the generic test (tests/rules) and the cleaner read them with.

`data/furniture.yaml` holds the generic furniture, `data/dates.yaml` the date labels, relative
days and printed zones, `data/sites/<host>.yaml` what one outlet prints (same sections as the
furniture, with `hosts` and `source_names` to choose it by). The thresholds the rules use are
not rules: they are in `data/thresholds.toml` (see `thresholds.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orewatch_lexicon.rules import (
    Check,
    PatternRule,
    Rule,
    RuleFileSpec,
    RuleSet,
    WordRule,
    packaged,
    read_rules,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator

PACKAGE = "orewatch_cleaner"
FURNITURE_FILE = "furniture.yaml"
DATES_FILE = "dates.yaml"
ABBREVIATIONS_FILE = "abbreviations.yaml"
SITES_FOLDER = "sites"


class FurnitureSection(StrEnum):
    """Every section of furniture.yaml and of a site profile; the file says what each holds."""

    BLOCK_HEADINGS = "block_headings"
    PRESS_RELEASE_HEADINGS = "press_release_headings"
    WEAK_HEADINGS = "weak_headings"
    READ_ALSO = "read_also"
    SUBSCRIBE = "subscribe"
    ERROR_REPORT = "error_report"
    SOURCE_CREDIT = "source_credit"
    UPDATE_NOTICE = "update_notice"
    COPYRIGHT = "copyright"
    SHARE = "share"
    PHOTO_CREDIT = "photo_credit"
    BYLINE = "byline"
    BREADCRUMB_ROOTS = "breadcrumb_roots"
    BACKGROUND_OPENERS = "background_openers"
    SOCIAL_NETWORKS = "social_networks"
    SUBSCRIBE_CHANNELS = "subscribe_channels"
    INVITATIONS = "invitations"
    READER_CUES = "reader_cues"
    LINKING_WORDS = "linking_words"
    DANGLING_WORDS = "dangling_words"
    LINK_FORMULAS = "link_formulas"
    ORPHANED_LINKS = "orphaned_links"
    SIGNATURE_ROLES = "signature_roles"
    CAPTION_CREDITS = "caption_credits"
    PRINT_EDITIONS = "print_editions"
    COUNTERS = "counters"
    HEADLINE_VERB_ENDINGS = "headline_verb_endings"
    AUTHOR_LABELS = "author_labels"
    NAME_CONJUNCTIONS = "name_conjunctions"
    REFLEXIVE_ENDINGS = "reflexive_endings"
    THAT_WORDS = "that_words"
    PAST_ENDINGS = "past_endings"
    NEWS_AGENCIES = "news_agencies"
    PHOTO_BANKS = "photo_banks"


# Word sections a furniture pattern may take whole, written `{news_agencies}` in the pattern:
# the credited sources are a list, one a line, and no pattern names an outlet itself.
LIST_SECTIONS = (FurnitureSection.NEWS_AGENCIES, FurnitureSection.PHOTO_BANKS)
_REFERENCE = re.compile(r"\{([a-z_]+)\}")


def references(pattern: str) -> tuple[str, ...]:
    """The word sections a pattern takes (`{news_agencies}`)."""
    return tuple(_REFERENCE.findall(pattern))


def expand(pattern: str, lists: Mapping[str, str]) -> str:
    """The pattern with each `{section}` replaced by that section's alternation in `lists`."""
    return _REFERENCE.sub(lambda found: f"(?:{lists[found.group(1)]})", pattern)


class DateSection(StrEnum):
    """Every section of dates.yaml."""

    DATE_LABELS = "date_labels"
    RELATIVE_DAYS = "relative_days"
    ZONES = "zones"
    YEAR_WORDS = "year_words"
    TIME_PREPOSITIONS = "time_prepositions"


class AbbreviationSection(StrEnum):
    """Every section of abbreviations.yaml."""

    INITIALS = "initials"
    ABBREVIATIONS = "abbreviations"


class FurnitureRule(PatternRule):
    """A furniture pattern; `glued` ones are also found glued after a word without a full stop
    ("…пророка Мухаммеда Если Вы заметите ошибку")."""

    section: FurnitureSection
    glued: bool = False

    @field_validator("pattern")
    @classmethod
    def _known_lists(cls, value: str) -> str:
        unknown = [name for name in references(value) if name not in LIST_SECTIONS]
        if unknown:
            raise ValueError(f"{{{unknown[0]}}} is not a list: only {', '.join(LIST_SECTIONS)}")
        return value

    @property
    def checked_by(self) -> Check:
        """A pattern that takes a list is checked with the lists filled in (`FINDERS`)."""
        return Check.FINDER if references(self.pattern) else Check.PATTERN


class FurnitureWord(WordRule):
    """A literal word of a word list (networks, linking words, roles...)."""

    section: FurnitureSection


class ZoneRule(PatternRule):
    """A printed time zone and the IANA zone it names."""

    section: DateSection
    zone: str

    @field_validator("zone")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"not a time zone: {value!r}") from None
        return value


class DateRule(PatternRule):
    section: DateSection


class SiteHeader(BaseModel):
    """What a site profile is chosen by: the hosts of its articles' addresses or their source names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hosts: tuple[str, ...] = Field(default=(), description="Hosts, without 'www.': 'ria.ru'.")
    source_names: tuple[str, ...] = Field(default=(), description="RawArticle.source_name values.")


# Where a line or sentence opens, after bullets, dashes and an opening quote.
OPENING = r'^[\s\-–—•*·>|«"]*(?:{})'
# A heading that fills its line, maybe with a colon or full stop.
HEADING = r"^\s*(?:{})\s*[:.]?\s*$"
AS_WORD = r"(?<!\w)(?:{})(?!\w)"

_OPENING_SECTIONS = (
    FurnitureSection.READ_ALSO,
    FurnitureSection.SUBSCRIBE,
    FurnitureSection.ERROR_REPORT,
    FurnitureSection.SOURCE_CREDIT,
    FurnitureSection.UPDATE_NOTICE,
    FurnitureSection.COPYRIGHT,
    FurnitureSection.SHARE,
    FurnitureSection.PHOTO_CREDIT,
    FurnitureSection.BYLINE,
)
_WORD_SECTIONS = (
    FurnitureSection.SOCIAL_NETWORKS,
    FurnitureSection.READER_CUES,
    FurnitureSection.LINKING_WORDS,
    FurnitureSection.DANGLING_WORDS,
    FurnitureSection.LINK_FORMULAS,
    FurnitureSection.SIGNATURE_ROLES,
    FurnitureSection.NAME_CONJUNCTIONS,
    FurnitureSection.NEWS_AGENCIES,
    FurnitureSection.PHOTO_BANKS,
    FurnitureSection.REFLEXIVE_ENDINGS,
    FurnitureSection.THAT_WORDS,
    FurnitureSection.PAST_ENDINGS,
)

# The frame each section's fragments are tried in (by the generic test, and by the cleaner
# where it uses the section that way; `furniture.py` says where it uses them otherwise).
FRAMES: Mapping[str, str] = {
    **{section: OPENING for section in _OPENING_SECTIONS},
    FurnitureSection.BLOCK_HEADINGS: HEADING,
    FurnitureSection.WEAK_HEADINGS: HEADING,
    FurnitureSection.PRESS_RELEASE_HEADINGS: r"^\s*(?:{})\s*[:.]?",
    FurnitureSection.BREADCRUMB_ROOTS: r"^(?:{})",
    FurnitureSection.BACKGROUND_OPENERS: r'^[\s«"]*(?:{})\b',
    FurnitureSection.SOCIAL_NETWORKS: AS_WORD,
    FurnitureSection.SUBSCRIBE_CHANNELS: r"(?:{})",
    FurnitureSection.INVITATIONS: r"\b(?:{})\b",
    FurnitureSection.READER_CUES: r"(?:{})",
    FurnitureSection.LINKING_WORDS: AS_WORD,
    FurnitureSection.DANGLING_WORDS: r"\b(?:{})\s*$",
    FurnitureSection.LINK_FORMULAS: r'^[ «"]*(?:{}) ',
    FurnitureSection.ORPHANED_LINKS: r"^\W*(?:{})",
    FurnitureSection.SIGNATURE_ROLES: r"^(?:{})",
    FurnitureSection.CAPTION_CREDITS: r"(?:^|[.!?]\s+)(?:{})",
    FurnitureSection.PRINT_EDITIONS: r"(?:{})",
    FurnitureSection.COUNTERS: r"\b(?:{})\s*:?\s*[\d\s]+",
    FurnitureSection.HEADLINE_VERB_ENDINGS: r"(?-i:(?<![А-ЯЁа-яё-])[а-яё]{{2,}}(?:{})\b)",
    FurnitureSection.AUTHOR_LABELS: r"^\s*(?:{})\b\s*[:—–-]?\s*",
    FurnitureSection.NAME_CONJUNCTIONS: r"(?-i:\s(?:{})\s)",
    FurnitureSection.REFLEXIVE_ENDINGS: r"(?-i:[а-яё]{{2,}}(?:{})\b)",
    FurnitureSection.THAT_WORDS: r",\s*(?:{})\b",
    FurnitureSection.PAST_ENDINGS: r"(?-i:[а-яё]л(?:{})(?!\w))",
    FurnitureSection.NEWS_AGENCIES: AS_WORD,
    FurnitureSection.PHOTO_BANKS: AS_WORD,
}
DATE_FRAMES: Mapping[str, str] = {
    DateSection.DATE_LABELS: r"\b(?:{})\b\s*:?",
    DateSection.RELATIVE_DAYS: r"\b(?:{})\b",
    DateSection.ZONES: r"(?:{})",
    DateSection.YEAR_WORDS: r"\d{{4}}\s*(?:{})(?!\w)",
    DateSection.TIME_PREPOSITIONS: r"(?<!\w)(?:{})\s*\d{{1,2}}[:.]\d{{2}}",
}

_MODELS: dict[str, type[Rule]] = {section: FurnitureWord for section in _WORD_SECTIONS}
FURNITURE_SPEC = RuleFileSpec(
    sections=FurnitureSection, default=FurnitureRule, models=_MODELS, frames=FRAMES, every_section=True
)
SITE_SPEC = RuleFileSpec(
    sections=FurnitureSection, default=FurnitureRule, models=_MODELS, frames=FRAMES, header=SiteHeader
)
DATES_SPEC = RuleFileSpec(
    sections=DateSection,
    default=DateRule,
    models={DateSection.ZONES: ZoneRule},
    frames=DATE_FRAMES,
    every_section=True,
)

# Where a full stop follows an abbreviation at the end of a sentence candidate (case-sensitive).
ABBREVIATIONS_SPEC = RuleFileSpec(
    sections=AbbreviationSection,
    default=PatternRule,
    models={AbbreviationSection.ABBREVIATIONS: WordRule},
    frames={section: r'(?:^|[\s(«"])(?:{})\.$' for section in AbbreviationSection},
    every_section=True,
    flags=re.RegexFlag(0),
)

RULE_FILES: Mapping[str, RuleFileSpec] = {
    FURNITURE_FILE: FURNITURE_SPEC,
    DATES_FILE: DATES_SPEC,
    ABBREVIATIONS_FILE: ABBREVIATIONS_SPEC,
    f"{SITES_FOLDER}/*.yaml": SITE_SPEC,
}


@cache
def generic_furniture() -> RuleSet:
    """The generic furniture, read and checked once per process."""
    return read_rules(packaged(PACKAGE, "data", FURNITURE_FILE), FURNITURE_SPEC)


@cache
def abbreviations() -> RuleSet:
    """The abbreviations a sentence does not end after, read and checked once per process."""
    return read_rules(packaged(PACKAGE, "data", ABBREVIATIONS_FILE), ABBREVIATIONS_SPEC)


@cache
def date_rules() -> RuleSet:
    """The date labels, relative days and zones, read and checked once per process."""
    return read_rules(packaged(PACKAGE, "data", DATES_FILE), DATES_SPEC)


def list_alternations(rules: Sequence[RuleSet]) -> dict[str, str]:
    """Each list section's words in `rules` (the generic file first), one alternation each."""
    return {
        name: "|".join(f"(?:{fragment})" for ruleset in rules for fragment in ruleset.fragments(name))
        or "(?!x)x"
        for name in LIST_SECTIONS
    }


def _find_with_lists(rules: RuleSet, rule: Rule, text: str) -> bool:
    """A pattern that takes lists, tried alone in its frame with the generic and the file's lists."""
    sources = (generic_furniture(),) if rules.file == FURNITURE_FILE else (generic_furniture(), rules)
    fragment = expand(rule.fragment(), list_alternations(sources))
    return rules.compile(rule.section, (fragment,)).search(text) is not None


def _site_files() -> tuple[str, ...]:
    folder = packaged(PACKAGE, "data", SITES_FOLDER)
    return tuple(file.name for file in folder.iterdir() if file.name.endswith(".yaml"))


# How the generic test checks FINDER rules: a furniture pattern that takes a list.
FINDERS: Mapping[str, Callable[[RuleSet, Rule, str], bool]] = {
    name: _find_with_lists for name in (FURNITURE_FILE, *_site_files())
}
