"""Rules that recognise site furniture in a line or sentence, and find where an article's tail begins.

Tails are what sites append below the story: "see also" links, blocks of other headlines
with their time stamps, subscribe prompts, error-report hints, source credits and
copyright notices. They stand on their own lines or are glued to the last paragraph, so the
rules work on whole lines and on the sentences at the end of the last paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from orewatch_common.contracts import RemovalReason
from orewatch_lexicon import Section, alternation, load_lexicon, past_stem
from orewatch_lexicon.stemming import stem

from orewatch_cleaner.boilerplate import NOTHING_LEARNED, LearnedBoilerplate
from orewatch_cleaner.metadata import TIMESTAMP_END, TIMESTAMP_LEAD, TIMESTAMP_LINE, looks_like_name
from orewatch_cleaner.sentences import CLOSING_MARKS, SENTENCE_BREAK, split_sentences, words
from orewatch_cleaner.vocabulary import (
    BACKGROUND_OPENERS,
    BYLINE,
    COPYRIGHT,
    ERROR_REPORT,
    PHOTO_CREDIT,
    PRESS_RELEASE_HEADINGS,
    READ_ALSO,
    RELATED_BLOCK_HEADINGS,
    SHARE,
    SOCIAL_NETWORKS,
    SOURCE_CREDIT,
    SUBSCRIBE,
    SUBSCRIBE_CHANNELS,
    UPDATE_NOTICE,
    WEAK_BLOCK_HEADINGS,
)


def _opening(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"^[\s\-–—•*·>|«\"]*(?:{'|'.join(patterns)})", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """A kind of furniture: how its text opens, its removal reason and the longest it can be."""

    reason: RemovalReason
    opens: re.Pattern[str]
    max_words: int
    owns_rest: bool = False  # a "see also" marker owns the headline that follows it
    line_max_words: int = 0  # longer limit when the furniture fills a whole line (a teaser)


# Order matters: the first rule that matches names the reason.
RULES: tuple[Rule, ...] = (
    Rule(RemovalReason.ERROR_REPORT, _opening(ERROR_REPORT), 20, owns_rest=True, line_max_words=40),
    Rule(RemovalReason.READ_ALSO, _opening(READ_ALSO), 20, owns_rest=True, line_max_words=90),
    Rule(RemovalReason.SUBSCRIBE_PROMPT, _opening(SUBSCRIBE), 40),
    Rule(RemovalReason.UPDATE_NOTICE, _opening(UPDATE_NOTICE), 12),
    Rule(RemovalReason.COPYRIGHT, _opening(COPYRIGHT), 150),
    Rule(RemovalReason.SOURCE_CREDIT, _opening(SOURCE_CREDIT), 10),
    Rule(RemovalReason.PHOTO_CREDIT, _opening(PHOTO_CREDIT), 16),
    Rule(RemovalReason.SHARE, _opening(SHARE), 12),
    Rule(RemovalReason.BYLINE, _opening(BYLINE), 12),
)

_BLOCK_HEADING = re.compile(rf"^\s*(?:{'|'.join(RELATED_BLOCK_HEADINGS)})\s*[:.]?\s*$", re.IGNORECASE)
_PRESS_RELEASE_HEADING = re.compile(rf"^\s*(?:{'|'.join(PRESS_RELEASE_HEADINGS)})\s*[:.]?", re.IGNORECASE)
_WEAK_BLOCK_HEADING = re.compile(rf"^\s*(?:{'|'.join(WEAK_BLOCK_HEADINGS)})\s*[:.]?\s*$", re.IGNORECASE)
_READ_ALSO_ALONE = re.compile(rf"^\s*(?:{'|'.join(READ_ALSO)})\s*[:.]?\s*$", re.IGNORECASE)
_CHANNEL = re.compile(SUBSCRIBE_CHANNELS, re.IGNORECASE)
_SOCIAL_ROW = re.compile(rf"(?:(?:{SOCIAL_NETWORKS})[\s|·•,/]*){{2,}}", re.IGNORECASE)
_INVITE = re.compile(
    r"\b(?:подпис\w+|присоедин\w+|переходите|следите|читайте|смотрите|підпис\w+|приєдну\w+|стежте)\b",
    re.IGNORECASE,
)
_CAPTION_CREDIT = re.compile(r"(?:^|[.!?]\s+)(?:фото|photo|видео)\s*:\s*\S.{0,80}$", re.IGNORECASE)
_COPYRIGHT_SIGN = re.compile(r"©")
_NAME_GLUED_TO_RUBRIC = re.compile(r"(?:[А-ЯЁ][а-яё]+\s){1,2}[А-ЯЁ][а-яё]+[А-ЯЁ][а-яё]+")
_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_BULLET = re.compile(r"^\s*[-–—•*·]\s+\S")
_SENTENCE_END = re.compile(r"[.!?…;:,]$")
# Where a marker may start inside a paragraph without a full stop before it: a capitalised
# furniture phrase right after a word ("…пророка Мухаммеда Если Вы заметите ошибку").
_GLUED_OPENERS = ERROR_REPORT + READ_ALSO + SUBSCRIBE[:2] + SOURCE_CREDIT[:1] + PHOTO_CREDIT
_INLINE_MARKERS = re.compile(
    rf"(?<=\s)(?-i:(?=[A-ZА-ЯЁІЇЄҐ]))(?=(?:{'|'.join(_GLUED_OPENERS)}))",  # capital first: cheap to reject
    re.IGNORECASE,
)
_BACKGROUND = re.compile(rf"^[\s«\"]*(?:{'|'.join(BACKGROUND_OPENERS)})\b", re.IGNORECASE)
# "Как сообщал УНН, который …": the linked headline between the outlet and "который" was lost
_ORPHAN = re.compile(
    r"^\W*(?:как|як)\s+(?:уже\s+|ранее\s+|раніше\s+)?\w+\s+[^,]{1,40},\s*(?:котор|який|яка|яке|які)\w*\b",
    re.IGNORECASE,
)


def _reported_speech() -> re.Pattern[str]:
    """ "… заявлял, что …": someone named reported as saying something. In a closing "Ранее …"
    that is background on the story far more often than a link, even with no word in common
    ("Ранее глава Минпромторга заявлял, что …" under a story about palladium). Impersonal
    "сообщалось, что" is the link formula, so reflexive forms do not count. The verbs are the
    shared lexicon's (`reported_verbs`, `reported_verbs_uk`, `instruction_verbs`)."""
    lex = load_lexicon()
    stems = alternation(lex.lemmas(Section.REPORTED_VERBS) | lex.lemmas(Section.REPORTED_VERBS_UK))
    instructions = alternation(lex.lemmas(Section.INSTRUCTION_VERBS), past_stem)
    return re.compile(
        rf"\b(?:{stems})\w*(?<!сь)(?<!ся)\s*(?:,\s*(?:что|що)\b|:)"
        # or an instruction or a proposal by someone: "Новак поручил РЖД сохранить …"
        rf"|\b(?:{instructions})(?:а|и|ся|ась|ись)?\s+\S+\s+\w+",
        re.IGNORECASE,
    )


_REPORTED_SPEECH = _reported_speech()
# A passage that stops on a comma, conjunction or preposition lost its link text.
_DANGLING = re.compile(
    r"(?:[,:;—–-]|\b(?:что|чтобы|о том|как|и|а|но|в|во|на|с|со|по|из|у|для|от|до|за|к|ко|о|об|при|без|"
    r"через|после|перед|над|под|між|що|та|і|й))\s*$",
    re.IGNORECASE,
)


def furniture_reason(text: str) -> RemovalReason | None:
    """Reason a line or sentence is furniture on its own, or None when it may be article text."""
    stripped = text.strip()
    if not stripped:
        return None
    if _BLOCK_HEADING.match(stripped) or _WEAK_BLOCK_HEADING.match(stripped):
        return RemovalReason.RELATED_HEADLINES
    if TIMESTAMP_LINE.match(stripped):
        return RemovalReason.RELATED_HEADLINES
    n_words = len(words(stripped))
    for rule in RULES:
        if rule.opens.match(stripped) and n_words <= max(rule.max_words, rule.line_max_words):
            return rule.reason
    if _SOCIAL_ROW.fullmatch(stripped):
        return RemovalReason.SHARE
    # The rules below look anywhere in the text, so they judge one sentence (a caption: two);
    # a paragraph that merely ends in furniture is cut sentence by sentence by `glued_tail`.
    if n_words > 80:
        return None
    sentences = len(split_sentences(stripped))
    if n_words <= 40 and sentences == 1 and _is_channel_invitation(stripped):
        return RemovalReason.SUBSCRIBE_PROMPT
    if n_words <= 25 and sentences <= 2 and _CAPTION_CREDIT.search(stripped):
        return RemovalReason.PHOTO_CREDIT
    if (sentences == 1 or stripped.startswith("©")) and _COPYRIGHT_SIGN.search(stripped):
        return RemovalReason.COPYRIGHT
    return None


def _is_channel_invitation(text: str) -> bool:
    """A channel mention is a prompt when it addresses the reader, not when news is about Telegram."""
    if not (_CHANNEL.search(text) and _INVITE.search(text)):
        return False
    lowered = text.lower()
    return any(
        cue in lowered
        for cue in (
            "наш ",
            "нашем",
            "нашего",
            "нас ",
            "наш канал",
            "подписывайтесь",
            "подпишитесь",
            "присоединяйтесь",
            "переходите",
            "підписуйтесь",
            "підпишіться",
            "ссылке",
            "t.me/",
        )
    )


def is_press_release_heading(line: str) -> bool:
    """ "О компании", "Контакты для СМИ: …": the boilerplate that closes a press release."""
    return bool(_PRESS_RELEASE_HEADING.match(line.strip()))


def is_block_heading(line: str) -> bool:
    """A heading that opens a block of other stories ("Похожие новости", "Лента новостей")."""
    return bool(_BLOCK_HEADING.match(line.strip()))


def is_weak_block_heading(line: str) -> bool:
    """A heading such as "По теме" that may also be a subheading: trusted before headlines only."""
    return bool(_WEAK_BLOCK_HEADING.match(line.strip()))


def is_read_also_heading(line: str) -> bool:
    """A bare "Читайте также:" line, whose headlines follow on the next lines."""
    return bool(_READ_ALSO_ALONE.match(line.strip()))


def is_headline_like(line: str) -> bool:
    """Short line without closing punctuation: a headline, rubric or signature rather than prose."""
    text = line.strip().rstrip(CLOSING_MARKS)
    return 0 < len(words(text)) <= 25 and not _SENTENCE_END.search(text)


def is_bullet_headline(line: str) -> bool:
    """ "- Headline" item of a link list; list items of the article itself are usually lower-case."""
    item = line.strip().lstrip("-–—•*· ")
    return bool(_BULLET.match(line)) and is_headline_like(item) and item[:1].isupper()


_NAME_LIST = re.compile(r"\s*(?:,|\s(?:и|та|and)\s)\s*")


def signed_names(line: str) -> list[str]:
    """The authors of a signature line: "Ольга Мордюшенко", or "Дмитрий Козлов, Ольга Мордюшенко"."""
    text = line.strip()
    if looks_like_name(text):
        return [text]
    names = _NAME_LIST.split(text)
    return names if len(names) >= 2 and all(looks_like_name(name) for name in names) else []


def signature_authors(line: str) -> str | None:
    """The authors of a signature line as one author field ("Дмитрий Козлов; Ольга Мордюшенко")."""
    return "; ".join(signed_names(line)) or None


def is_signature(line: str) -> bool:
    """Authors' names standing alone, or a name glued to a rubric ("Евгений МедведевНовости")."""
    return bool(signed_names(line)) or bool(_NAME_GLUED_TO_RUBRIC.fullmatch(line.strip()))


def is_dated_headline(line: str) -> bool:
    """Another story's headline with its time at the end ("Золото подорожало — 18:58")."""
    return is_headline_like(line) and len(words(line)) <= 25 and bool(TIMESTAMP_END.match(line.strip()))


def is_timestamped_teaser(paragraph: str) -> bool:
    """A short paragraph opening with a time stamp ("сегодня, 12:48. Мэй…"): another story's teaser."""
    return bool(TIMESTAMP_LEAD.match(paragraph)) and len(words(paragraph)) <= 60


@dataclass(frozen=True)
class Cut:
    """A piece to remove from a paragraph, by character offsets."""

    start: int
    end: int
    reason: RemovalReason


def glued_tail(paragraph: str, learned: LearnedBoilerplate = NOTHING_LEARNED) -> list[Cut]:
    """Furniture sentences at the end of a paragraph, as cuts from the first of them to the end.

    Markers are sentence starts, plus capitalised furniture phrases glued after a word without
    a full stop. A marker that owns what follows (a "see also" with its headline) covers the
    text up to the next marker; other markers must be a single short sentence. The tail is
    the longest run of markers that reaches the end of the paragraph.
    """
    starts = {span.start for span in split_sentences(paragraph)}
    starts.update(m.start() for m in _INLINE_MARKERS.finditer(paragraph))
    ordered = sorted(starts)
    cuts: list[Cut] = []
    end = len(paragraph)
    for start in reversed(ordered):
        piece = paragraph[start:end]
        reason = _piece_reason(piece, learned, at_end=end == len(paragraph))
        if reason is None:
            # a later marker may still lie inside this piece (unit boundaries are not exclusive)
            break
        cuts.append(Cut(start, end, reason))
        end = start
    cuts.reverse()
    return cuts


def _piece_reason(piece: str, learned: LearnedBoilerplate, at_end: bool) -> RemovalReason | None:
    text = piece.strip()
    if not text:
        return None
    n_words = len(words(text))
    for rule in RULES:
        if rule.opens.match(text):
            if rule.owns_rest and n_words <= rule.max_words:
                return rule.reason
            if len(split_sentences(text)) == 1 and n_words <= rule.max_words:
                return rule.reason
            return None
    reason = furniture_reason(text)
    if reason and len(split_sentences(text)) == 1:
        return reason
    if learned.knows(text):
        return RemovalReason.SITE_BOILERPLATE
    if at_end and signed_names(text):
        return RemovalReason.AUTHOR_SIGNATURE
    if at_end and is_agency_credit(text):
        return RemovalReason.SOURCE_CREDIT
    if at_end and is_foreign_furniture(text):
        return RemovalReason.SITE_BOILERPLATE
    return None


_ACRONYM_OR_LATIN = re.compile(r"^(?:[A-ZА-ЯЁІЇЄ]{2,}|[A-Za-z][A-Za-z.&-]*)$")


def is_agency_credit(text: str) -> bool:
    """A closing "РИА Новости." or "Reuters": one to three capitalised words, one an acronym or Latin."""
    tokens = text.strip().rstrip(".").split()
    return (
        0 < len(tokens) <= 3
        and all(token[:1].isupper() for token in tokens)
        and any(_ACRONYM_OR_LATIN.match(token) for token in tokens)
    )


def is_foreign_furniture(text: str) -> bool:
    """A short closing line with no Cyrillic at all ("Share this", "Mest sett siste uken")."""
    return not _CYRILLIC.search(text) and is_headline_like(text) and len(words(text)) <= 8


_READ_ALSO_INSIDE = re.compile(rf"(?:^|(?<=[.!?…»\"]\s))(?:{'|'.join(READ_ALSO)})\s*:\s*", re.IGNORECASE)
# Where a headline run into the next sentence ends: "…в 2070 году Сторонники партии…". The
# next sentence opens with a capitalised word after a lower-case one, and goes on in lower case.
_RUN_ON = re.compile(r"(?<=[а-яё0-9»\"])\s+(?=[А-ЯЁ][а-яё]+,?\s+[а-яё])")
_LINKING_WORDS = frozenset(
    (
        "в",
        "во",
        "на",
        "с",
        "со",
        "по",
        "из",
        "у",
        "для",
        "от",
        "до",
        "за",
        "к",
        "ко",
        "о",
        "об",
        "при",
        "без",
        "через",
        "после",
        "перед",
        "над",
        "под",
        "и",
        "а",
        "но",
        "или",
        "между",
        "против",
        "возле",
        "около",
    )
)


def inline_read_also(paragraph: str) -> list[Cut]:
    """ "Читайте также: <headline>" set inside a paragraph, with the sentence after it run on.

    The headline is taken to end where a capitalised word follows a lower-case one (not a
    preposition, which may precede a name) and lower case goes on: the next sentence's start.
    Link headlines run five words or more, which skips a name in the genitive right after the
    marker ("…для безопасности Европы…"). When no such point lies 5 to 20 words in, nothing is cut.
    """
    cuts: list[Cut] = []
    for marker in _READ_ALSO_INSIDE.finditer(paragraph):
        if cuts and marker.start() < cuts[-1].end:
            continue
        rest = paragraph[marker.end() :]
        for run_on in _RUN_ON.finditer(rest):
            headline = rest[: run_on.start()]
            before = words(headline)
            if len(before) > 20 or SENTENCE_BREAK.search(headline):
                break
            if len(before) < 5 or before[-1].lower() in _LINKING_WORDS:
                continue
            cuts.append(Cut(marker.start(), marker.end() + run_on.end(), RemovalReason.READ_ALSO))
            break
    return cuts


def background_tail(
    paragraph: str, context_stems: Callable[[], set[str]], title_stems: set[str]
) -> Cut | None:
    """A closing "Напомним, …" / "Ранее …" passage that points to another story.

    Background on the same story names the same people and places as the article, or shares
    words with its headline; a link to another story does neither, or is a fragment left where
    its link text was dropped. Only the last three sentences are considered, and nothing is
    cut when in doubt: losing background is as bad as keeping a stray link.
    """
    spans = split_sentences(paragraph)
    for index in range(len(spans) - 1, max(-1, len(spans) - 4), -1):
        if not _BACKGROUND.match(spans[index].text):
            continue
        passage = paragraph[spans[index].start :]
        tail_words = words(passage)
        if len(tail_words) <= 3 or _DANGLING.search(passage.strip().rstrip(".")) or _ORPHAN.match(passage):
            return Cut(spans[index].start, len(paragraph), RemovalReason.RELATED_STORY)
        if _REPORTED_SPEECH.search(passage) and not _CITED_OUTLET.match(passage):
            return None
        names = proper_stems(_without_outlet(passage))
        before = {stem(word) for word in words(paragraph[: spans[index].start])}
        topic = {stem(word) for word in tail_words if len(word) >= 4}
        context = context_stems() | before
        shared = len(topic & context) / max(1, len(topic))
        if names and not names & context and not topic & title_stems and shared < 0.25:
            return Cut(spans[index].start, len(paragraph), RemovalReason.RELATED_STORY)
        return None
    return None


_CITED_OUTLET = re.compile(r'^[ «"]*(?:как|як) ', re.IGNORECASE)  # "Как сообщал УНН, …": a link formula


def _without_outlet(passage: str) -> str:
    """Drop the outlet of "Как сообщал УНН, …": the site's own name says nothing about the topic."""
    if _CITED_OUTLET.match(passage) and "," in passage:
        return passage.split(",", 1)[1]
    return passage


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZА-ЯЁІЇЄ][A-Za-zА-Яа-яЁёІіЇїЄє-]+)")


def proper_stems(text: str) -> set[str]:
    """Stems of capitalised words that do not open a sentence: the names a passage is about."""
    first = re.match(r"\W*\w+", text)
    body = text[first.end() :] if first else text
    return {stem(word) for word in _CAPITALISED.findall(body)}
