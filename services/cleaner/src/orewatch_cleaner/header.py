"""The header pass: furniture and the headline read from the top of the article.

Breadcrumbs, menus, rubrics, date and byline lines, photo credits and the headline are
dropped (the date and author kept); a subtitle may stand among them and stays in the text.
"""

from __future__ import annotations

import re
from datetime import datetime

from orewatch_common.contracts import RemovalReason

from orewatch_cleaner import tails
from orewatch_cleaner.boilerplate import LearnedBoilerplate
from orewatch_cleaner.draft import Draft, Line
from orewatch_cleaner.furniture import Furniture
from orewatch_cleaner.metadata import (
    DATE,
    DATE_LABELS,
    byline_parts,
    dateline,
    has_year,
    looks_like_headline,
    looks_like_name,
    parse_date,
    with_printed_zone,
)
from orewatch_cleaner.sentences import (
    CLOSING_MARKS,
    SENTENCE_BREAK,
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
_KNOWN_TITLE = thresholds().known_title
_BREADCRUMB = thresholds().breadcrumb
_MENU = thresholds().menu
_RUBRIC = thresholds().rubric


def read_header(draft: Draft) -> Draft:
    """Consume furniture and the headline from the top of the article."""
    _read_header(draft, draft.known_title, draft.raw.fetched_at, draft.learned)
    return draft


def author_of_byline(draft: Draft, text: str) -> None:
    """Keep the author named by a byline found among the tail furniture, if none is known yet."""
    _author_of_byline(draft, text)


def _read_header(
    draft: Draft, known_title: str | None, fetched_at: datetime, learned: LearnedBoilerplate
) -> None:
    """Consume furniture and the headline from the top of the article.

    Below the headline a subtitle may stand between it and more furniture (a byline, the
    date, a photo credit): the subtitle stays in the text and the scan goes on past it,
    up to the first paragraph of prose.
    """
    known = normalise(known_title) if known_title else None
    headline_at = None if known else _headline_index(draft.lines, draft.furniture)
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
            draft.title is None
            and headline_at is not None
            and index < headline_at
            and len(words(line)) <= _HEADER.section_max_words
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


def _headline_index(lines: list[Line], furniture: Furniture) -> int | None:
    """Where the headline stands among the lines above the first paragraph of prose: the
    first that reads as one and is more than a site's name or a section ("Мурманский
    вестник", "Горно-металлургический комплекс", "BBC News Русская служба"): four words or
    more, or a verb, and not the site's name on the page's first line."""
    for index, line in enumerate(lines[: _HEADER.max_lines]):
        text = line.text.strip()
        following = lines[index + 1] if index + 1 < len(lines) else None
        n = len(words(text))
        if text.rstrip(CLOSING_MARKS).endswith((".", "…", ":")) and (
            n >= _HEADER.prose_min_words or len(split_sentences(text)) > 1
        ):
            return None  # prose: the header, if any, is already over
        if (
            _is_date_line(text)
            or looks_like_name(text)
            or tails.furniture_reason(text, furniture) is not None
        ):
            continue
        if not looks_like_headline(text, line.followed_by_break or following is None):
            if n > _HEADER.section_max_words:
                return None
            continue
        verb = furniture.verb_like.search(text) is not None
        site_name = (
            index == 0
            and n <= _HEADER.section_max_words
            and not verb
            and following is not None
            and len(words(following.text)) <= _HEADER.site_name_following_max_words
        )
        if (n >= _HEADER.headline_min_words and not site_name) or (
            verb and n >= _HEADER.verb_headline_min_words
        ):
            return index
        if n > _HEADER.section_max_words:
            return None  # neither a section name nor the headline: leave the header as it is
    return None


def _is_date_line(text: str) -> bool:
    """A date with little else ("09:15 12.04.2025 (обновлено: …)"), not a headline that names a day."""
    found = DATE.search(text)
    return (
        found is not None and len(words(text)) - len(words(found.group(0))) <= _HEADER.date_line_extra_words
    )


def _is_subtitle(line: Line, following: Line | None) -> bool:
    """A line under the headline that sums the story up ("Это снизит доходы бюджета"), with
    more header lines below it: not prose, which ends the header. A standfirst of a sentence
    or two counts when the byline or the date comes right after it."""
    if following is None:
        return False
    text = line.text.strip()
    n, sentences = len(words(text)), len(split_sentences(text))
    if (
        n <= _HEADER.subtitle_max_words
        and sentences == 1
        and not text.rstrip(CLOSING_MARKS).endswith((".", "…", ":"))
    ):
        return True
    below = following.text.strip()
    byline_below = looks_like_name(below) or (
        DATE.search(below) is not None and len(words(below)) <= _HEADER.byline_below_max_words
    )
    return (
        n <= _HEADER.standfirst_max_words and sentences <= _HEADER.standfirst_max_sentences and byline_below
    )


def _keep_lone_headline(draft: Draft, headline: Line) -> None:
    """A text that is only its headline is its own body: a one-line note must not come out empty."""
    draft.lines.append(headline)
    title = RemovalReason.TITLE
    draft.removed = [r for r in draft.removed if not (r.reason is title and r.text == headline.text)]


def _same_headline(line: str, known: str) -> bool:
    """The text's headline line against a known title that may carry the site name ("X — Сайт")."""
    if line == known:
        return True
    shorter, longer = sorted((line, known), key=len)
    return len(shorter) >= max(
        _KNOWN_TITLE.prefix_min_chars, _KNOWN_TITLE.prefix_min_share * len(longer)
    ) and longer.startswith(shorter)


def _header_furniture(
    draft: Draft,
    line: str,
    following: Line | None,
    fetched_at: datetime,
    known_title: str | None,
    learned: LearnedBoilerplate,
) -> bool:
    """Drop one header line if it is furniture, keeping any date or author it carries."""
    if _is_breadcrumb(line, following, known_title, draft.furniture):
        draft.drop(line, RemovalReason.BREADCRUMB)
        return True
    if _is_menu(line):
        draft.drop(line, RemovalReason.NAVIGATION)
        return True
    byline = byline_parts(line, draft.furniture.byline_label)
    if byline is not None:
        author, date_text = byline
        if author and len(words(author)) <= _HEADER.byline_author_max_words:
            draft.author = draft.author or author
        if date_text:
            draft.published = draft.published or parse_date(date_text, fetched_at)
        draft.drop(line, RemovalReason.BYLINE)
        return True
    if draft.furniture.print_edition.search(line):
        found = DATE.search(line)
        if found:
            draft.published = draft.published or parse_date(found.group(0), fetched_at)
        draft.drop(line, RemovalReason.PRINT_EDITION)
        return True
    if _dated_header(draft, line, fetched_at):
        return True
    reason = tails.furniture_reason(line, draft.furniture)
    if reason in _HEADER.reasons:
        draft.drop(line, reason)
        return True
    if learned.knows(line):
        draft.drop(line, RemovalReason.SITE_BOILERPLATE)
        return True
    if draft.title is None and known_title is None and _is_section_name(line, following):
        draft.drop(line, RemovalReason.RUBRIC)
        return True
    signed = _signed_name(line, draft.furniture)
    if draft.title is not None and signed and draft.author is None:
        draft.author = signed
        draft.drop(line, RemovalReason.BYLINE)
        return True
    return False


def _signed_name(line: str, furniture: Furniture) -> str | None:
    """The name of a signature line: "Анна Миронова" or "Анна Миронова, корреспондент в Берлине"."""
    name, _, role = line.partition(",")
    role = SENTENCE_BREAK.split(role, maxsplit=1)[0].strip(" .")
    if not looks_like_name(name):
        return None
    a_role = role[:1].islower() or role.lower().startswith(furniture.signature_roles)
    if role and not (len(words(role)) <= _HEADER.signature_role_max_words and a_role):
        return None
    return name.strip()


def _author_of_byline(draft: Draft, text: str) -> None:
    """Keep the author named by a byline found among the tail furniture, if none is known yet."""
    parts = byline_parts(text, draft.furniture.byline_label)
    name = _signed_name(parts[0], draft.furniture) if parts and parts[0] else None
    if name and draft.author is None:
        draft.author = name


def _dated_header(draft: Draft, line: str, fetched_at: datetime) -> bool:
    """A date line ("25 февраля 2025, 07:00 В мире", "Политика | 12.03.2025", "Иван Петров, вчера, 18:00").

    The date becomes `published_at` when it opens the line or when everything around it is
    furniture (rubric, author, caption, labels); only then is the line dropped.
    """
    found = DATE.search(line)
    opening = dateline(line)
    if found is None or len(words(line)) > _HEADER.date_line_max_words:
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
    rest = draft.furniture.counter.sub(" ", DATE.sub(" ", rest)).replace("(", " ").replace(")", " ")
    whole = squash_spaces(_HEADER_SEPARATORS.sub(" ", rest))
    pieces = [p.strip(" .,") for p in _HEADER_SEPARATORS.split(rest) if p.strip(" .,")]
    author = next((p for p in pieces if looks_like_name(p)), None)
    furniture = (
        not whole
        or tails.furniture_reason(rest.strip(" |"), draft.furniture) == RemovalReason.PHOTO_CREDIT
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


def _take_title(draft: Draft, index: int) -> bool:
    """Take the first prose-free line as the headline when it reads as one."""
    line = draft.lines[index]
    following = draft.lines[index + 1] if index + 1 < len(draft.lines) else None
    set_off = line.followed_by_break or following is None
    before_furniture = (
        following is not None and tails.furniture_reason(following.text, draft.furniture) is not None
    )
    if not looks_like_headline(line.text, set_off, before_furniture):
        return False
    draft.title = line.text
    draft.drop(line.text, RemovalReason.TITLE)
    return True


def _is_breadcrumb(line: str, following: Line | None, known_title: str | None, furniture: Furniture) -> bool:
    """A trail of section names ("Главная » Новости » Общество", "Экономика / Металлургия / Медь")."""
    if line.rstrip().endswith("."):
        return False
    sections = _BREADCRUMB_SEPARATOR.split(line)
    if len(sections) >= _BREADCRUMB.min_sections and all(
        len(words(section)) <= _BREADCRUMB.section_max_words for section in sections
    ):
        return True
    if not furniture.breadcrumb.match(line):
        return False
    if _BREADCRUMB_SEPARATOR.search(line) or len(words(line)) <= _BREADCRUMB.root_line_max_words:
        return True
    rest = normalise(line)
    candidates = [known_title] if known_title else []
    if following is not None:
        candidates.append(normalise(following.text))
    return any(c and len(c) > _BREADCRUMB.title_min_chars and rest.endswith(c) for c in candidates)


_MENU_GAP = re.compile(r"\s{2,}|\t|\s[·•]\s")


def _is_menu(line: str) -> bool:
    """A site menu copied with the text: "Новости  Россия  Мир  Экономика  Спорт" (items apart
    by wide gaps, each a capitalised word or two)."""
    items = [item for item in _MENU_GAP.split(line.strip()) if item]
    return len(items) >= _MENU.min_items and all(
        len(words(item)) <= _MENU.item_max_words
        and item[:1].isupper()
        and not item.rstrip().endswith((".", ",", ":"))
        for item in items
    )


def _is_section_name(line: str, following: Line | None) -> bool:
    """A rubric above the headline ("Экономика", "В мире"): one word, or up to three over a headline.

    The line below must be a headline proper, without a full stop: under a short headline
    ("Алмазы подешевели") comes the lead, a sentence.
    """
    if not _is_rubric(line) or len(line) > _RUBRIC.max_chars:
        return False
    if len(words(line)) == 1:
        return True
    return (
        len(words(line)) <= _RUBRIC.over_headline_max_words
        and following is not None
        and not following.text.rstrip(CLOSING_MARKS).endswith((".", "…"))
        and looks_like_headline(following.text, following.followed_by_break)
        and len(words(following.text)) > len(words(line))
    )


def _is_rubric(text: str) -> bool:
    return len(words(text)) <= _RUBRIC.max_words and tails.is_headline_like(text)
