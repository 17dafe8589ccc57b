"""SeedsIngestor with an in-memory seen store: what is published once, again, or not at all."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from orewatch_common.bus import DEAD_LETTER_MAX_BYTES
from orewatch_common.contracts import DeadLetter, RawArticle
from orewatch_fetcher import watcher as watcher_module
from orewatch_fetcher.watcher import MemorySeenStore, SeedsIngestor, SeenRecord

PROSE = "Министр заявил, что поставки редкоземельных металлов вырастут в следующем году."


class Sink:
    def __init__(self) -> None:
        self.articles: list[RawArticle] = []
        self.letters: list[DeadLetter] = []

    async def article(self, article: RawArticle) -> None:
        self.articles.append(article)

    async def letter(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


def ingestor(seeds: Path, seen: MemorySeenStore, sink: Sink) -> SeedsIngestor:
    return SeedsIngestor(
        seeds,
        max_bytes=10_000,
        seen=seen,
        publish_article=sink.article,
        publish_dead_letter=sink.letter,
        quiet_s=0.05,
    )


async def test_restart_neither_republishes_nor_decodes_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_bytes(PROSE.encode("cp1251"))
    seen, sink = MemorySeenStore(), Sink()
    await ingestor(tmp_path, seen, sink).scan()
    assert [a.source_uri for a in sink.articles] == ["a.txt"]

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was decoded again")

    with monkeypatch.context() as patch:
        patch.setattr(watcher_module, "raw_article_from_bytes", no_decoding)
        await ingestor(tmp_path, seen, sink).scan()  # a new process: empty in-memory table
    (tmp_path / "a.txt").write_bytes(PROSE.encode("utf-8"))  # same text, other bytes
    await ingestor(tmp_path, seen, sink).scan()
    assert len(sink.articles) == 1 and sink.letters == []
    (tmp_path / "a.txt").write_bytes((PROSE + " Новое.").encode("utf-8"))
    await ingestor(tmp_path, seen, sink).scan()
    assert len(sink.articles) == 2


async def test_rescan_skips_handled_files_and_refuses_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PROSE)
    (tmp_path / "empty.txt").write_bytes(b"")
    seen, sink = MemorySeenStore(), Sink()
    one = ingestor(tmp_path, seen, sink)
    for _ in range(3):
        await one.scan()
    assert [a.source_uri for a in sink.articles] == ["a.txt"]
    assert [(d.source_uri, d.reason) for d in sink.letters] == [("empty.txt", "empty file")]


async def test_decoding_bug_is_a_dead_letter_not_a_crash(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text(PROSE)

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(watcher_module, "raw_article_from_bytes", broken)
    sink = Sink()
    await ingestor(tmp_path, MemorySeenStore(), sink).scan()
    assert [d.reason for d in sink.letters] == ["unexpected error: KeyError: 'bug'"]


async def test_refused_file_keeps_its_head_and_its_whole_size(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"\x00" * 3_000_000)
    sink = Sink()
    await ingestor(tmp_path, MemorySeenStore(), sink).scan()
    (letter,) = sink.letters
    assert (letter.payload_size, letter.error_class) == (3_000_000, "UnsupportedFileType")
    # the head, escaped, as far as the dead-letter cap on the encoded letter allows
    assert letter.payload and set(letter.payload.split("\\x00")) == {""}
    assert DEAD_LETTER_MAX_BYTES - 1024 < len(letter.model_dump_json().encode()) <= DEAD_LETTER_MAX_BYTES


@pytest.mark.parametrize(
    ("stored", "record"),
    [
        (None, SeenRecord()),
        ("abc raw:def", SeenRecord(content="abc", raw="raw:def")),  # written before versions
        ("feed raw:def", SeenRecord(content="feed", raw="raw:def")),
        ("refused:10:20", SeenRecord(refused="refused:10:20")),
        (SeenRecord(3, "abc", "raw:def").dumps(), SeenRecord(3, "abc", "raw:def")),
    ],
)
def test_seen_record_reads_old_and_new_values(stored: str | None, record: SeenRecord) -> None:
    assert SeenRecord.parse(stored) == record


async def test_a_file_written_during_the_quiet_wait_is_left_for_later_then_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(PROSE)
    sink = Sink()
    one = ingestor(tmp_path, MemorySeenStore(), sink)
    one.quiet_s = 0.3

    async def append_during_the_wait() -> None:
        await asyncio.sleep(0.1)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(" Дополнено.")

    await asyncio.gather(one.scan(), append_during_the_wait())
    assert (sink.articles, one.pending) == ([], {path})
    await one.ingest_pending()
    assert [a.content for a in sink.articles] == [PROSE + " Дополнено."]
    assert one.pending == set()


def scan_as_nobody(seeds: Path) -> dict[str, list[object]]:
    """Scan in a forked child that dropped root (chmod 000 means nothing to root, as in the container)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        code = 1
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            sink = Sink()
            asyncio.run(ingestor(seeds, MemorySeenStore(), sink).scan())
            found = {"articles": [a.source_uri for a in sink.articles]}
            found["letters"] = [[d.source_uri, d.error_class] for d in sink.letters]
            os.write(write_end, json.dumps(found).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    result: dict[str, list[object]] = json.loads(output)
    return result


def test_unreadable_file_and_folder_are_dead_letters() -> None:
    seeds = Path(tempfile.mkdtemp(prefix="orewatch-unreadable-"))
    try:
        seeds.chmod(0o755)
        (seeds / "good.txt").write_text(PROSE)
        (seeds / "good.txt").chmod(0o644)
        (seeds / "secret.txt").write_text(PROSE)
        (seeds / "secret.txt").chmod(0)
        (seeds / "locked").mkdir(mode=0o700)
        (seeds / "locked" / "inside.txt").write_text(PROSE)
        (seeds / "locked").chmod(0o300)  # no read: its files cannot be listed
        assert scan_as_nobody(seeds) == {
            "articles": ["good.txt"],
            "letters": [["secret.txt", "PermissionError"], ["locked", "PermissionError"]],
        }
    finally:
        (seeds / "locked").chmod(0o700)
        shutil.rmtree(seeds)
