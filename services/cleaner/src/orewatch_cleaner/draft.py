"""The state one cleaning run hands from pass to pass: the article's lines, what is known of
its title, date and author, and everything cut with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orewatch_common.contracts import Language, RawArticle, Removal, RemovalReason

from orewatch_cleaner.boilerplate import NOTHING_LEARNED, LearnedBoilerplate, SegmentMemory
from orewatch_cleaner.furniture import GENERIC, Furniture
from orewatch_cleaner.profiles import Profile


@dataclass
class Line:
    """A non-blank line of the text, and whether a blank line follows it (a paragraph break)."""

    text: str
    followed_by_break: bool


@dataclass
class Draft:
    """Mutable state of one cleaning run; each pass reads and updates it."""

    raw: RawArticle
    furniture: Furniture = GENERIC  # the generic rules, plus the source's profile
    profiles: tuple[Profile, ...] | None = None  # the site profiles (None: the packaged ones)
    memory: SegmentMemory | None = None
    text: str = ""  # the article as text (a page's extracted text)
    known_title: str | None = None  # from the page's markup or the feed entry
    known_date: datetime | None = None
    known_author: str | None = None
    lines: list[Line] = field(default_factory=list)
    learned: LearnedBoilerplate = NOTHING_LEARNED
    hashes: set[str] = field(default_factory=set)
    title: str | None = None
    published: datetime | None = None
    # a dateline's day without its year ("МОСКВА, 5 апреля"), dated by the fetch: the last resort
    published_without_year: datetime | None = None
    author: str | None = None
    removed: list[Removal] = field(default_factory=list)
    language: Language = Language.UNKNOWN  # set by the `language` pass, on the clean text

    def drop(self, text: str, reason: RemovalReason) -> None:
        self.removed.append(Removal(text=text, reason=reason))


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of a text, stripped, each knowing whether a blank line follows it."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    lines: list[Line] = []
    for index, line in enumerate(raw_lines):
        stripped = line.strip()
        if not stripped:
            continue
        after = raw_lines[index + 1] if index + 1 < len(raw_lines) else ""
        lines.append(Line(stripped, followed_by_break=not after.strip()))
    return lines
