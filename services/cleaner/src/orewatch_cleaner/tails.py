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
from orewatch_cleaner.furniture import GENERIC, Furniture
from orewatch_cleaner.metadata import TIMESTAMP_END, TIMESTAMP_LEAD, TIMESTAMP_LINE, looks_like_name
from orewatch_cleaner.rulebook import FurnitureSection, generic_furniture
from orewatch_cleaner.sentences import CLOSING_MARKS, SENTENCE_BREAK, split_sentences, words
from orewatch_cleaner.thresholds import thresholds

_LIMITS = thresholds().furniture
_BACKGROUND_LIMITS = thresholds().background
_INLINE = thresholds().inline_read_also
_AGENCY_CREDIT_TOKENS = thresholds().tail.agency_credit_max_tokens
_COPYRIGHT_SIGN = re.compile(r"©")
_NAME_GLUED_TO_RUBRIC = re.compile(r"(?:[А-ЯЁ][а-яё]+\s){1,2}[А-ЯЁ][а-яё]+[А-ЯЁ][а-яё]+")
_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_BULLET = re.compile(r"^\s*[-–—•*·]\s+\S")
_SENTENCE_END = re.compile(r"[.!?…;:,]$")


def _reported_speech() -> re.Pattern[str]:
    """ "… заявлял, что …": someone named reported as saying something. In a closing "Ранее …"
    that is background on the story far more often than a link, even with no word in common
    ("Ранее глава Минпромторга заявлял, что …" under a story about palladium). Impersonal
    "сообщалось, что" is the link formula, so reflexive forms do not count. The verbs are the
    shared lexicon's (`reported_verbs`, `reported_verbs_uk`, `instruction_verbs`), the endings
    and "что" furniture.yaml's (`reflexive_endings`, `that_words`, `past_endings`)."""
    lex = load_lexicon()
    stems = alternation(lex.lemmas(Section.REPORTED_VERBS) | lex.lemmas(Section.REPORTED_VERBS_UK))
    instructions = alternation(lex.lemmas(Section.INSTRUCTION_VERBS), past_stem)
    rules = generic_furniture()
    not_reflexive = "".join(
        f"(?<!{ending})" for ending in rules.fragments(FurnitureSection.REFLEXIVE_ENDINGS)
    )
    that = "|".join(rules.fragments(FurnitureSection.THAT_WORDS))
    past = "|".join(rules.fragments(FurnitureSection.PAST_ENDINGS))
    return re.compile(
        rf"\b(?:{stems})\w*{not_reflexive}\s*(?:,\s*(?:{that})\b|:)"
        # or an instruction or a proposal by someone: "Новак поручил РЖД сохранить …"
        rf"|\b(?:{instructions})(?:{past})?\s+\S+\s+\w+",
        re.IGNORECASE,
    )


_REPORTED_SPEECH = _reported_speech()


def furniture_reason(text: str, furniture: Furniture = GENERIC) -> RemovalReason | None:
    """Reason a line or sentence is furniture on its own, or None when it may be article text."""
    stripped = text.strip()
    if not stripped:
        return None
    if furniture.block_heading.match(stripped) or furniture.weak_block_heading.match(stripped):
        return RemovalReason.RELATED_HEADLINES
    if TIMESTAMP_LINE.match(stripped):
        return RemovalReason.RELATED_HEADLINES
    n_words = len(words(stripped))
    for rule in furniture.openings:
        if rule.opens.match(stripped) and n_words <= max(rule.max_words, rule.line_max_words):
            return rule.reason
    if furniture.social_row.fullmatch(stripped):
        return RemovalReason.SHARE
    # The rules below look anywhere in the text, so they judge one sentence (a caption: two);
    # a paragraph that merely ends in furniture is cut sentence by sentence by `glued_tail`.
    if n_words > _LIMITS.max_words:
        return None
    sentences = len(split_sentences(stripped))
    invitation = n_words <= _LIMITS.invitation_max_words and sentences == 1
    if invitation and _is_channel_invitation(stripped, furniture):
        return RemovalReason.SUBSCRIBE_PROMPT
    caption = n_words <= _LIMITS.caption_max_words and sentences <= _LIMITS.caption_max_sentences
    if caption and furniture.caption_credit.search(stripped):
        return RemovalReason.PHOTO_CREDIT
    if (sentences == 1 or stripped.startswith("©")) and _COPYRIGHT_SIGN.search(stripped):
        return RemovalReason.COPYRIGHT
    return None


def _is_channel_invitation(text: str, furniture: Furniture) -> bool:
    """A channel mention is a prompt when it addresses the reader, not when news is about Telegram."""
    if not (furniture.channel.search(text) and furniture.invite.search(text)):
        return False
    lowered = text.lower()
    return any(cue in lowered for cue in furniture.reader_cues)


def is_press_release_heading(line: str, furniture: Furniture = GENERIC) -> bool:
    """ "О компании", "Контакты для СМИ: …": the boilerplate that closes a press release."""
    return bool(furniture.press_release_heading.match(line.strip()))


def is_block_heading(line: str, furniture: Furniture = GENERIC) -> bool:
    """A heading that opens a block of other stories ("Похожие новости", "Лента новостей")."""
    return bool(furniture.block_heading.match(line.strip()))


def is_weak_block_heading(line: str, furniture: Furniture = GENERIC) -> bool:
    """A heading such as "По теме" that may also be a subheading: trusted before headlines only."""
    return bool(furniture.weak_block_heading.match(line.strip()))


def is_read_also_heading(line: str, furniture: Furniture = GENERIC) -> bool:
    """A bare "Читайте также:" line, whose headlines follow on the next lines."""
    return bool(furniture.read_also_alone.match(line.strip()))


def is_headline_like(line: str) -> bool:
    """Short line without closing punctuation: a headline, rubric or signature rather than prose."""
    text = line.strip().rstrip(CLOSING_MARKS)
    return 0 < len(words(text)) <= _LIMITS.headline_max_words and not _SENTENCE_END.search(text)


def is_bullet_headline(line: str) -> bool:
    """ "- Headline" item of a link list; list items of the article itself are usually lower-case."""
    item = line.strip().lstrip("-–—•*· ")
    return bool(_BULLET.match(line)) and is_headline_like(item) and item[:1].isupper()


def signed_names(line: str) -> list[str]:
    """The authors of a signature line: "Ольга Мордюшенко", or "Дмитрий Козлов, Ольга Мордюшенко"."""
    text = line.strip()
    if looks_like_name(text):
        return [text]
    names = GENERIC.name_list.split(text)
    return names if len(names) >= 2 and all(looks_like_name(name) for name in names) else []


def signature_authors(line: str) -> str | None:
    """The authors of a signature line as one author field ("Дмитрий Козлов; Ольга Мордюшенко")."""
    return "; ".join(signed_names(line)) or None


def is_signature(line: str) -> bool:
    """Authors' names standing alone, or a name glued to a rubric ("Евгений МедведевНовости")."""
    return bool(signed_names(line)) or bool(_NAME_GLUED_TO_RUBRIC.fullmatch(line.strip()))


def is_dated_headline(line: str) -> bool:
    """Another story's headline with its time at the end ("Золото подорожало — 18:58")."""
    short = is_headline_like(line) and len(words(line)) <= _LIMITS.headline_max_words
    return short and bool(TIMESTAMP_END.match(line.strip()))


def is_timestamped_teaser(paragraph: str) -> bool:
    """A short paragraph opening with a time stamp ("сегодня, 12:48. Мэй…"): another story's teaser."""
    return bool(TIMESTAMP_LEAD.match(paragraph)) and len(words(paragraph)) <= _LIMITS.teaser_max_words


@dataclass(frozen=True)
class Cut:
    """A piece to remove from a paragraph, by character offsets."""

    start: int
    end: int
    reason: RemovalReason


def glued_tail(
    paragraph: str, learned: LearnedBoilerplate = NOTHING_LEARNED, furniture: Furniture = GENERIC
) -> list[Cut]:
    """Furniture sentences at the end of a paragraph, as cuts from the first of them to the end.

    Markers are sentence starts, plus capitalised furniture phrases glued after a word without
    a full stop. A marker that owns what follows (a "see also" with its headline) covers the
    text up to the next marker; other markers must be a single short sentence. The tail is
    the longest run of markers that reaches the end of the paragraph.
    """
    starts = {span.start for span in split_sentences(paragraph)}
    starts.update(m.start() for m in furniture.inline_markers.finditer(paragraph))
    ordered = sorted(starts)
    cuts: list[Cut] = []
    end = len(paragraph)
    for start in reversed(ordered):
        piece = paragraph[start:end]
        reason = _piece_reason(piece, learned, end == len(paragraph), furniture)
        if reason is None:
            # a later marker may still lie inside this piece (unit boundaries are not exclusive)
            break
        cuts.append(Cut(start, end, reason))
        end = start
    cuts.reverse()
    return cuts


def _piece_reason(
    piece: str, learned: LearnedBoilerplate, at_end: bool, furniture: Furniture
) -> RemovalReason | None:
    text = piece.strip()
    if not text:
        return None
    n_words = len(words(text))
    for rule in furniture.openings:
        if rule.opens.match(text):
            if rule.owns_rest and n_words <= rule.max_words:
                return rule.reason
            if len(split_sentences(text)) == 1 and n_words <= rule.max_words:
                return rule.reason
            return None
    reason = furniture_reason(text, furniture)
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
        0 < len(tokens) <= _AGENCY_CREDIT_TOKENS
        and all(token[:1].isupper() for token in tokens)
        and any(_ACRONYM_OR_LATIN.match(token) for token in tokens)
    )


def is_foreign_furniture(text: str) -> bool:
    """A short closing line with no Cyrillic at all ("Share this", "Mest sett siste uken")."""
    short = is_headline_like(text) and len(words(text)) <= _LIMITS.foreign_max_words
    return not _CYRILLIC.search(text) and short


# Where a headline run into the next sentence ends: "…в 2070 году Сторонники партии…". The
# next sentence opens with a capitalised word after a lower-case one, and goes on in lower case.
_RUN_ON = re.compile(r"(?<=[а-яё0-9»\"])\s+(?=[А-ЯЁ][а-яё]+,?\s+[а-яё])")


def inline_read_also(paragraph: str, furniture: Furniture = GENERIC) -> list[Cut]:
    """ "Читайте также: <headline>" set inside a paragraph, with the sentence after it run on.

    The headline is taken to end where a capitalised word follows a lower-case one (not a
    preposition, which may precede a name) and lower case goes on: the next sentence's start.
    Link headlines run five words or more, which skips a name in the genitive right after the
    marker ("…для безопасности Европы…"). When no such point lies 5 to 20 words in, nothing is cut.
    """
    cuts: list[Cut] = []
    for marker in furniture.read_also_inside.finditer(paragraph):
        if cuts and marker.start() < cuts[-1].end:
            continue
        rest = paragraph[marker.end() :]
        for run_on in _RUN_ON.finditer(rest):
            headline = rest[: run_on.start()]
            before = words(headline)
            if len(before) > _INLINE.headline_max_words or SENTENCE_BREAK.search(headline):
                break
            if len(before) < _INLINE.headline_min_words or before[-1].lower() in furniture.linking_words:
                continue
            cuts.append(Cut(marker.start(), marker.end() + run_on.end(), RemovalReason.READ_ALSO))
            break
    return cuts


def background_tail(
    paragraph: str,
    context_stems: Callable[[], set[str]],
    title_stems: set[str],
    furniture: Furniture = GENERIC,
) -> Cut | None:
    """A closing "Напомним, …" / "Ранее …" passage that points to another story.

    Background on the same story names the same people and places as the article, or shares
    words with its headline; a link to another story does neither, or is a fragment left where
    its link text was dropped. Only the last three sentences are considered, and nothing is
    cut when in doubt: losing background is as bad as keeping a stray link.
    """
    spans = split_sentences(paragraph)
    last = _BACKGROUND_LIMITS.last_sentences
    for index in range(len(spans) - 1, max(-1, len(spans) - last - 1), -1):
        if not furniture.background.match(spans[index].text):
            continue
        passage = paragraph[spans[index].start :]
        tail_words = words(passage)
        if _lost_its_link(passage, tail_words, furniture):
            return Cut(spans[index].start, len(paragraph), RemovalReason.RELATED_STORY)
        if _REPORTED_SPEECH.search(passage) and not furniture.cited_outlet.match(passage):
            return None
        names = proper_stems(_without_outlet(passage, furniture))
        before = {stem(word) for word in words(paragraph[: spans[index].start])}
        topic = {stem(word) for word in tail_words if len(word) >= _BACKGROUND_LIMITS.topic_word_min_chars}
        context = context_stems() | before
        shared = len(topic & context) / max(1, len(topic))
        elsewhere = shared < _BACKGROUND_LIMITS.shared_share
        if names and not names & context and not topic & title_stems and elsewhere:
            return Cut(spans[index].start, len(paragraph), RemovalReason.RELATED_STORY)
        return None
    return None


def _lost_its_link(passage: str, tail_words: list[str], furniture: Furniture) -> bool:
    """A passage of three words or less, one that stops on a comma or a preposition, or a link
    formula whose headline is gone ("Как сообщал УНН, который …"): its link text was dropped."""
    dangling = furniture.dangling.search(passage.strip().rstrip("."))
    return (
        len(tail_words) <= _BACKGROUND_LIMITS.lost_link_max_words
        or dangling is not None
        or furniture.orphan.match(passage) is not None
    )


def _without_outlet(passage: str, furniture: Furniture) -> str:
    """Drop the outlet of "Как сообщал УНН, …": the site's own name says nothing about the topic."""
    if furniture.cited_outlet.match(passage) and "," in passage:
        return passage.split(",", 1)[1]
    return passage


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZА-ЯЁІЇЄ][A-Za-zА-Яа-яЁёІіЇїЄє-]+)")


def proper_stems(text: str) -> set[str]:
    """Stems of capitalised words that do not open a sentence: the names a passage is about."""
    first = re.match(r"\W*\w+", text)
    body = text[first.end() :] if first else text
    return {stem(word) for word in _CAPITALISED.findall(body)}
