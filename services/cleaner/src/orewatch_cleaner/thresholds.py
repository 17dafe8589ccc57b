"""The cleaner's thresholds, read from `data/thresholds.toml` into models that refuse unknown keys.

Numbers that say how long furniture may be, how far the header reaches or when a recurring
segment counts as boilerplate live in that one file, so tuning the cleaner is a data change
and a typo fails at start (`thresholds.toml: tail.max_backgroud_cuts: unknown key`).
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from orewatch_common.contracts import RemovalReason
from orewatch_lexicon.rules import packaged
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orewatch_cleaner.rulebook import PACKAGE, FurnitureSection

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
    reasons: frozenset[RemovalReason]


class Tail(_Strict):
    max_background_cuts: int = Field(ge=0)
    block_max_words: int = Field(gt=0)
    press_release_max_words: int = Field(gt=0)
    list_min_items: int = Field(gt=0)
    tags_min_items: int = Field(gt=0)


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


class Thresholds(_Strict):
    header: Header
    tail: Tail
    furniture: Furniture
    background: Background
    inline_read_also: InlineReadAlso
    opening: tuple[Opening, ...] = Field(min_length=1)
    boilerplate: Boilerplate


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error["loc"])


def parse_thresholds(text: str, file: str = FILE_NAME) -> Thresholds:
    """The thresholds in `text`, the contents of a file named `file` (for error messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{file}: {exc}") from None
    try:
        return Thresholds.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{file}: {problems}") from None


@cache
def thresholds() -> Thresholds:
    """The packaged thresholds, read and checked once per process."""
    return parse_thresholds(packaged(PACKAGE, "data", FILE_NAME).read_text("utf-8"))
