"""Which seeds/ names are documents, feeds, skipped or refused; and the safety checks on a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from orewatch_common.contracts import ContentType, RawArticle
from orewatch_fetcher.seeds import (
    RefusedSeed,
    SeedKind,
    classify,
    content_type_of,
    raw_article_from_bytes,
    raw_article_from_file,
    resolve_seed,
    source_name_of,
)

SEEDS = Path("/srv/seeds")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("article.txt", SeedKind.DOCUMENT),
        ("Статья.TXT", SeedKind.DOCUMENT),
        ("page.html", SeedKind.DOCUMENT),
        ("page.htm", SeedKind.DOCUMENT),
        ("notes.md", SeedKind.DOCUMENT),
        ("README", SeedKind.DOCUMENT),
        ("news/2025/a.html", SeedKind.DOCUMENT),
        ("lenta.xml", SeedKind.FEED),
        ("feed.rss", SeedKind.FEED),
        ("feed.atom", SeedKind.FEED),
        (".hidden.txt", SeedKind.IGNORED),
        (".git/config", SeedKind.IGNORED),
        ("news/.cache/a.txt", SeedKind.IGNORED),
        (".article.txt.swp", SeedKind.IGNORED),
        ("article.txt.swx", SeedKind.IGNORED),
        ("article.txt~", SeedKind.IGNORED),
        ("#article.txt#", SeedKind.IGNORED),
        (".#article.txt", SeedKind.IGNORED),
        ("4913", SeedKind.IGNORED),
        ("~$report.docx", SeedKind.IGNORED),
        ("page.html.part", SeedKind.IGNORED),
        ("page.html.crdownload", SeedKind.IGNORED),
        ("upload.tmp", SeedKind.IGNORED),
        ("a.txt___jb_tmp___", SeedKind.IGNORED),
        ("a.txt.kate-swp", SeedKind.IGNORED),
        ("report.pdf", SeedKind.UNSUPPORTED),
        ("photo.JPG", SeedKind.UNSUPPORTED),
        ("doc.docx", SeedKind.UNSUPPORTED),
    ],
)
def test_classify(name: str, kind: SeedKind) -> None:
    assert classify(SEEDS / name, SEEDS) is kind


def test_classify_relative_seeds_dir_with_absolute_event_path() -> None:
    # watchfiles reports absolute paths even when seeds_dir was given relative
    assert classify(Path("seeds").absolute() / ".cache" / "a.txt", Path("seeds")) is SeedKind.IGNORED


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.txt", b"<html>", ContentType.TEXT),
        ("a.html", b"plain words", ContentType.HTML),
        ("README", b"<!DOCTYPE html><html>", ContentType.HTML),
        ("README", b"\xef\xbb\xbf<html>", ContentType.HTML),
        ("README", b"just words", ContentType.TEXT),
    ],
)
def test_content_type(name: str, head: bytes, expected: ContentType) -> None:
    assert content_type_of(Path(name), head) is expected


@pytest.mark.parametrize(
    ("relative", "source"), [("a.txt", "seeds"), ("lenta/a.txt", "seeds/lenta"), ("a/b/c.txt", "seeds/a")]
)
def test_source_name(relative: str, source: str) -> None:
    assert source_name_of(relative) == source


def test_symlink_outside_is_refused(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("пароль")
    (seeds / "link.txt").symlink_to(secret)
    with pytest.raises(RefusedSeed, match="outside seeds"):
        resolve_seed(seeds / "link.txt", seeds)


def test_symlink_inside_and_subfolder_uri(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    (seeds / "news").mkdir(parents=True)
    (seeds / "news" / "a.txt").write_text(
        "Министр заявил, что поставки металлов вырастут в следующем году.", encoding="cp1251"
    )
    (seeds / "alias.txt").symlink_to(seeds / "news" / "a.txt")
    assert resolve_seed(seeds / "alias.txt", seeds).relative == "alias.txt"
    article = raw_article_from_file(seeds / "news" / "a.txt", seeds, 1000)
    assert (article.source_uri, article.source_name, article.encoding) == (
        "news/a.txt",
        "seeds/news",
        "cp1251",
    )


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda p: p.write_bytes(b"x" * 101), "file is 101 bytes, over the 100-byte hard limit"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_bytes(b"\x00\x01\x02PK\x03\x04" * 5), "binary"),
        (lambda p: p.symlink_to(p.parent / "missing"), "broken link"),
        (lambda p: p.symlink_to(p), "link loop"),
    ],
)
def test_refused_files(tmp_path: Path, setup, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.txt"
    setup(path)
    with pytest.raises(RefusedSeed, match=reason):
        raw_article_from_file(path, tmp_path, 100)


def file_article(content: str, version: int | None) -> RawArticle:
    return raw_article_from_bytes(
        content.encode(),
        source_uri="a.txt",
        source_name="seeds",
        content_type=ContentType.TEXT,
        version=version,
    )


@pytest.mark.parametrize(
    ("first", "second", "same_id"),
    [
        (("А.", 1), ("А.", 1), True),  # a redelivery: deduplicated by JetStream
        (("А.", 1), ("А.", 3), False),  # A, B, A: the third version is published again
        (("А.", 1), ("Б.", 1), False),
        (("А.", None), ("А.", 1), False),
    ],
)
def test_message_id_includes_the_version(
    first: tuple[str, int | None], second: tuple[str, int | None], same_id: bool
) -> None:
    assert (file_article(*first).message_id() == file_article(*second).message_id()) is same_id
