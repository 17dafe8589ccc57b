"""The seeds/ folder: which files are documents, and how a file becomes a RawArticle.

Pure functions of a path and its bytes; the watching loop lives in `watcher.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

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
    """A seeds file that will never be ingested; the message is the dead-letter reason."""


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


def resolve_seed(path: Path, seeds_dir: Path) -> SeedFile:
    """Check the path is a regular file inside seeds/ (symlinks included only if they stay inside)."""
    root = seeds_dir.resolve()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise RefusedSeed(f"broken link, link loop or missing file: {exc}") from exc
    if not target.is_relative_to(root):
        raise RefusedSeed(f"symlink points outside seeds/ (to {target}); refused for safety")
    if not target.is_file():
        raise RefusedSeed("not a regular file")
    absolute = path.absolute()
    relative = (
        absolute.relative_to(seeds_dir.absolute()) if absolute.is_relative_to(seeds_dir.absolute()) else path
    )
    return SeedFile(path=path, relative=relative.as_posix())


def read_seed_bytes(seed: SeedFile, max_bytes: int) -> bytes:
    """Read the file, refusing it beyond the size cap before reading it whole."""
    size = seed.path.stat().st_size
    if size > max_bytes:
        raise RefusedSeed(f"file is {size} bytes, over the {max_bytes}-byte cap")
    with seed.path.open("rb") as handle:
        data = handle.read(max_bytes + 1)  # it may have grown since stat()
    if len(data) > max_bytes:
        raise RefusedSeed(f"file is over the {max_bytes}-byte cap")
    return data


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
) -> RawArticle:
    """Decode a file's bytes into a RawArticle, or raise RefusedSeed with the reason."""
    try:
        decoded = decode_document(data)
    except UndecodableDocument as exc:
        raise RefusedSeed(str(exc)) from exc
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
