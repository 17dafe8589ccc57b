"""Title, publication date and author found in an article's header lines.

Dates are only looked for in header candidates (a date header, a byline), never in tails,
so a related headline's timestamp cannot become the article's date. Candidate strings are
found with a cheap regex and handed to dateparser, which knows the month names and
relative words of both languages; it is slow, so it is called a handful of times per article.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from orewatch_cleaner.furniture import GENERIC, alternation
from orewatch_cleaner.rulebook import DateSection, FurnitureSection, ZoneRule, date_rules, generic_furniture
from orewatch_cleaner.sentences import CLOSING_MARKS, split_sentences, words
from orewatch_cleaner.thresholds import thresholds

_HEADLINE = thresholds().headline
_NAMES = thresholds().names
_YEARS = thresholds().dates

_DATES = date_rules()
RELATIVE_DAYS = alternation(_DATES.fragments(DateSection.RELATIVE_DAYS))
# "Дата публикации:", "Обновлено", "published" before a date (dates.yaml)
DATE_LABELS = _DATES.regex(DateSection.DATE_LABELS)

# "г.", "года", "р.", "року" after a year; "в", "о" before a time (dates.yaml)
_YEAR_WORD = rf"(?:{alternation(_DATES.fragments(DateSection.YEAR_WORDS))})"
_AT = rf"(?:(?:{alternation(_DATES.fragments(DateSection.TIME_PREPOSITIONS))})\s*)"
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?"
_MONTH_WORD = r"[А-Яа-яЁёІіЇїЄє]{3,10}\.?"
_DATE_FORMS = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?",
    rf"(?:{_TIME},?\s+)?\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}(?:\s*{_YEAR_WORD})?"
    rf"(?:\s*[,·•|]?\s*{_AT}?{_TIME})?",
    rf"(?:{_TIME}\s*[,/|]?\s+)?\d{{1,2}}\s+{_MONTH_WORD}\s+\d{{4}}(?:\s*{_YEAR_WORD})?"
    rf"(?:\s*[,·•|]?\s*{_AT}?{_TIME})?",
    rf"(?:{RELATIVE_DAYS})(?:,?\s*{_AT}?{_TIME})?",
)
DATE = re.compile("|".join(f"(?:{form})" for form in _DATE_FORMS), re.IGNORECASE)

# A date at the start of a line, possibly after a label such as "date", "Дата:" or "Опубликовано".
_DATE_LABEL = rf"(?:{alternation(_DATES.fragments(DateSection.DATE_LABELS))})\s*:?\s*"
LEADING_DATE = re.compile(rf"^\s*(?:{_DATE_LABEL})?(?P<date>{DATE.pattern})[\s.,|·•—–-]*", re.IGNORECASE)

# A line that is nothing but a time stamp: "19:15 02 сен 2025.", "16:30", "сегодня, 12:48".
_DAY_MONTH_TIME = rf"\d{{1,2}}\s+{_MONTH_WORD},?\s*{_AT}?{_TIME}|{_TIME},?\s+\d{{1,2}}\s+{_MONTH_WORD}"
TIMESTAMP_LINE = re.compile(
    rf"^\s*(?:(?:{DATE.pattern})|{_DAY_MONTH_TIME}|{_TIME})\s*[.,]?\s*$", re.IGNORECASE
)
# A headline line that ends with its time stamp: "Цены на нефть выросли — 19:15", "…, 02.09.2025".
TIMESTAMP_END = re.compile(
    rf"\S.*?\s*[,(|·•—–-]\s*(?:(?:{DATE.pattern})|{_DAY_MONTH_TIME}|\d{{1,2}}:\d{{2}})\)?\s*$", re.IGNORECASE
)
# A short paragraph that starts with a time stamp: a related headline with its time.
TIMESTAMP_LEAD = re.compile(
    rf"^\s*(?:(?:{RELATIVE_DAYS}),\s*)?(?:(?:{DATE.pattern})|{_TIME}|\d{{1,2}}\s+{_MONTH_WORD})\s*\.\s+\S",
    re.IGNORECASE,
)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NUMERIC_DATE = re.compile(
    r"(?:(?P<hour2>\d{1,2})[:.](?P<minute2>\d{2}),?\s+)?(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{2,4})"
    rf"(?:\s*{_YEAR_WORD})?(?:,?\s*{_AT}?(?P<hour>\d{{1,2}})[:.](?P<minute>\d{{2}}))?",
    re.IGNORECASE,
)
_RELATIVE = re.compile(RELATIVE_DAYS, re.IGNORECASE)
# "сегодня, 9 июля": the explicit date wins; "вчера, 18:00" keeps its relative word
_RELATIVE_BEFORE_DATE = re.compile(
    rf"^(?:{RELATIVE_DAYS}),?\s+(?=\d{{1,2}}(?:\s+[^\d\s]|[./]\d))", re.IGNORECASE
)
_BYLINE_SPLIT = re.compile(r"\s*[|·•]\s*|\s+[—–-]\s+")
# Capitalised words, the surname maybe in capitals ("Анастасия ВИНОГРАДОВА")
_NAME = re.compile(
    r"^[A-ZА-ЯЁІЇЄ][a-zа-яёіїє'’-]+(?:\s+[A-ZА-ЯЁІЇЄ](?:[a-zа-яёіїє'’.-]*|[A-ZА-ЯЁІЇЄ'’-]+)){0,3}$"
)
_SENTENCE_END = re.compile(r"[.!?…]$")


_YEAR = re.compile(r"\d{4}")


def has_year(text: str) -> bool:
    """Whether a printed date names its year ("5 апреля" does not; the fetch must date it)."""
    return _YEAR.search(text) is not None


def parse_date(text: str, fetched_at: datetime | None = None) -> datetime | None:
    """Parse one date candidate as printed ("31.03.2025, 18:28", "вчера", ISO); None if not a date."""
    text = text.strip().rstrip(".,")
    if not text:
        return None
    if _ISO.match(text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    text = _RELATIVE_BEFORE_DATE.sub("", text)
    base = fetched_at.replace(tzinfo=None) if fetched_at else None
    parsed = _parse_numeric(text)
    if parsed is None:
        # month names and relative words: dateparser knows both languages; the fetch time
        # only matters for relative words, so leave it out otherwise and let the cache work
        # a day without its year ("5 апреля") is in the year of the fetch, like "вчера"
        relative = _RELATIVE.search(text) is not None or not has_year(text)
        parsed = _dateparser_parse(text, base if relative else None)
    if parsed is None:
        return None
    latest = (base or datetime.now()).year + _YEARS.latest_years_ahead
    return parsed if _YEARS.earliest_year <= parsed.year <= latest else None


def _printed_zones() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each zone of dates.yaml with the ways it is printed, in file order."""
    fragments: dict[str, list[str]] = {}
    for rule in _DATES.of(DateSection.ZONES):
        assert isinstance(rule, ZoneRule)
        fragments.setdefault(rule.zone, []).append(rule.fragment())
    return tuple((re.compile(alternation(found), re.IGNORECASE), zone) for zone, found in fragments.items())


_PRINTED_ZONES = _printed_zones()
ZONE_MARK = re.compile("|".join(f"(?:{printed.pattern})" for printed, _ in _PRINTED_ZONES), re.IGNORECASE)


def with_printed_zone(published: datetime | None, line: str) -> datetime | None:
    """ "18 марта 2025, 15:47 (МСК)": a zone printed beside the time makes the date exact."""
    if published is None or published.tzinfo is not None:
        return published
    for printed, zone in _PRINTED_ZONES:
        if printed.search(line):
            return published.replace(tzinfo=ZoneInfo(zone))
    return published


def with_markup_zone(printed: datetime | None, markup: datetime | None) -> datetime | None:
    """The printed date, or the page markup's when that is the same time with its UTC offset.

    A header prints "20 ноября 2026, 14:35" without a zone; the page's meta tags often carry
    "2026-11-20T14:35:00+03:00". Where they name the same wall-clock time (or the printed
    one is only a day), the zoned one is the same moment told fully. Where they disagree,
    the printed date wins: the markup may be a modification or a listing time.
    """
    if printed is None:
        return markup
    if markup is None or markup.tzinfo is None or printed.tzinfo is not None:
        return printed
    local = markup.replace(tzinfo=None)
    same_time = local == printed
    same_day = printed.time() == datetime.min.time() and local.date() == printed.date()
    return markup if same_time or same_day else printed


def _parse_numeric(text: str) -> datetime | None:
    """Day.month.year with an optional time on either side: no month names, no need for dateparser."""
    match = _NUMERIC_DATE.fullmatch(text)
    if not match:
        return None
    day, month, year = (int(match.group(name)) for name in ("day", "month", "year"))
    year += 2000 if year < 100 else 0
    hour = match.group("hour") or match.group("hour2") or 0
    minute = match.group("minute") or match.group("minute2") or 0
    try:
        return datetime(year, month, day, int(hour), int(minute))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _dateparser_parse(text: str, base: datetime | None) -> datetime | None:
    import dateparser  # imported on first use: it takes a second to load its language data

    settings: dict[str, object] = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": False,
    }
    if base is not None:
        settings["RELATIVE_BASE"] = base
    parsed: datetime | None = dateparser.parse(text, languages=["ru", "uk"], settings=settings)
    return parsed


def dateline(line: str) -> str | None:
    """The date a line opens with, when it is set apart as a dateline rather than read as prose.

    "14:00 08.11.2018 Источник…", "25 февраля 2025, 07:00 В мире", "date 2026-02-03 …" and
    "12.03.2025 | Политика" are datelines; "5 марта 2025 года Минприроды выставило…" opens a
    sentence with its event's date and is not.
    """
    match = LEADING_DATE.match(line)
    if not match:
        placed = _PLACE_DATELINE.match(line)
        return placed.group("date") if placed else None
    date_text = match.group("date")
    after = line[match.end("date") :]
    labelled = _LABEL_FIRST.match(line) is not None
    numeric = _NUMERIC_MARK.search(date_text) is not None
    has_time = _TIME_IN.search(date_text) is not None
    if labelled or numeric or has_time or not after.strip() or _SEPARATOR_AFTER.match(after):
        return date_text
    return None


# An agency's dateline: "МОСКВА, 5 апреля - РИА Новости.", "Москва, 28 октября 2025 г. —",
# "МИНСК, 3 октября (БелТА) –": a place, a comma, the day (the year is the fetch's).
_PLACE_DATELINE = re.compile(
    rf"^\s*[А-ЯЁA-Z][А-ЯЁа-яёA-Za-z-]+(?:[ -][А-ЯЁA-Z][А-ЯЁа-яёA-Za-z-]+)?\s*,\s*"
    rf"(?P<date>\d{{1,2}}\s+(?i:{_MONTH_WORD})(?:\s+\d{{4}}(?:\s*{_YEAR_WORD})?)?)\s*[.,(/—–-]"
)
_SEPARATOR_AFTER = re.compile(r"\s*[,.|·•—–:/-]")
_LABEL_FIRST = re.compile(rf"\s*{_DATE_LABEL}", re.IGNORECASE)
_NUMERIC_MARK = re.compile(r"\d[./-]\d")
_TIME_IN = re.compile(_TIME)


def byline_parts(
    line: str, label: re.Pattern[str] = GENERIC.byline_label
) -> tuple[str | None, str | None] | None:
    """(author, date text) of a byline such as "Автор: Владимир | 31.03.2025, 18:28"; None if not
    one. `label` is the profile's byline labels (`Furniture.byline_label`)."""
    match = label.match(line)
    if not match:
        return None
    rest = line[match.end() :].strip()
    date_text: str | None = None
    found = DATE.search(rest)
    if found:
        date_text = found.group(0)
        rest = rest[: found.start()] + " " + rest[found.end() :]
    parts = [part.strip(" .,") for part in _BYLINE_SPLIT.split(rest)]
    author = next((part for part in parts if part), None)
    return author, date_text


_AUTHOR_LABEL = generic_furniture().regex(FurnitureSection.AUTHOR_LABELS)


def without_author_label(author: str) -> str:
    """ "Автор Пётр Семёнов" (a page's byline as trafilatura reads it) is "Пётр Семёнов"."""
    return _AUTHOR_LABEL.sub("", author, count=1).strip() or author.strip()


def looks_like_name(text: str) -> bool:
    """Two to four capitalised words without sentence punctuation: a person's signature."""
    return bool(_NAME.match(text.strip())) and _NAMES.min_words <= len(text.split()) <= _NAMES.max_words


def looks_like_headline(line: str, followed_by_break: bool, followed_by_furniture: bool = False) -> bool:
    """Whether a first line reads as a headline rather than the first paragraph.

    Headlines have no final full stop; one that has one must be a single short sentence set
    off by a blank line.
    """
    text = line.strip()
    if not _HEADLINE.min_chars <= len(text) <= _HEADLINE.max_chars or len(words(text)) < _HEADLINE.min_words:
        return False
    bare = text.rstrip(CLOSING_MARKS)
    if not _SENTENCE_END.search(bare) or bare.endswith(("?", "!")):
        return (
            followed_by_break
            or followed_by_furniture
            or len(split_sentences(text)) <= _HEADLINE.set_off_max_sentences
        )
    # a headline with a full stop is short; a one-sentence lead paragraph is longer
    return (
        followed_by_break
        and len(words(text)) <= _HEADLINE.stopped_max_words
        and len(split_sentences(text)) == 1
    )
