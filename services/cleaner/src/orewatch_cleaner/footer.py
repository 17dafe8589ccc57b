"""The passes that peel the bottom of the article and drop furniture inside it.

The tail (other headlines, "see also", prompts, credits, copyright) is peeled from the
bottom, first as whole lines, then as sentences glued to the last paragraph, then closing
"Напомним, …" passages about other stories; a "Похожие новости" block ends the article
before that. Furniture lines between header and tail are dropped one by one.
"""

from __future__ import annotations

from orewatch_common.contracts import RemovalReason
from orewatch_lexicon.stemming import stem

from orewatch_cleaner import tails
from orewatch_cleaner.boilerplate import LearnedBoilerplate
from orewatch_cleaner.draft import Draft, Line
from orewatch_cleaner.furniture import Furniture
from orewatch_cleaner.header import author_of_byline
from orewatch_cleaner.metadata import TIMESTAMP_LINE
from orewatch_cleaner.sentences import CLOSING_MARKS, split_sentences, words
from orewatch_cleaner.thresholds import thresholds

_TAIL = thresholds().tail
_TOPIC_WORD = thresholds().background.topic_word_min_chars


def drop_related_block(draft: Draft) -> Draft:
    """A "Похожие новости" or "О компании" block closing the text, with all below it."""
    _drop_related_block(draft)
    return draft


def drop_tail(draft: Draft) -> Draft:
    """Peel furniture from the bottom until the last paragraph is article text."""
    _drop_tail(draft, draft.learned)
    return draft


def drop_inner_furniture(draft: Draft) -> Draft:
    """Drop furniture lines between the header and the tail."""
    _drop_inner_furniture(draft, draft.learned)
    return draft


def _drop_tail(draft: Draft, learned: LearnedBoilerplate) -> None:
    """Peel furniture lines, glued sentences and background passages from the bottom."""
    background_cuts = 0
    while draft.lines:
        if _drop_tail_lines(draft, learned):
            continue
        last = draft.lines[-1]
        cuts = tails.glued_tail(last.text, learned, draft.furniture)
        if cuts:
            for cut in cuts:
                piece = last.text[cut.start : cut.end].strip()
                if cut.reason == RemovalReason.BYLINE:
                    author_of_byline(draft, piece)
                elif cut.reason == RemovalReason.AUTHOR_SIGNATURE and draft.author is None:
                    draft.author = tails.signature_authors(piece) or piece
                draft.drop(piece, cut.reason)
            last.text = last.text[: cuts[0].start].rstrip()
            if not last.text:
                draft.lines.pop()
            continue
        several_sentences = len(draft.lines) > 1 or len(split_sentences(last.text)) > 1
        if background_cuts < _TAIL.max_background_cuts and several_sentences:
            title_stems = {stem(word) for word in words(draft.title or "") if len(word) >= _TOPIC_WORD}
            background = tails.background_tail(
                last.text, lambda: _context_stems(draft), title_stems, draft.furniture
            )
            if background is not None:
                background_cuts += 1
                draft.drop(last.text[background.start :].strip(), background.reason)
                last.text = last.text[: background.start].rstrip()
                if not last.text:
                    draft.lines.pop()
                continue
        break


def _drop_related_block(draft: Draft) -> None:
    """A "Похожие новости" heading followed only by teasers or headlines ends the article, as
    "О компании" or "Контакты для СМИ" ends a press release."""
    for index in range(1, len(draft.lines)):
        heading = draft.lines[index].text
        rest = draft.lines[index + 1 :]
        reason = RemovalReason.RELATED_HEADLINES
        if tails.is_press_release_heading(heading, draft.furniture):
            reason = RemovalReason.PRESS_RELEASE
            fits = all(len(words(line.text)) <= _TAIL.press_release_max_words for line in rest)
        elif tails.is_block_heading(heading, draft.furniture):
            fits = all(len(words(line.text)) <= _TAIL.block_max_words for line in rest)
        elif tails.is_weak_block_heading(heading, draft.furniture):
            fits = all(tails.is_headline_like(line.text) or TIMESTAMP_LINE.match(line.text) for line in rest)
        else:
            continue
        if fits:
            for line in draft.lines[index:]:
                draft.drop(line.text, reason)
            del draft.lines[index:]
            return


def _drop_tail_lines(draft: Draft, learned: LearnedBoilerplate) -> bool:
    """Drop the run of furniture lines at the bottom, with the headlines and names between them."""
    lines = draft.lines
    top_strong: int | None = None
    bullets = 0
    index = len(lines) - 1
    while index >= 1:
        text = lines[index].text
        reason = _tail_line_reason(text, learned, index == len(lines) - 1, draft.furniture)
        if reason is not None:
            top_strong = index
        elif tails.is_bullet_headline(text):
            bullets += 1
            introduced = lines[index - 1].text.rstrip().endswith(":")  # "Меры включают:" + list
            if bullets >= _TAIL.list_min_items and not (
                introduced and tails.furniture_reason(lines[index - 1].text, draft.furniture) is None
            ):
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
        reason = _tail_line_reason(line.text, learned, line is lines[-1], draft.furniture) or (
            RemovalReason.AUTHOR_SIGNATURE if signed else RemovalReason.RELATED_HEADLINES
        )
        if reason == RemovalReason.AUTHOR_SIGNATURE and draft.author is None:
            draft.author = tails.signature_authors(line.text)
        if reason == RemovalReason.BYLINE:
            author_of_byline(draft, line.text)
        draft.drop(line.text, reason)
    del lines[top_strong:]
    return True


def _headline_list_start(lines: list[Line]) -> int | None:
    """Start of a bare list of other headlines closing the text: three or more short capitalised
    lines without closing punctuation, below a paragraph that ends a sentence."""
    index = len(lines)
    while index > 1 and _is_listed_headline(lines[index - 1].text):
        index -= 1
    if len(lines) - index < _TAIL.list_min_items or index < 1:
        return None
    above = lines[index - 1].text.rstrip(CLOSING_MARKS)
    return index if above.endswith((".", "!", "?", "…")) else None


def _is_listed_headline(text: str) -> bool:
    return (
        tails.is_headline_like(text)
        and len(words(text)) >= _TAIL.listed_headline_min_words
        and text.lstrip('-–—•*· «"')[:1].isupper()
    )


def _tail_line_reason(
    text: str, learned: LearnedBoilerplate, is_last: bool, furniture: Furniture
) -> RemovalReason | None:
    reason: RemovalReason | None = tails.furniture_reason(text, furniture)
    if reason is not None:
        return reason
    if tails.is_read_also_heading(text, furniture):
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
    return len(items) >= _TAIL.tags_min_items and all(
        item[:1].isupper()
        and 1 <= len(words(item)) <= _TAIL.tag_max_words
        and not item.endswith((".", "!", "?"))
        for item in items
    )


def _context_stems(draft: Draft) -> set[str]:
    """Stems of every word in the title and in the body above the last paragraph."""
    parts = [draft.title or ""] + [line.text for line in draft.lines[:-1]]
    return {stem(word) for part in parts for word in words(part)}


def _drop_inner_furniture(draft: Draft, learned: LearnedBoilerplate) -> None:
    """Drop furniture lines inside the article: captions, "see also" links, prompts."""
    kept: list[Line] = []
    after_read_also = False
    for line in draft.lines:
        _drop_inline_read_also(draft, line)
        reason = tails.furniture_reason(line.text, draft.furniture)
        if reason is None and learned.knows(line.text):
            reason = RemovalReason.SITE_BOILERPLATE
        if reason is None and tails.is_read_also_heading(line.text, draft.furniture):
            reason = RemovalReason.READ_ALSO
        if reason is None and after_read_also and tails.is_headline_like(line.text):
            reason = RemovalReason.READ_ALSO
        if reason is not None and kept:
            draft.drop(line.text, reason)
            # a bare "Читайте также:" owns the headline lines right below it
            heading = tails.is_read_also_heading(line.text, draft.furniture)
            after_read_also = heading or (after_read_also and reason == RemovalReason.READ_ALSO)
            continue
        after_read_also = False
        kept.append(line)
    draft.lines = kept


def _drop_inline_read_also(draft: Draft, line: Line) -> None:
    """Cut "Читайте также: <headline>" out of a paragraph that goes on after it."""
    cuts = tails.inline_read_also(line.text, draft.furniture)
    for cut in reversed(cuts):
        draft.drop(line.text[cut.start : cut.end].strip(), cut.reason)
        line.text = (line.text[: cut.start].rstrip() + " " + line.text[cut.end :].lstrip()).strip()
