"""decode_document: the encodings Russian documents come in, and the ones refused with a reason."""

from __future__ import annotations

import codecs

import pytest
from orewatch_fetcher.decoding import UndecodableDocument, decode_document

PROSE = "Министр заявил, что поставки редкоземельных металлов вырастут в следующем году."


@pytest.mark.parametrize(
    ("data", "http_charset", "text", "encoding"),
    [
        (PROSE.encode("utf-8"), None, PROSE, "utf-8"),
        (codecs.BOM_UTF8 + PROSE.encode("utf-8"), None, PROSE, "utf-8"),
        (PROSE.encode("cp1251"), None, PROSE, "cp1251"),
        (PROSE.encode("koi8_r"), None, PROSE, "koi8-r"),
        (PROSE.encode("mac_cyrillic"), None, PROSE, "mac-cyrillic"),
        (PROSE.encode("utf-16"), None, PROSE, "utf-16"),  # with BOM
        (b"Plain ASCII text.\r\nSecond line.", None, "Plain ASCII text.\nSecond line.", "utf-8"),
        # declared in the document
        (
            f'<meta charset="koi8-r"><p>{PROSE}</p>'.encode("koi8_r"),
            None,
            f'<meta charset="koi8-r"><p>{PROSE}</p>',
            "koi8-r",
        ),
        # HTTP charset wins over guessing ...
        (PROSE.encode("cp1251"), "windows-1251", PROSE, "cp1251"),
        (PROSE.encode("koi8_r"), '"KOI8-R"', PROSE, "koi8-r"),
        # ... but a mislabelled UTF-8 page is still UTF-8, and an unknown charset is ignored
        (PROSE.encode("utf-8"), "windows-1251", PROSE, "utf-8"),
        (PROSE.encode("cp1251"), "x-no-such-charset", PROSE, "cp1251"),
    ],
)
def test_decodes(data: bytes, http_charset: str | None, text: str, encoding: str) -> None:
    decoded = decode_document(data, http_charset)
    assert (decoded.text, decoded.encoding) == (text, encoding)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t ", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(0, 32)) * 20, "binary"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "byte-order mark"),  # lone surrogate
        (bytes(range(0x80, 0x100)) * 40, "readable text"),
    ],
)
def test_refuses_with_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UndecodableDocument, match=reason):
        decode_document(data)
