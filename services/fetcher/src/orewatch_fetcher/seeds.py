"""The seeds/ folder: which files are documents, and how a file becomes a RawArticle.

Pure functions of a path and its bytes; the watching loop lives in `watcher.py`.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from orewatch_common.contracts import ContentType, RawArticle, SourceKind, article_id_for, sha256_hex

from orewatch_fetcher.decoding import UndecodableDocument, decode_document

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf"})

# Editors, office suites and downloaders write these while a file is still being
# produced, or beside the real file: vim (.swp, 4913), emacs (#x#, .#x), kate,
# JetBrains safe-write, MS Office owner files (~$x), browsers and rsync partials.
_PARTIAL_NAME = re.compile(
    r"(~$|\.sw[a-p]$|\.swx$|\.tmp$|\.temp$|\.part$|\.partial$|\.crdownload$|\.download$|\.kate-swp$"
    r"|\.bak$|\.orig$|\.rej$|___jb_\w+___$|^#.*#$|^\.#|^~\$|^4913$)",
    re.IGNORECASE,
)
_HTML_SNIFF = re.compile(
    rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<article|<div|<p[\s>])", re.IGNORECASE
)


class SeedKind(StrEnum):
    DOCUMENT = "document"
    FEED = "feed"
    IGNORED = "ignored"
    UNSUPPORTED = "unsupported"


class RefusedSeed(ValueError):
    """A seeds file that will never be ingested; the message is the dead-letter reason.

    Subclasses name the cause; the dead letter's `error_class` is the class name.
    """


class PayloadTooLarge(RefusedSeed):
    """Over the hard size limit; found out from the file's size, without reading it."""


class NonUtf8Name(RefusedSeed):
    """A file name that is not UTF-8: it cannot be a source URI (JSON and PostgreSQL text need UTF-8)."""


class OutsideSeeds(RefusedSeed):
    """A symlink that leads out of seeds/: never followed, so nothing outside is read."""


class BrokenLink(RefusedSeed):
    """A dangling symlink, a symlink loop or a file gone before it could be opened."""


class NotRegularFile(RefusedSeed):
    """A FIFO, socket or device: opening one could block the watcher or read forever."""


class UnsupportedFileType(RefusedSeed):
    """A suffix the pipeline does not read (.pdf, .docx, .jpg)."""


class Undecodable(RefusedSeed):
    """Empty, binary, or in no encoding the decoder can read."""


@dataclass(frozen=True)
class SeedFile:
    path: Path
    relative: str


def classify(path: Path, seeds_dir: Path) -> SeedKind:
    """Whether a path under seeds/ is a document, a feed file, something to skip silently, or refused.

    Hidden files (and files in hidden folders), editor swap files and partial
    downloads are skipped: they are not documents yet (or never will be), and
    refusing them would flood the dead-letter table while someone edits a file.
    A file without a suffix is sniffed as text or HTML; any other suffix (.pdf,
    .docx, .jpg) is refused with a dead letter saying which types are accepted.
    """
    absolute, root = path.absolute(), seeds_dir.absolute()
    relative_parts = absolute.relative_to(root).parts if absolute.is_relative_to(root) else (path.name,)
    if any(part.startswith(".") for part in relative_parts) or _PARTIAL_NAME.search(path.name):
        return SeedKind.IGNORED
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        return SeedKind.FEED
    if suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES or not suffix:
        return SeedKind.DOCUMENT
    return SeedKind.UNSUPPORTED


def unsupported_reason(path: Path) -> str:
    return (
        f"unsupported file type {path.suffix!r}: seeds/ takes .txt, .html/.htm "
        "and RSS/Atom feed files (.xml, .rss, .atom)"
    )


def readable(relative: str) -> str:
    """A path for people and for UTF-8 text: bytes of a non-UTF-8 name shown as \\xNN."""
    return os.fsencode(relative).decode("utf-8", errors="backslashreplace")


def is_utf8_name(relative: str) -> bool:
    """False for a name os.fsdecode gave surrogates to (its bytes are not UTF-8)."""
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def resolve_seed(path: Path, seeds_dir: Path) -> SeedFile:
    """Check the path is a regular file inside seeds/ (symlinks included only if they stay inside)."""
    root = seeds_dir.resolve()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise BrokenLink(f"broken link, link loop or missing file: {exc}") from exc
    if not target.is_relative_to(root):
        raise OutsideSeeds(f"symlink points outside seeds/ (to {readable(str(target))}); refused for safety")
    if not target.is_file():
        raise NotRegularFile("not a regular file")
    absolute = path.absolute()
    relative = (
        absolute.relative_to(seeds_dir.absolute()) if absolute.is_relative_to(seeds_dir.absolute()) else path
    )
    return SeedFile(path=path, relative=relative.as_posix())


def read_seed_bytes(seed: SeedFile, max_bytes: int) -> bytes:
    """Read the file, refusing it beyond the size limit before reading it whole.

    Opened without blocking and checked on the open descriptor, so a FIFO swapped in
    after `resolve_seed` is refused instead of hanging the watcher.
    """
    with open_regular(seed.path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise PayloadTooLarge(f"file is {size} bytes, over the {max_bytes}-byte hard limit")
        data = handle.read(max_bytes + 1)  # it may have grown since fstat()
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"file is over the {max_bytes}-byte hard limit")
    return data


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading, never blocking (a FIFO opened for reading waits for a writer)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegularFile("not a regular file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def content_type_of(path: Path, data: bytes) -> ContentType:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return ContentType.HTML
    if suffix in TEXT_SUFFIXES:
        return ContentType.TEXT
    if _HTML_SNIFF.match(data[:1024].lstrip(b"\xef\xbb\xbf")):
        return ContentType.HTML
    return ContentType.TEXT


def raw_article_from_bytes(
    data: bytes,
    *,
    source_uri: str,
    source_name: str,
    content_type: ContentType,
    version: int | None = None,
) -> RawArticle:
    """Decode a file's bytes into a RawArticle, or raise RefusedSeed with the reason."""
    try:
        decoded = decode_document(data)
    except UndecodableDocument as exc:
        raise Undecodable(str(exc)) from exc
    return RawArticle(
        article_id=article_id_for(SourceKind.FILE, source_uri),
        source_kind=SourceKind.FILE,
        source_uri=source_uri,
        source_name=source_name,
        fetched_at=datetime.now(UTC),
        content_type=content_type,
        content=decoded.text,
        encoding=decoded.encoding,
        content_sha256=sha256_hex(decoded.text),
        version=version,
    )


def source_name_of(relative: str) -> str:
    """Files in a subfolder of seeds/ belong to that folder's source; others to 'seeds'."""
    parts = relative.split("/")
    return f"seeds/{parts[0]}" if len(parts) > 1 else "seeds"


def raw_article_from_file(path: Path, seeds_dir: Path, max_bytes: int) -> RawArticle:
    """A seeds document as a RawArticle (source URI = path relative to seeds/)."""
    seed = resolve_seed(path, seeds_dir)
    data = read_seed_bytes(seed, max_bytes)
    return raw_article_from_bytes(
        data,
        source_uri=seed.relative,
        source_name=source_name_of(seed.relative),
        content_type=content_type_of(path, data),
    )
