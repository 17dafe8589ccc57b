"""Pure cleaning core: RawArticle -> CleanArticle (no broker, no I/O).

The article is read as lines. The header (breadcrumbs, date and rubric lines, bylines,
photo credits, the headline) is read from the top; the tail (other headlines, "see also",
prompts, credits, copyright) is peeled from the bottom, first as whole lines, then as
sentences glued to the last paragraph. Furniture lines in between are dropped one by one.
Everything cut is kept in `removed` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from orewatch_common.contracts import (
    CleanArticle,
    ContentType,
    PermanentError,
    RawArticle,
    Removal,
    RemovalReason,
)
from orewatch_common.failures import UnexpectedFailure, permanent_on_failure
from orewatch_lexicon.stemming import stem

from orewatch_cleaner import tails
from orewatch_cleaner.boilerplate import (
    NOTHING_LEARNED,
    LearnedBoilerplate,
    SegmentMemory,
    learned_boilerplate,
    segment_hashes,
)
from orewatch_cleaner.furniture import GENERIC
from orewatch_cleaner.html_extract import extract_page
from orewatch_cleaner.metadata import (
    DATE,
    DATE_LABELS,
    TIMESTAMP_LINE,
    byline_parts,
    dateline,
    has_year,
    looks_like_headline,
    looks_like_name,
    parse_date,
    with_markup_zone,
    with_printed_zone,
)
from orewatch_cleaner.sentences import (
    CLOSING_MARKS,
    SENTENCE_BREAK,
    blank_to_none,
    normalise,
    split_sentences,
    squash_spaces,
    words,
)
from orewatch_cleaner.thresholds import thresholds

_BREADCRUMB_SEPARATOR = re.compile(r"\s[/>»|→›]\s")
_HEADER_SEPARATORS = re.compile(r"\s*[|·•,/]\s*|\s+[—–-]\s+")
_FIELD_MARKS = "|·•,/—–-:"
_HEADER = thresholds().header
_TAIL = thresholds().tail


@dataclass
class _Line:
    text: str
    followed_by_break: bool


@dataclass
class _Draft:
    """Mutable state of one cleaning run."""

    lines: list[_Line]
    title: str | None = None
    published: datetime | None = None
    # a dateline's day without its year ("МОСКВА, 5 апреля"), dated by the fetch: the last resort
    published_without_year: datetime | None = None
    author: str | None = None
    removed: list[Removal] = field(default_factory=list)

    def drop(self, text: str, reason: RemovalReason) -> None:
        self.removed.append(Removal(text=text, reason=reason))


class NoArticleText(PermanentError):
    """Nothing of the document is article text (a navigation-only page, a bare image gallery)."""


class CleaningFailed(UnexpectedFailure):
    """The cleaner's code could not handle the document: a bug, with the original exception."""


@permanent_on_failure(CleaningFailed)
def clean_article(
    raw: RawArticle, memory: SegmentMemory | None = None, *, keep_empty: bool = False
) -> CleanArticle:
    """Strip site furniture from a raw article and find its title, date and author.

    Raises `NoArticleText` when nothing is left: in the pipeline such a document becomes a
    dead letter (with the raw payload) instead of an empty article that no analyst can use.
    Never raises anything but a `PermanentError` (`CleaningFailed` for a bug).
    `keep_empty` returns it with an empty body instead, for callers that must answer for
    every document (`orewatch clean FILE...`).
    """
    known_title = raw.title_hint
    known_date = raw.published_hint
    known_author = raw.author_hint
    text = raw.content
    if raw.content_type == ContentType.HTML:
        page = extract_page(raw.content, raw.url, raw.fetched_at)
        text = page.text
        known_title = page.title or known_title
        known_date = page.published or known_date
        known_author = page.author or known_author

    draft = _Draft(lines=_split_lines(text))
    learned = NOTHING_LEARNED
    hashes: set[str] = set()
    if memory is not None:
        hashes = segment_hashes(_segments(draft.lines))
        learned = learned_boilerplate(memory, raw.source_name, hashes)

    _read_header(draft, known_title, raw.fetched_at, learned)
    # A page's headline often stands apart from its text (trafilatura's title, a feed entry's):
    # the tail rules compare a closing "Ранее …" with it either way.
    draft.title = draft.title or blank_to_none(known_title)
    _drop_tail(draft, learned)
    _drop_inner_furniture(draft, learned)

    if memory is not None:
        memory.record(raw.source_name, hashes)

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
        published_at=with_markup_zone(draft.published, known_date) or draft.published_without_year,
        author=draft.author or blank_to_none(known_author),
        body=body,
        removed=draft.removed,
    )


def _nothing_left(removed: list[Removal]) -> str:
    """Say what the document held, so a dead letter shows whether a rule went too far."""
    if not removed:
        return "no article text in the document"
    reasons = sorted({removal.reason for removal in removed})
    return f"no article text left after cleaning; removed {len(removed)} segment(s) as: {', '.join(reasons)}"


def _split_lines(text: str) -> list[_Line]:
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    lines: list[_Line] = []
    for index, line in enumerate(raw_lines):
        stripped = line.strip()
        if not stripped:
            continue
        after = raw_lines[index + 1] if index + 1 < len(raw_lines) else ""
        lines.append(_Line(stripped, followed_by_break=not after.strip()))
    return lines


def _segments(lines: list[_Line]) -> list[str]:
    """Segments remembered per source: every line, and the sentences of the last lines."""
    found = [line.text for line in lines]
    for line in lines[-3:]:
        found.extend(span.text for span in split_sentences(line.text))
    return found


# --- header -----------------------------------------------------------------------------------


def _read_header(
    draft: _Draft, known_title: str | None, fetched_at: datetime, learned: LearnedBoilerplate
) -> None:
    """Consume furniture and the headline from the top of the article.

    Below the headline a subtitle may stand between it and more furniture (a byline, the
    date, a photo credit): the subtitle stays in the text and the scan goes on past it,
    up to the first paragraph of prose.
    """
    known = normalise(known_title) if known_title else None
    headline_at = None if known else _headline_index(draft.lines)
    dropped: list[int] = []
    subtitles = 0
    index = 0
    while index < len(draft.lines) and index < _HEADER.max_lines + subtitles:
        line = draft.lines[index].text
        following = draft.lines[index + 1] if index + 1 < len(draft.lines) else None
        if known and _same_headline(normalise(line), known):
            draft.title = draft.title or known_title
            draft.drop(line, RemovalReason.TITLE)
        elif _header_furniture(draft, line, following, fetched_at, known, learned):
            pass
        elif (
            draft.title is None and headline_at is not None and index < headline_at and len(words(line)) <= 5
        ):
            draft.drop(line, RemovalReason.RUBRIC)  # a site name or section above the headline
        elif draft.title is not None or known is not None or not _take_title(draft, index):
            if subtitles < _HEADER.max_subtitles and _is_subtitle(draft.lines[index], following):
                subtitles += 1
                index += 1
                continue
            break
        dropped.append(index)
        index += 1
    titles = {removal.text for removal in draft.removed if removal.reason == RemovalReason.TITLE}
    headline = next((draft.lines[i] for i in dropped if draft.lines[i].text in titles), None)
    for i in reversed(dropped):
        del draft.lines[i]
    if headline is not None and not draft.lines:
        _keep_lone_headline(draft, headline)


def _headline_index(lines: list[_Line]) -> int | None:
    """Where the headline stands among the lines above the first paragraph of prose: the
    first that reads as one and is more than a site's name or a section ("Мурманский
    вестник", "Горно-металлургический комплекс", "BBC News Русская служба"): four words or
    more, or a verb, and not the site's name on the page's first line."""
    for index, line in enumerate(lines[: _HEADER.max_lines]):
        text = line.text.strip()
        following = lines[index + 1] if index + 1 < len(lines) else None
        n = len(words(text))
        if text.rstrip(CLOSING_MARKS).endswith((".", "…", ":")) and (
            n >= 13 or len(split_sentences(text)) > 1
        ):
            return None  # prose: the header, if any, is already over
        if _is_date_line(text) or looks_like_name(text) or tails.furniture_reason(text) is not None:
            continue
        if not looks_like_headline(text, line.followed_by_break or following is None):
            if n > 5:
                return None
            continue
        verb = GENERIC.verb_like.search(text) is not None
        site_name = (
            index == 0 and n <= 5 and not verb and following is not None and len(words(following.text)) <= 3
        )
        if (n >= 4 and not site_name) or (verb and n >= 2):
            return index
        if n > 5:
            return None  # neither a section name nor the headline: leave the header as it is
    return None


def _is_date_line(text: str) -> bool:
    """A date with little else ("09:15 12.04.2025 (обновлено: …)"), not a headline that names a day."""
    found = DATE.search(text)
    return found is not None and len(words(text)) - len(words(found.group(0))) <= 4


def _is_subtitle(line: _Line, following: _Line | None) -> bool:
    """A line under the headline that sums the story up ("Это снизит доходы бюджета"), with
    more header lines below it: not prose, which ends the header. A standfirst of a sentence
    or two counts when the byline or the date comes right after it."""
    if following is None:
        return False
    text = line.text.strip()
    n, sentences = len(words(text)), len(split_sentences(text))
    if n <= 30 and sentences == 1 and not text.rstrip(CLOSING_MARKS).endswith((".", "…", ":")):
        return True
    below = following.text.strip()
    byline_below = looks_like_name(below) or (DATE.search(below) is not None and len(words(below)) <= 8)
    return n <= 40 and sentences <= 2 and byline_below


def _keep_lone_headline(draft: _Draft, headline: _Line) -> None:
    """A text that is only its headline is its own body: a one-line note must not come out empty."""
    draft.lines.append(headline)
    title = RemovalReason.TITLE
    draft.removed = [r for r in draft.removed if not (r.reason is title and r.text == headline.text)]


def _same_headline(line: str, known: str) -> bool:
    """The text's headline line against a known title that may carry the site name ("X — Сайт")."""
    if line == known:
        return True
    shorter, longer = sorted((line, known), key=len)
    return len(shorter) >= max(15, 0.6 * len(longer)) and longer.startswith(shorter)


def _header_furniture(
    draft: _Draft,
    line: str,
    following: _Line | None,
    fetched_at: datetime,
    known_title: str | None,
    learned: LearnedBoilerplate,
) -> bool:
    """Drop one header line if it is furniture, keeping any date or author it carries."""
    if _is_breadcrumb(line, following, known_title):
        draft.drop(line, RemovalReason.BREADCRUMB)
        return True
    if _is_menu(line):
        draft.drop(line, RemovalReason.NAVIGATION)
        return True
    byline = byline_parts(line)
    if byline is not None:
        author, date_text = byline
        if author and len(words(author)) <= _HEADER.byline_author_max_words:
            draft.author = draft.author or author
        if date_text:
            draft.published = draft.published or parse_date(date_text, fetched_at)
        draft.drop(line, RemovalReason.BYLINE)
        return True
    if GENERIC.print_edition.search(line):
        found = DATE.search(line)
        if found:
            draft.published = draft.published or parse_date(found.group(0), fetched_at)
        draft.drop(line, RemovalReason.PRINT_EDITION)
        return True
    if _dated_header(draft, line, fetched_at):
        return True
    reason = tails.furniture_reason(line)
    if reason in _HEADER.reasons:
        draft.drop(line, reason)
        return True
    if learned.knows(line):
        draft.drop(line, RemovalReason.SITE_BOILERPLATE)
        return True
    if draft.title is None and known_title is None and _is_section_name(line, following):
        draft.drop(line, RemovalReason.RUBRIC)
        return True
    signed = _signed_name(line)
    if draft.title is not None and signed and draft.author is None:
        draft.author = signed
        draft.drop(line, RemovalReason.BYLINE)
        return True
    return False


def _signed_name(line: str) -> str | None:
    """The name of a signature line: "Анна Миронова" or "Анна Миронова, корреспондент в Берлине"."""
    name, _, role = line.partition(",")
    role = SENTENCE_BREAK.split(role, maxsplit=1)[0].strip(" .")
    if not looks_like_name(name):
        return None
    a_role = role[:1].islower() or role.lower().startswith(GENERIC.signature_roles)
    if role and not (len(words(role)) <= 5 and a_role):
        return None
    return name.strip()


def _author_of_byline(draft: _Draft, text: str) -> None:
    """Keep the author named by a byline found among the tail furniture, if none is known yet."""
    parts = byline_parts(text)
    name = _signed_name(parts[0]) if parts and parts[0] else None
    if name and draft.author is None:
        draft.author = name


def _dated_header(draft: _Draft, line: str, fetched_at: datetime) -> bool:
    """A date line ("25 февраля 2025, 07:00 В мире", "Политика | 12.03.2025", "Иван Петров, вчера, 18:00").

    The date becomes `published_at` when it opens the line or when everything around it is
    furniture (rubric, author, caption, labels); only then is the line dropped.
    """
    found = DATE.search(line)
    opening = dateline(line)
    if found is None or len(words(line)) > 16:
        if opening is not None and draft.published is None:
            dated = parse_date(opening, fetched_at)  # a dateline before the lead
            if has_year(opening):
                draft.published = dated
            else:
                draft.published_without_year = draft.published_without_year or dated
        return False
    if opening is None and not _stands_apart(line, found.start(), found.end()):
        return False  # a date inside a sentence ("…сегодня отменила…") is not a header field
    published = with_printed_zone(parse_date(found.group(0), fetched_at), line)
    if published is None:
        return False
    # the date of an update beside the publication date, and counters, are furniture too
    rest = DATE_LABELS.sub(" ", line[: found.start()] + " | " + line[found.end() :])
    rest = GENERIC.counter.sub(" ", DATE.sub(" ", rest)).replace("(", " ").replace(")", " ")
    whole = squash_spaces(_HEADER_SEPARATORS.sub(" ", rest))
    pieces = [p.strip(" .,") for p in _HEADER_SEPARATORS.split(rest) if p.strip(" .,")]
    author = next((p for p in pieces if looks_like_name(p)), None)
    furniture = (
        not whole
        or tails.furniture_reason(rest.strip(" |")) == RemovalReason.PHOTO_CREDIT
        or all(_is_rubric(p) or looks_like_name(p) or DATE.fullmatch(p) for p in pieces)
    )
    if opening is not None or furniture:
        draft.published = draft.published or published
    if not furniture:
        return False
    if author and draft.author is None:
        draft.author = author
    draft.drop(line, RemovalReason.DATE_HEADER)
    return True


def _stands_apart(line: str, start: int, end: int) -> bool:
    """Whether a span is its own field: at an edge of the line or next to a separator on each side."""
    before = line[:start].rstrip()
    after = line[end:].lstrip()
    return (not before or before[-1] in _FIELD_MARKS) and (not after or after[0] in _FIELD_MARKS)


def _take_title(draft: _Draft, index: int) -> bool:
    """Take the first prose-free line as the headline when it reads as one."""
    line = draft.lines[index]
    following = draft.lines[index + 1] if index + 1 < len(draft.lines) else None
    set_off = line.followed_by_break or following is None
    before_furniture = following is not None and tails.furniture_reason(following.text) is not None
    if not looks_like_headline(line.text, set_off, before_furniture):
        return False
    draft.title = line.text
    draft.drop(line.text, RemovalReason.TITLE)
    return True


def _is_breadcrumb(line: str, following: _Line | None, known_title: str | None) -> bool:
    """A trail of section names ("Главная » Новости » Общество", "Экономика / Металлургия / Медь")."""
    if line.rstrip().endswith("."):
        return False
    sections = _BREADCRUMB_SEPARATOR.split(line)
    if len(sections) >= 3 and all(len(words(section)) <= 3 for section in sections):
        return True
    if not GENERIC.breadcrumb.match(line):
        return False
    if _BREADCRUMB_SEPARATOR.search(line) or len(words(line)) <= 4:
        return True
    rest = normalise(line)
    candidates = [known_title] if known_title else []
    if following is not None:
        candidates.append(normalise(following.text))
    return any(c and len(c) > 10 and rest.endswith(c) for c in candidates)


_MENU_GAP = re.compile(r"\s{2,}|\t|\s[·•]\s")


def _is_menu(line: str) -> bool:
    """A site menu copied with the text: "Новости  Россия  Мир  Экономика  Спорт" (items apart
    by wide gaps, each a capitalised word or two)."""
    items = [item for item in _MENU_GAP.split(line.strip()) if item]
    return len(items) >= 4 and all(
        len(words(item)) <= 2 and item[:1].isupper() and not item.rstrip().endswith((".", ",", ":"))
        for item in items
    )


def _is_section_name(line: str, following: _Line | None) -> bool:
    """A rubric above the headline ("Экономика", "В мире"): one word, or up to three over a headline.

    The line below must be a headline proper, without a full stop: under a short headline
    ("Алмазы подешевели") comes the lead, a sentence.
    """
    if not _is_rubric(line) or len(line) > 30:
        return False
    if len(words(line)) == 1:
        return True
    return (
        len(words(line)) <= 3
        and following is not None
        and not following.text.rstrip(CLOSING_MARKS).endswith((".", "…"))
        and looks_like_headline(following.text, following.followed_by_break)
        and len(words(following.text)) > len(words(line))
    )


def _is_rubric(text: str) -> bool:
    return len(words(text)) <= 4 and tails.is_headline_like(text)


# --- tail ------------------------------------------------------------------------------------


def _drop_tail(draft: _Draft, learned: LearnedBoilerplate) -> None:
    """Peel furniture from the bottom until the last paragraph is article text."""
    _drop_related_block(draft)
    background_cuts = 0
    while draft.lines:
        if _drop_tail_lines(draft, learned):
            continue
        last = draft.lines[-1]
        cuts = tails.glued_tail(last.text, learned)
        if cuts:
            for cut in cuts:
                piece = last.text[cut.start : cut.end].strip()
                if cut.reason == RemovalReason.BYLINE:
                    _author_of_byline(draft, piece)
                elif cut.reason == RemovalReason.AUTHOR_SIGNATURE and draft.author is None:
                    draft.author = tails.signature_authors(piece) or piece
                draft.drop(piece, cut.reason)
            last.text = last.text[: cuts[0].start].rstrip()
            if not last.text:
                draft.lines.pop()
            continue
        several_sentences = len(draft.lines) > 1 or len(split_sentences(last.text)) > 1
        if background_cuts < _TAIL.max_background_cuts and several_sentences:
            title_stems = {stem(word) for word in words(draft.title or "") if len(word) >= 4}
            background = tails.background_tail(last.text, lambda: _context_stems(draft), title_stems)
            if background is not None:
                background_cuts += 1
                draft.drop(last.text[background.start :].strip(), background.reason)
                last.text = last.text[: background.start].rstrip()
                if not last.text:
                    draft.lines.pop()
                continue
        break


def _drop_related_block(draft: _Draft) -> None:
    """A "Похожие новости" heading followed only by teasers or headlines ends the article, as
    "О компании" or "Контакты для СМИ" ends a press release."""
    for index in range(1, len(draft.lines)):
        heading = draft.lines[index].text
        rest = draft.lines[index + 1 :]
        reason = RemovalReason.RELATED_HEADLINES
        if tails.is_press_release_heading(heading):
            reason = RemovalReason.PRESS_RELEASE
            fits = all(len(words(line.text)) <= _TAIL.press_release_max_words for line in rest)
        elif tails.is_block_heading(heading):
            fits = all(len(words(line.text)) <= _TAIL.block_max_words for line in rest)
        elif tails.is_weak_block_heading(heading):
            fits = all(tails.is_headline_like(line.text) or TIMESTAMP_LINE.match(line.text) for line in rest)
        else:
            continue
        if fits:
            for line in draft.lines[index:]:
                draft.drop(line.text, reason)
            del draft.lines[index:]
            return


def _drop_tail_lines(draft: _Draft, learned: LearnedBoilerplate) -> bool:
    """Drop the run of furniture lines at the bottom, with the headlines and names between them."""
    lines = draft.lines
    top_strong: int | None = None
    bullets = 0
    index = len(lines) - 1
    while index >= 1:
        text = lines[index].text
        reason = _tail_line_reason(text, learned, is_last=index == len(lines) - 1)
        if reason is not None:
            top_strong = index
        elif tails.is_bullet_headline(text):
            bullets += 1
            introduced = lines[index - 1].text.rstrip().endswith(":")  # "Меры включают:" + list
            if bullets >= 3 and not (introduced and tails.furniture_reason(lines[index - 1].text) is None):
                top_strong = index
        elif not (tails.is_headline_like(text) or tails.is_signature(text)):
            break
        index -= 1
    if top_strong is None:
        top_strong = _headline_list_start(lines)
    if top_strong is None:
        return False
    if (
        top_strong > 1
        and TIMESTAMP_LINE.match(lines[top_strong].text)
        and tails.is_headline_like(lines[top_strong - 1].text)
    ):
        top_strong -= 1  # "Headline / 19:15 02 сен 2025.": the first headline sits above its time
    for line in lines[top_strong:]:
        signed = tails.is_signature(line.text)
        reason = _tail_line_reason(line.text, learned, is_last=line is lines[-1]) or (
            RemovalReason.AUTHOR_SIGNATURE if signed else RemovalReason.RELATED_HEADLINES
        )
        if reason == RemovalReason.AUTHOR_SIGNATURE and draft.author is None:
            draft.author = tails.signature_authors(line.text)
        if reason == RemovalReason.BYLINE:
            _author_of_byline(draft, line.text)
        draft.drop(line.text, reason)
    del lines[top_strong:]
    return True


def _headline_list_start(lines: list[_Line]) -> int | None:
    """Start of a bare list of other headlines closing the text: three or more short capitalised
    lines without closing punctuation, below a paragraph that ends a sentence."""
    index = len(lines)
    while index > 1 and _is_listed_headline(lines[index - 1].text):
        index -= 1
    if len(lines) - index < 3 or index < 1:
        return None
    above = lines[index - 1].text.rstrip(CLOSING_MARKS)
    return index if above.endswith((".", "!", "?", "…")) else None


def _is_listed_headline(text: str) -> bool:
    return tails.is_headline_like(text) and len(words(text)) >= 3 and text.lstrip('-–—•*· «"')[:1].isupper()


def _tail_line_reason(text: str, learned: LearnedBoilerplate, is_last: bool) -> RemovalReason | None:
    reason: RemovalReason | None = tails.furniture_reason(text)
    if reason is not None:
        return reason
    if tails.is_read_also_heading(text):
        return RemovalReason.READ_ALSO
    if tails.is_timestamped_teaser(text) or tails.is_dated_headline(text):
        return RemovalReason.RELATED_HEADLINES
    if learned.knows(text):
        return RemovalReason.SITE_BOILERPLATE
    if is_last and tails.is_signature(text):
        return RemovalReason.AUTHOR_SIGNATURE
    if _is_tag_list(text):
        return RemovalReason.TAGS
    if is_last and tails.is_agency_credit(text):
        return RemovalReason.SOURCE_CREDIT
    if is_last and tails.is_foreign_furniture(text):
        return RemovalReason.SITE_BOILERPLATE
    return None


def _is_tag_list(text: str) -> bool:
    """A page's tags on one line: "Экономика, Россия, Норильский никель, Владимир Потанин"."""
    items = [item.strip() for item in text.split(",")]
    return len(items) >= 4 and all(
        item[:1].isupper() and 1 <= len(words(item)) <= 3 and not item.endswith((".", "!", "?"))
        for item in items
    )


def _context_stems(draft: _Draft) -> set[str]:
    """Stems of every word in the title and in the body above the last paragraph."""
    parts = [draft.title or ""] + [line.text for line in draft.lines[:-1]]
    return {stem(word) for part in parts for word in words(part)}


# --- between header and tail -----------------------------------------------------------------


def _drop_inner_furniture(draft: _Draft, learned: LearnedBoilerplate) -> None:
    """Drop furniture lines inside the article: captions, "see also" links, prompts."""
    kept: list[_Line] = []
    after_read_also = False
    for line in draft.lines:
        _drop_inline_read_also(draft, line)
        reason = tails.furniture_reason(line.text)
        if reason is None and learned.knows(line.text):
            reason = RemovalReason.SITE_BOILERPLATE
        if reason is None and tails.is_read_also_heading(line.text):
            reason = RemovalReason.READ_ALSO
        if reason is None and after_read_also and tails.is_headline_like(line.text):
            reason = RemovalReason.READ_ALSO
        if reason is not None and kept:
            draft.drop(line.text, reason)
            # a bare "Читайте также:" owns the headline lines right below it
            heading = tails.is_read_also_heading(line.text)
            after_read_also = heading or (after_read_also and reason == RemovalReason.READ_ALSO)
            continue
        after_read_also = False
        kept.append(line)
    draft.lines = kept


def _drop_inline_read_also(draft: _Draft, line: _Line) -> None:
    """Cut "Читайте также: <headline>" out of a paragraph that goes on after it."""
    cuts = tails.inline_read_also(line.text)
    for cut in reversed(cuts):
        draft.drop(line.text[cut.start : cut.end].strip(), cut.reason)
        line.text = (line.text[: cut.start].rstrip() + " " + line.text[cut.end :].lstrip()).strip()
