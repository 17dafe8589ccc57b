"""Bytes -> text for Russian-language documents in any common Cyrillic encoding.

Order of evidence: a byte-order mark, then the charset of the HTTP Content-Type
(when given and it decodes), then strict UTF-8 (unambiguous when it decodes),
then an HTML/XML declared charset, then charset-normalizer. Single-byte
Cyrillic code pages are notoriously confused with each other (cp1251, koi8-r,
MacCyrillic, cp866), so the candidates are re-ranked by how much the decoded text
looks like Russian prose: mostly lowercase Cyrillic letters, few symbols.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

CYRILLIC_CODEPAGES = ("cp1251", "koi8_r", "mac_cyrillic", "cp866", "iso8859_5", "koi8_u")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


class UndecodableDocument(ValueError):
    """The bytes are empty, binary or in no encoding we can read. The message says which."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode_document(data: bytes, http_charset: str | None = None) -> DecodedText:
    """Decode a document, or raise UndecodableDocument with a reason a person can act on.

    `http_charset` (from the Content-Type header) wins over in-document declarations,
    as in browsers, except that bytes which are valid non-ASCII UTF-8 are UTF-8:
    servers that still announce windows-1251 after a site moved to UTF-8 are common,
    while cp1251 Russian text that happens to be valid UTF-8 does not occur.
    """
    if not data.strip():
        raise UndecodableDocument("empty file" if not data else "file holds only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise UndecodableDocument(
                    f"byte-order mark says {encoding} but decoding fails: {exc}"
                ) from exc
    if _looks_binary(data):
        raise UndecodableDocument("binary content (control bytes), not a text or HTML document")
    from_header = _known_charset(http_charset)
    if from_header and not (from_header != "utf-8" and _is_non_ascii_utf8(data)):
        try:
            return _checked(data.decode(from_header), from_header)
        except UnicodeDecodeError:
            pass
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared:
        try:
            return _checked(data.decode(declared), codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass
    return _checked(*_best_guess(data))


def _checked(text: str, encoding: str) -> DecodedText:
    if "\x00" in text or sum(ch in "\ufffd" for ch in text) > max(3, len(text) // 100):
        raise UndecodableDocument(f"decodes as {encoding} but the result is not text")
    return DecodedText(text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b in _CONTROL_BYTES)
    return controls > len(sample) * 0.02


def _known_charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _is_non_ascii_utf8(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared_charset(data: bytes) -> str | None:
    head = data[:2048]
    match = _DECLARED_CHARSET.search(head)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def _best_guess(data: bytes) -> tuple[str, str]:
    """charset-normalizer's candidates plus the Cyrillic code pages, ranked by plausibility."""
    candidates: dict[str, str] = {}
    for match in from_bytes(data, cp_isolation=None, threshold=0.5):
        try:
            candidates[codecs.lookup(match.encoding).name] = str(match)
        except LookupError:
            continue
    for encoding in CYRILLIC_CODEPAGES:
        name = codecs.lookup(encoding).name
        if name not in candidates:
            try:
                candidates[name] = data.decode(encoding)
            except UnicodeDecodeError:
                continue
    if not candidates:
        raise UndecodableDocument("no known encoding decodes this file")
    encoding, text = max(candidates.items(), key=lambda item: russian_plausibility(item[1]))
    if russian_plausibility(text) < 0.5:
        raise UndecodableDocument(f"best guess {encoding} does not give readable text")
    return text, encoding


_RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_FREQUENT_LETTERS = frozenset("оеаинтсрвлкмдпу")
_PROSE_SYMBOLS = frozenset(" \n\t.,;:!?-–—«»\"'()[]%/№+*&@#$€…“”„’‘")


def russian_plausibility(text: str) -> float:
    """How much a decoding looks like Russian or Ukrainian prose, from 0 to 1.

    Wrong single-byte Cyrillic code pages give Serbian or Greek letters and odd
    symbols (MacCyrillic, cp866, Greek pages) or mixed-case letter soup (koi8-r read
    as cp1251 swaps the cases), and each of those lowers the score.
    """
    sample = text[:20000]
    if not sample:
        return 0.0
    letters = [ch.lower() for ch in sample if ch.isalpha()]
    expected = sum(
        (
            ch.lower() in _RUSSIAN_LETTERS
            or ch.lower() in _UKRAINIAN_LETTERS
            or (ch.isascii() and ch.isprintable())
            or ch.isdigit()
            or ch in _PROSE_SYMBOLS
        )
        for ch in sample
    ) / len(sample)
    if not letters:
        return expected * 0.5
    lowercase = sum(ch.islower() for ch in sample if ch.isalpha()) / len(letters)
    cyrillic = [ch for ch in letters if ch in _RUSSIAN_LETTERS]
    frequent = sum(ch in _FREQUENT_LETTERS for ch in cyrillic) / len(cyrillic) if cyrillic else 0.5
    words = max(1, len(sample.split()))
    glued = len(_SYMBOL_GLUED_TO_LETTER.findall(sample)) / words
    return expected * 0.6 + lowercase * 0.2 + frequent * 0.2 - glued * 2


# A symbol at the start of or inside a word ("–оссии", "за€вил") is what a wrong
# code page makes of a letter; real prose spaces its dashes and keeps symbols out of words.
_SYMBOL_GLUED_TO_LETTER = re.compile(
    r"(?<![\w])[^\w\s\-'’«»\"“”„(\[.,:;!?…/%№+]\w|\w[^\w\s\-'’«»\"“”„)\].,:;!?…/%]\w"
)
