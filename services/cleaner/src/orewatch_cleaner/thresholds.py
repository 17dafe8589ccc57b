"""The cleaner's thresholds, read from `data/thresholds.toml` into models that refuse unknown keys.

Numbers that say how long furniture may be, how far the header reaches or when a recurring
segment counts as boilerplate live in that one file, so tuning the cleaner is a data change
and a typo fails at start (`thresholds.toml: tail.max_backgroud_cuts: unknown key`).
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any, TypeVar

from orewatch_common.contracts import RemovalReason
from orewatch_lexicon.rules import packaged
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orewatch_cleaner.rulebook import PACKAGE, FurnitureSection

M = TypeVar("M", bound=BaseModel)

FILE_NAME = "thresholds.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Header(_Strict):
    max_lines: int = Field(gt=0)
    section_max_words: int = Field(gt=0)
    headline_min_words: int = Field(gt=0)
    prose_min_words: int = Field(gt=0)
    subtitle_max_words: int = Field(gt=0)
    standfirst_max_words: int = Field(gt=0)
    date_line_max_words: int = Field(gt=0)
    max_subtitles: int = Field(ge=0)
    byline_author_max_words: int = Field(gt=0)
    standfirst_max_sentences: int = Field(gt=0)
    byline_below_max_words: int = Field(gt=0)
    date_line_extra_words: int = Field(ge=0)
    site_name_following_max_words: int = Field(gt=0)
    verb_headline_min_words: int = Field(gt=0)
    signature_role_max_words: int = Field(gt=0)
    reasons: frozenset[RemovalReason]


class KnownTitle(_Strict):
    """When a header line is the page's known title with the site's name added or cut."""

    prefix_min_chars: int = Field(gt=0)
    prefix_min_share: float = Field(ge=0, le=1)


class Breadcrumb(_Strict):
    min_sections: int = Field(gt=1)
    section_max_words: int = Field(gt=0)
    root_line_max_words: int = Field(gt=0)
    title_min_chars: int = Field(ge=0)


class Menu(_Strict):
    min_items: int = Field(gt=1)
    item_max_words: int = Field(gt=0)


class Rubric(_Strict):
    max_words: int = Field(gt=0)
    max_chars: int = Field(gt=0)
    over_headline_max_words: int = Field(gt=0)


class Headline(_Strict):
    min_chars: int = Field(gt=0)
    max_chars: int = Field(gt=0)
    min_words: int = Field(gt=0)
    set_off_max_sentences: int = Field(gt=0)
    stopped_max_words: int = Field(gt=0)


class Names(_Strict):
    """A person's signature: how many capitalised words it has."""

    min_words: int = Field(gt=0)
    max_words: int = Field(gt=0)


class Dates(_Strict):
    earliest_year: int = Field(gt=0)
    latest_years_ahead: int = Field(ge=0)


class Page(_Strict):
    """How far from a page's <h1> its printed date is looked for."""

    header_siblings: int = Field(ge=0)
    header_text_max_chars: int = Field(gt=0)
    date_furniture_max_chars: int = Field(ge=0)


class Tail(_Strict):
    max_background_cuts: int = Field(ge=0)
    block_max_words: int = Field(gt=0)
    press_release_max_words: int = Field(gt=0)
    list_min_items: int = Field(gt=0)
    tags_min_items: int = Field(gt=0)
    tag_max_words: int = Field(gt=0)
    listed_headline_min_words: int = Field(gt=0)
    agency_credit_max_tokens: int = Field(gt=0)


class InlineReadAlso(_Strict):
    headline_min_words: int = Field(gt=0)
    headline_max_words: int = Field(gt=0)


class Furniture(_Strict):
    max_words: int = Field(gt=0)
    invitation_max_words: int = Field(gt=0)
    caption_max_words: int = Field(gt=0)
    caption_max_sentences: int = Field(gt=0)
    headline_max_words: int = Field(gt=0)
    teaser_max_words: int = Field(gt=0)
    foreign_max_words: int = Field(gt=0)


class Background(_Strict):
    last_sentences: int = Field(gt=0)
    shared_share: float = Field(ge=0, le=1)
    topic_word_min_chars: int = Field(gt=0)
    lost_link_max_words: int = Field(ge=0)


class Opening(_Strict):
    """A kind of furniture that opens a line or sentence, and the longest it can be."""

    section: FurnitureSection
    reason: RemovalReason
    max_words: int = Field(gt=0)
    owns_rest: bool = False  # a "see also" marker owns the headline that follows it
    line_max_words: int = Field(default=0, ge=0)  # longer when it fills a whole line (a teaser)


class Policy(_Strict):
    """When a recurring segment counts as furniture (see `boilerplate.BoilerplatePolicy`)."""

    min_articles: int = Field(gt=0)
    min_share: float = Field(ge=0, le=1)
    max_words: int = Field(gt=0)
    min_chars: int = Field(ge=0)


class Boilerplate(_Strict):
    lines: Policy
    sentences: Policy
    closing_lines: int = Field(ge=0)


class Profiles(_Strict):
    recognition_lines: int = Field(ge=0)


class Thresholds(_Strict):
    header: Header
    tail: Tail
    furniture: Furniture
    background: Background
    inline_read_also: InlineReadAlso
    opening: tuple[Opening, ...] = Field(min_length=1)
    boilerplate: Boilerplate
    known_title: KnownTitle
    breadcrumb: Breadcrumb
    menu: Menu
    rubric: Rubric
    headline: Headline
    names: Names
    dates: Dates
    page: Page
    profiles: Profiles


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error["loc"]) or "file"


def parse_toml_model(model: type[M], text: str, file: str) -> M:
    """A TOML settings file of the cleaner read into `model`, its errors as `FILE: key: what`
    (the thresholds and the language policy are read this one way)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{file}: {problems}") from None


def parse_thresholds(text: str, file: str = FILE_NAME) -> Thresholds:
    """The thresholds in `text`, the contents of a file named `file` (for error messages)."""
    return parse_toml_model(Thresholds, text, file)


@cache
def thresholds() -> Thresholds:
    """The packaged thresholds, read and checked once per process."""
    return parse_thresholds(packaged(PACKAGE, "data", FILE_NAME).read_text("utf-8"))
