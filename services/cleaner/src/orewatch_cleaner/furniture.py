"""The furniture rules compiled: one `Furniture` per profile (the generic rules, plus a site's).

Each regular expression here is a section of the rule files set in a frame: the frames are the
mechanics (where in a line a marker may stand), the fragments the knowledge. A profile's
fragments follow the generic ones in every section, so a site only ever adds furniture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from orewatch_common.contracts import RemovalReason
from orewatch_lexicon.rules import RuleSet

from orewatch_cleaner.rulebook import (
    FRAMES,
    HEADING,
    FurnitureRule,
    expand,
    generic_furniture,
    list_alternations,
)
from orewatch_cleaner.rulebook import FurnitureSection as S
from orewatch_cleaner.thresholds import thresholds

_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class OpeningRule:
    """A kind of furniture: how its text opens, its removal reason and the longest it can be."""

    reason: RemovalReason
    opens: re.Pattern[str]
    max_words: int
    owns_rest: bool = False  # a "see also" marker owns the headline that follows it
    line_max_words: int = 0  # longer limit when the furniture fills a whole line (a teaser)


def alternation(fragments: Sequence[str]) -> str:
    """Fragments as one alternation, in order (the first that matches wins); never empty."""
    return "|".join(f"(?:{fragment})" for fragment in fragments) or "(?!x)x"


@dataclass(frozen=True)
class Furniture:
    """Every furniture pattern of one profile, compiled once."""

    openings: tuple[OpeningRule, ...]
    block_heading: re.Pattern[str]
    weak_block_heading: re.Pattern[str]
    press_release_heading: re.Pattern[str]
    read_also_alone: re.Pattern[str]
    read_also_inside: re.Pattern[str]
    inline_markers: re.Pattern[str]
    channel: re.Pattern[str]
    invite: re.Pattern[str]
    social_row: re.Pattern[str]
    caption_credit: re.Pattern[str]
    background: re.Pattern[str]
    orphan: re.Pattern[str]
    dangling: re.Pattern[str]
    cited_outlet: re.Pattern[str]
    breadcrumb: re.Pattern[str]
    print_edition: re.Pattern[str]
    counter: re.Pattern[str]
    verb_like: re.Pattern[str]
    byline_label: re.Pattern[str]
    name_list: re.Pattern[str]
    reader_cues: tuple[str, ...]
    linking_words: frozenset[str]
    signature_roles: tuple[str, ...]


class _Sections:
    """The sections of several rule files, each file's fragments after the one before."""

    def __init__(self, rules: Sequence[RuleSet]):
        self.rules = rules
        self.lists = list_alternations(rules)

    def fragments(self, section: S) -> tuple[str, ...]:
        """The section's fragments, each `{news_agencies}` filled in with every file's list."""
        return tuple(
            expand(fragment, self.lists) for ruleset in self.rules for fragment in ruleset.fragments(section)
        )

    def words(self, section: S) -> tuple[str, ...]:
        return tuple(" ".join(rule.key) for ruleset in self.rules for rule in ruleset.of(section))

    def glued(self) -> tuple[str, ...]:
        return tuple(
            expand(rule.fragment(), self.lists)
            for ruleset in self.rules
            for rule in ruleset.rules
            if isinstance(rule, FurnitureRule) and rule.glued
        )

    def framed(self, section: S, frame: str | None = None) -> re.Pattern[str]:
        """The section in its own frame (FRAMES), or in `frame`."""
        return re.compile((frame or FRAMES[section]).format(alternation(self.fragments(section))), _FLAGS)


def _openings(sections: _Sections) -> tuple[OpeningRule, ...]:
    return tuple(
        OpeningRule(o.reason, sections.framed(o.section), o.max_words, o.owns_rest, o.line_max_words)
        for o in thresholds().opening
    )


def compile_furniture(rules: Sequence[RuleSet]) -> Furniture:
    """The furniture of `rules` (the generic file first, then a site's) as compiled patterns."""
    s = _Sections(rules)
    read_also = alternation(s.fragments(S.READ_ALSO))
    dangling = alternation(s.fragments(S.DANGLING_WORDS))
    return Furniture(
        openings=_openings(s),
        block_heading=s.framed(S.BLOCK_HEADINGS),
        weak_block_heading=s.framed(S.WEAK_HEADINGS),
        press_release_heading=s.framed(S.PRESS_RELEASE_HEADINGS),
        read_also_alone=s.framed(S.READ_ALSO, HEADING),
        # "… сказал он. Читайте также: <headline>" inside a paragraph
        read_also_inside=re.compile(rf"(?:^|(?<=[.!?…»\"]\s))(?:{read_also})\s*:\s*", _FLAGS),
        # a capitalised marker right after a word, without a full stop before it (capital first:
        # cheap to reject)
        inline_markers=re.compile(rf"(?<=\s)(?-i:(?=[A-ZА-ЯЁІЇЄҐ]))(?=(?:{alternation(s.glued())}))", _FLAGS),
        channel=s.framed(S.SUBSCRIBE_CHANNELS),
        invite=s.framed(S.INVITATIONS),
        # a row of network names: share or follow buttons
        social_row=s.framed(S.SOCIAL_NETWORKS, r"(?:(?:{})[\s|·•,/]*){{2,}}"),
        caption_credit=s.framed(S.CAPTION_CREDITS),
        background=s.framed(S.BACKGROUND_OPENERS),
        orphan=s.framed(S.ORPHANED_LINKS),
        # a passage that stops on a comma, conjunction or preposition lost its link text
        dangling=re.compile(rf"(?:[,:;—–-]|\b(?:{dangling}))\s*$", _FLAGS),
        cited_outlet=s.framed(S.LINK_FORMULAS),
        breadcrumb=s.framed(S.BREADCRUMB_ROOTS),
        print_edition=s.framed(S.PRINT_EDITIONS),
        counter=s.framed(S.COUNTERS),
        verb_like=s.framed(S.HEADLINE_VERB_ENDINGS),
        # "Автор: Владимир | 31.03.2025": the label before a byline's name and date
        byline_label=s.framed(S.BYLINE, r"^\s*(?:{})\s*"),
        # "Дмитрий Козлов, Ольга Мордюшенко", "Дмитрий Козлов и Ольга Мордюшенко" (lower case only)
        name_list=s.framed(S.NAME_CONJUNCTIONS, r"\s*(?:,|(?-i:\s(?:{})\s))\s*"),
        reader_cues=s.words(S.READER_CUES),
        linking_words=frozenset(s.words(S.LINKING_WORDS)),
        signature_roles=s.words(S.SIGNATURE_ROLES),
    )


GENERIC = compile_furniture((generic_furniture(),))
