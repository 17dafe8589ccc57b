"""Pure cleaning core: RawArticle -> CleanArticle (no broker, no I/O).

Cleaning is an ordered registry of named passes (`PASSES`), each a small function that takes
the run's `Draft` and hands it on: the document is decoded to text and split into lines, the
source's learned boilerplate is looked up, the header is read from the top, the tail peeled
from the bottom and furniture in between dropped. Everything cut is kept in `removed` with
its reason. `run_passes` runs any sequence of them, so one pass can be tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from orewatch_common.contracts import CleanArticle, ContentType, PermanentError, RawArticle, Removal
from orewatch_common.failures import UnexpectedFailure, permanent_on_failure

from orewatch_cleaner.boilerplate import CountedAlready, SegmentMemory, learned_boilerplate, segment_hashes
from orewatch_cleaner.draft import Draft, Line, split_lines
from orewatch_cleaner.footer import drop_inner_furniture, drop_related_block, drop_tail
from orewatch_cleaner.furniture import GENERIC
from orewatch_cleaner.header import read_header
from orewatch_cleaner.html_extract import extract_page
from orewatch_cleaner.language import detect_language
from orewatch_cleaner.metadata import with_markup_zone
from orewatch_cleaner.profiles import Profile, furniture_for, recognised_furniture
from orewatch_cleaner.sentences import blank_to_none, split_sentences, squash_spaces
from orewatch_cleaner.thresholds import thresholds

_CLOSING_LINES = thresholds().boilerplate.closing_lines


class NoArticleText(PermanentError):
    """Nothing of the document is article text (a navigation-only page, a bare image gallery)."""


class CleaningFailed(UnexpectedFailure):
    """The cleaner's code could not handle the document: a bug, with the original exception."""


class PassName(StrEnum):
    """The cleaner's passes, in the order they run."""

    DECODE = "decode"
    LINES = "lines"
    RECOGNISE = "recognise"
    LEARN = "learn"
    HEADER = "header"
    TITLE = "title"
    RELATED_BLOCK = "related-block"
    TAIL = "tail"
    INNER = "inner"
    LANGUAGE = "language"
    RECORD = "record"


@dataclass(frozen=True)
class Pass:
    name: PassName
    run: Callable[[Draft], Draft]


def decode(draft: Draft) -> Draft:
    """The document as text, with the title, date and author its page or feed entry gives."""
    raw = draft.raw
    draft.text = raw.content
    draft.known_title, draft.known_date, draft.known_author = (
        raw.title_hint,
        raw.published_hint,
        raw.author_hint,
    )
    if raw.content_type == ContentType.HTML:
        page = extract_page(raw.content, raw.url, raw.fetched_at)
        draft.text = page.text
        draft.known_title = page.title or draft.known_title
        draft.known_date = page.published or draft.known_date
        draft.known_author = page.author or draft.known_author
    return draft


def lines(draft: Draft) -> Draft:
    """The text's non-blank lines, each knowing whether a paragraph break follows it."""
    draft.lines = split_lines(draft.text)
    return draft


def recognise(draft: Draft) -> Draft:
    """A text no profile serves by its source may still show its outlet in its first or last
    lines (a profile's `recognised_by`): then that profile's furniture is used."""
    if draft.furniture is GENERIC:
        draft.furniture = recognised_furniture([line.text for line in draft.lines], draft.profiles)
    return draft


def learn(draft: Draft) -> Draft:
    """What the source's earlier articles show to be its boilerplate (with a segment memory)."""
    if draft.memory is not None:
        draft.hashes = segment_hashes(_segments(draft.lines))
        draft.learned = learned_boilerplate(draft.memory, draft.raw.source_name, draft.hashes)
    return draft


def title(draft: Draft) -> Draft:
    """A page's headline often stands apart from its text (trafilatura's title, a feed entry's):
    the tail rules compare a closing "Ранее …" with it either way."""
    draft.title = draft.title or blank_to_none(draft.known_title)
    return draft


def language(draft: Draft) -> Draft:
    """The language of what is left (title and body, not the furniture cut from them): the
    extractor runs its Russian models only on Russian text."""
    text = "\n".join([draft.title or "", *(line.text for line in draft.lines)])
    draft.language = detect_language(text).language
    return draft


def record(draft: Draft) -> Draft:
    """Remember this article's segments for the source's later articles."""
    if draft.memory is not None:
        draft.memory.record(draft.raw.source_name, draft.hashes)
    return draft


PASSES: tuple[Pass, ...] = (
    Pass(PassName.DECODE, decode),
    Pass(PassName.LINES, lines),
    Pass(PassName.RECOGNISE, recognise),
    Pass(PassName.LEARN, learn),
    Pass(PassName.HEADER, read_header),
    Pass(PassName.TITLE, title),
    Pass(PassName.RELATED_BLOCK, drop_related_block),
    Pass(PassName.TAIL, drop_tail),
    Pass(PassName.INNER, drop_inner_furniture),
    Pass(PassName.LANGUAGE, language),
    Pass(PassName.RECORD, record),
)


def pass_names() -> list[PassName]:
    """The registry, listed in order."""
    return [p.name for p in PASSES]


def run_passes(
    draft: Draft, passes: Iterable[Pass] = PASSES, skip: frozenset[PassName] = frozenset()
) -> Draft:
    """Run `passes` in order on `draft`, leaving out those named in `skip`."""
    for step in passes:
        if step.name not in skip:
            draft = step.run(draft)
    return draft


@permanent_on_failure(CleaningFailed)
def clean_article(
    raw: RawArticle,
    memory: SegmentMemory | None = None,
    *,
    keep_empty: bool = False,
    profiles: tuple[Profile, ...] | None = None,
) -> CleanArticle:
    """Strip site furniture from a raw article and find its title, date and author.

    Raises `NoArticleText` when nothing is left: in the pipeline such a document becomes a
    dead letter (with the raw payload) instead of an empty article that no analyst can use.
    Never raises anything but a `PermanentError` (`CleaningFailed` for a bug).
    `keep_empty` returns it with an empty body instead, for callers that must answer for
    every document (`orewatch clean FILE...`). `profiles` replaces the packaged site profiles.
    """
    if memory is not None and raw.processing_version is not None:
        memory = CountedAlready(memory)  # reprocessed: counted when it was first cleaned
    start = Draft(raw=raw, furniture=furniture_for(raw, profiles), profiles=profiles, memory=memory)
    draft = run_passes(start)
    body = "\n\n".join(squash_spaces(line.text) for line in draft.lines if line.text.strip())
    if not body and not keep_empty:
        raise NoArticleText(_nothing_left(draft.removed))
    return CleanArticle(
        article_id=raw.article_id,
        source_kind=raw.source_kind,
        source_uri=raw.source_uri,
        source_name=raw.source_name,
        url=raw.url,
        fetched_at=raw.fetched_at,
        raw_sha256=raw.content_sha256,
        title=draft.title,
        published_at=with_markup_zone(draft.published, draft.known_date) or draft.published_without_year,
        author=draft.author or blank_to_none(draft.known_author),
        body=body,
        removed=draft.removed,
        language=draft.language,
        processing_version=raw.processing_version,
    )


def _nothing_left(removed: list[Removal]) -> str:
    """Say what the document held, so a dead letter shows whether a rule went too far."""
    if not removed:
        return "no article text in the document"
    reasons = sorted({removal.reason for removal in removed})
    return f"no article text left after cleaning; removed {len(removed)} segment(s) as: {', '.join(reasons)}"


def _segments(lines: list[Line]) -> list[str]:
    """Segments remembered per source: every line, and the sentences of the last lines."""
    found = [line.text for line in lines]
    for line in lines[max(0, len(lines) - _CLOSING_LINES) :]:
        found.extend(span.text for span in split_sentences(line.text))
    return found
