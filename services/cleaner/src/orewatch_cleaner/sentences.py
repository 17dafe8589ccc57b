"""Cheap sentence boundaries and text normalisation for rule matching and hashing.

A regex splitter is enough here: the cleaner only needs to find where a tail glued to the
last paragraph begins, and it must stay far cheaper than natasha's segmenter downstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orewatch_cleaner.rulebook import AbbreviationSection, abbreviations

# A sentence ends at . ! ? … (optionally followed by closing quotes or brackets) and the next
# one starts with a capital, a digit or an opening quote. Initials ("В. Путин") and common
# abbreviations are protected below.
# Pages copied without their markup glue a tail to the last sentence with no space
# ("…сезона.Подписывайтесь на канал"): a word's end, a mark and a capitalised Cyrillic word
# is a boundary too (a domain such as "Страна.ua" goes on in lower case).
_BOUNDARY = re.compile(
    r"(?<=[.!?…])[»\"”)]*\s+(?=[«\"“„(\-–—]?[A-ZА-ЯЁІЇЄҐ0-9©])"
    r"|(?<=[а-яёіїєґ]{2}[.!?…])[»\"”)]*(?=[А-ЯЁІЇЄҐ][а-яёіїєґА-ЯЁІЇЄҐ])"
)
_ABBREVIATIONS = abbreviations()
# an initial or an abbreviation (abbreviations.yaml) right before the full stop
_INITIAL_BEFORE = _ABBREVIATIONS.compile(
    AbbreviationSection.INITIALS,
    _ABBREVIATIONS.fragments(AbbreviationSection.INITIALS)
    + _ABBREVIATIONS.fragments(AbbreviationSection.ABBREVIATIONS),
)
# Quotes and brackets that may close a sentence after its final mark.
CLOSING_MARKS = "»\"”')] "
# A sentence-final mark followed by a space: where one sentence of a line ends and another begins.
SENTENCE_BREAK = re.compile(r"[.!?…]\s")
_SPACE = re.compile(r"\s+")
_QUOTES = re.compile(r"[«»\"“”„'`]")
_DASHES = re.compile(r"[\u2010-\u2015\-]")
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁёІіЇїЄєҐґ]+")


@dataclass(frozen=True)
class Span:
    """A sentence with its character offsets in the text it was cut from."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Split a paragraph into sentences, keeping offsets so removals can cut the original text."""
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        head = text[start : match.start()].rstrip('»"”)')
        if _INITIAL_BEFORE.search(head):
            continue
        piece = text[start : match.start()]
        if piece.strip():
            spans.append(Span(start, match.start(), piece))
        start = match.end()
    if text[start:].strip():
        spans.append(Span(start, len(text), text[start:]))
    return spans


def normalise(text: str) -> str:
    """Lower-case, quote- and dash-insensitive, single-spaced form used for matching and hashing."""
    text = text.lower().replace("ё", "е")
    text = _QUOTES.sub("", text)
    text = _DASHES.sub("-", text)
    return _SPACE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Word tokens (letters and digits) of a text."""
    return _WORD.findall(text)


def squash_spaces(text: str) -> str:
    """Collapse runs of whitespace inside a paragraph to one space."""
    return _SPACE.sub(" ", text).strip()


def blank_to_none(value: str | None) -> str | None:
    """Stripped text, or None for missing or blank metadata."""
    value = (value or "").strip()
    return value or None
