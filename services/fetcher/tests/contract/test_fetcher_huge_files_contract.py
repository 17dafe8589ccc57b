"""Files of any size on a real nats-server, through the fetcher and cleaner services: large
ones travel through the object store, one past the hard limit is a dead letter, and the
fetcher goes on reading what comes after."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from orewatch_common.contracts import (
    CLEAN_ARTICLE,
    DEAD_LETTER,
    RAW_ARTICLE,
    CleanArticle,
    DeadLetter,
    RawArticle,
)

pytestmark = pytest.mark.slow

LINE = "Министр заявил, что поставки редкоземельных металлов вырастут в следующем году.\n\n"


def text_of_size(size: int) -> str:
    return LINE * (size // len(LINE.encode()))


async def _count_is(bus, subject: str, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return (await bus.count(subject)) == expected


def seed_files(seeds: Path, sizes: dict[str, int]) -> dict[str, str]:
    texts = {name: text_of_size(size) for name, size in sizes.items()}
    for name, text in texts.items():
        (seeds / name).write_text(text, encoding="utf-8")
    return texts


async def test_huge_files_flow_and_past_the_limit_is_a_dead_letter(
    bus, start_service, service_env, wait
) -> None:  # type: ignore[no-untyped-def]
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    texts = seed_files(seeds, {"huge-3mb.txt": 3_000_000, "huge-20mb.txt": 20_000_000})
    with (seeds / "sparse-60mb.txt").open("wb") as handle:
        handle.truncate(60_000_000)  # sparse: nothing to read, but its size is past the hard limit
    started = time.monotonic()
    fetcher = start_service("fetcher", OREWATCH_SEEDS_QUIET_S="0.2")

    (letter,) = [DeadLetter.model_validate_json(m) for m in await bus.read(DEAD_LETTER, 1, timeout=60)]
    assert (letter.source_uri, letter.error_class, letter.payload_size) == (
        "sparse-60mb.txt",
        "PayloadTooLarge",
        60_000_000,
    )
    assert letter.reason == "file is 60000000 bytes, over the 50000000-byte hard limit"
    raws = {a.source_uri: a for a in map(RawArticle.model_validate_json, await bus.read(RAW_ARTICLE, 2, 60))}
    assert {uri: raw.content == texts[uri] for uri, raw in raws.items()} == {
        "huge-3mb.txt": True,
        "huge-20mb.txt": True,
    }
    print(f"3 MB + 20 MB published {time.monotonic() - started:.1f}s after the fetcher started")

    (seeds / "after.txt").write_text(LINE, encoding="utf-8")  # the fetcher survived and goes on
    await wait(lambda: _count_is(bus, RAW_ARTICLE, 3), timeout=30)
    assert await bus.count(DEAD_LETTER) == 1
    assert fetcher.process is not None and fetcher.process.poll() is None


@pytest.mark.parametrize(
    "size",
    [3_000_000, pytest.param(20_000_000, marks=pytest.mark.chaos)],  # 20 MB: the cleaner takes ~1 min
)
async def test_the_cleaner_reads_a_huge_raw_article_whole(bus, start_service, service_env, size: int) -> None:  # type: ignore[no-untyped-def]
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    texts = seed_files(seeds, {"huge.txt": size})
    start_service("fetcher", OREWATCH_SEEDS_QUIET_S="0.2")
    cleaner = start_service("cleaner", OREWATCH_ACK_WAIT_S="300")  # one long clean, not redeliveries
    (raw,) = map(RawArticle.model_validate_json, await bus.read(RAW_ARTICLE, 1, timeout=60))
    (clean,) = map(CleanArticle.model_validate_json, await bus.read(CLEAN_ARTICLE, 1, timeout=240))
    assert clean.raw_sha256 == raw.content_sha256, cleaner.log()[-2000:]
    assert len(clean.body) > 0.9 * len(texts["huge.txt"])
    assert await bus.count(DEAD_LETTER) == 0
