"""The seeds/ folder on a real nats-server: what reaches raw.article and dead.letter, and when."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from orewatch_common.contracts import DEAD_LETTER, RAW_ARTICLE, DeadLetter, RawArticle
from orewatch_fetcher.app import SEEN_BUCKET, KvSeenStore
from orewatch_fetcher.feed_state import FEED_STATE_BUCKET, FeedState
from orewatch_fetcher.http_client import HttpClient
from orewatch_fetcher.poller import FeedPoller
from orewatch_fetcher.robots import HostThrottle, RobotsCache
from orewatch_fetcher.supervision import supervise
from orewatch_fetcher.watcher import SeedsIngestor

pytestmark = pytest.mark.slow

PROSE = "Министр заявил, что поставки редкоземельных металлов вырастут в следующем году."


async def raw_articles(bus, count: int, timeout: float = 15.0) -> list[RawArticle]:  # type: ignore[no-untyped-def]
    return [RawArticle.model_validate_json(m) for m in await bus.read(RAW_ARTICLE, count, timeout)]


async def dead_letters(bus, count: int, timeout: float = 15.0) -> list[DeadLetter]:  # type: ignore[no-untyped-def]
    return [DeadLetter.model_validate_json(m) for m in await bus.read(DEAD_LETTER, count, timeout)]


@pytest.fixture
async def watching(bus, out, tmp_path: Path, web) -> AsyncIterator[Callable[..., Any]]:  # type: ignore[no-untyped-def]
    """Start the seeds watcher in this process (supervised, as in the service) on a fresh seeds/."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    clients: list[HttpClient] = []
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)

    async def start(publish_article=None, **options: Any) -> SeedsIngestor:  # type: ignore[no-untyped-def]
        client = HttpClient(timeout_s=2, max_bytes=100_000, user_agent="orewatch-test/1", allow_private=True)
        clients.append(client)
        poller = FeedPoller(
            client=client,
            robots=RobotsCache(client, "orewatch-test"),
            throttle=HostThrottle(0.0),
            state=FeedState(await out.kv(FEED_STATE_BUCKET), lease_s=30),
            publish_article=out.article,
            publish_dead_letter=out.dead_letter,
            retry_delay_s=0.2,
        )
        ingestor = SeedsIngestor(
            seeds,
            max_bytes=options.pop("max_bytes", 10_000),
            seen=KvSeenStore(await out.kv(SEEN_BUCKET)),
            publish_article=publish_article or out.article,
            publish_dead_letter=out.dead_letter,
            feed_file_handler=poller.ingest_feed_file,
            quiet_s=0.3,
            **options,
        )
        tasks.append(
            asyncio.create_task(
                supervise("seeds watcher", lambda: ingestor.watch(stop), stop, base_delay_s=0.2)
            )
        )
        await asyncio.sleep(0.6)  # the first scan of an empty folder
        return ingestor

    start.seeds = seeds  # type: ignore[attr-defined]
    yield start
    stop.set()
    for task in tasks:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
    for client in clients:
        await client.aclose()


async def test_new_file_in_subfolder_ingested_within_seconds(watching, bus, wait) -> None:  # type: ignore[no-untyped-def]
    await watching()
    folder = watching.seeds / "lenta" / "2025"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_bytes(PROSE.encode("cp1251"))
    (article,) = await raw_articles(bus, 1, timeout=10)
    assert (article.source_uri, article.source_name) == ("lenta/2025/a.txt", "seeds/lenta")
    assert (article.content, article.encoding, article.content_type) == (PROSE, "cp1251", "text/plain")


async def test_changed_file_published_again_unchanged_not(watching, bus, wait) -> None:  # type: ignore[no-untyped-def]
    path = watching.seeds / "a.html"
    path.write_text(f"<html><p>{PROSE}</p></html>", encoding="utf-8")
    ingestor = await watching()
    await wait(lambda: bus.count(RAW_ARTICLE), timeout=10)
    path.touch()  # same content
    await ingestor.scan()
    path.write_text(f"<html><p>{PROSE} Обновлено.</p></html>", encoding="utf-8")
    await wait(lambda: _equals(bus.count(RAW_ARTICLE), 2), timeout=10)
    first, second = await raw_articles(bus, 2)
    assert first.article_id == second.article_id and first.content_sha256 != second.content_sha256
    assert second.content_type == "text/html"


async def _equals(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return (await value) == expected


async def test_hidden_swap_and_partial_files_ignored(watching, bus, wait) -> None:  # type: ignore[no-untyped-def]
    await watching()
    seeds = watching.seeds
    for name in (".hidden.txt", ".a.txt.swp", "a.txt~", "page.html.part", "b.crdownload", "#c.txt#", "4913"):
        (seeds / name).write_text(PROSE)
    (seeds / ".git").mkdir()
    (seeds / ".git" / "HEAD").write_text(PROSE)
    await asyncio.sleep(1.5)
    (seeds / "marker.txt").write_text(PROSE)
    (article,) = await raw_articles(bus, 1)
    assert article.source_uri == "marker.txt"
    await asyncio.sleep(0.5)
    assert await bus.count(RAW_ARTICLE) == 1
    assert await bus.count(DEAD_LETTER) == 0


async def test_growing_file_read_once_complete(watching, bus) -> None:  # type: ignore[no-untyped-def]
    await watching()
    path = watching.seeds / "slow.txt"
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(8):
            handle.write(PROSE + "\n")
            handle.flush()
            await asyncio.sleep(0.15)
    (article,) = await raw_articles(bus, 1)
    assert article.content == (PROSE + "\n") * 8
    await asyncio.sleep(1.0)
    assert await bus.count(RAW_ARTICLE) == 1


async def test_refused_files_are_dead_letters_and_watcher_goes_on(watching, bus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seeds = watching.seeds
    outside = tmp_path / "secret.txt"
    outside.write_text("пароль от всего")
    (seeds / "big.txt").write_text(PROSE * 200)  # over the 10 kB cap of the fixture
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (seeds / "link.txt").symlink_to(outside)
    (seeds / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    (seeds / "report.pdf").write_bytes(b"%PDF-1.4 ...")
    await watching()
    letters = {letter.source_uri: letter for letter in await dead_letters(bus, 6)}
    assert {uri: letter.reason.split(":")[0].split(" (")[0] for uri, letter in letters.items()} == {
        "big.txt": f"file is {len(PROSE.encode()) * 200} bytes, over the 10000-byte hard limit",
        "empty.txt": "empty file",
        "image.html": "binary content",
        "link.txt": "symlink points outside seeds/",
        "linked-folder": "symlink points outside seeds/",
        "report.pdf": "unsupported file type '.pdf'",
    }
    assert "пароль" not in letters["link.txt"].payload  # nothing is read through the link
    (seeds / "good.txt").write_text(PROSE)
    (article,) = await raw_articles(bus, 1)
    assert article.source_uri == "good.txt"
    await asyncio.sleep(0.5)
    assert await bus.count(DEAD_LETTER) == 6  # each refusal reported once


async def test_dropped_feed_file_entries_published(watching, bus, web) -> None:  # type: ignore[no-untyped-def]
    page = web.add(
        "/news/1.html", f"<html><head><title>Новость</title></head><body><p>{PROSE}</p></body></html>"
    )
    await watching()
    feed = f"""<?xml version="1.0" encoding="koi8-r"?>
<rss version="2.0"><channel><title>Лента</title>
<item><title>Со ссылкой</title><link>{page}</link><guid>g1</guid></item>
<item><title>Без ссылки</title><guid isPermaLink="false">g2</guid><description>{PROSE}</description></item>
</channel></rss>"""
    (watching.seeds / "feeds").mkdir()
    (watching.seeds / "feeds" / "lenta.rss").write_bytes(feed.encode("koi8_r"))
    articles = {a.title_hint: a for a in await raw_articles(bus, 2)}
    linked, alone = articles["Со ссылкой"], articles["Без ссылки"]
    assert (linked.source_uri, linked.content_type, linked.is_feed_summary) == (page, "text/html", False)
    assert PROSE in linked.content and linked.source_name == "127.0.0.1"
    assert linked.feed_url == "feeds/lenta.rss"
    assert (alone.source_uri, alone.content, alone.is_feed_summary) == ("feeds/lenta.rss#g2", PROSE, True)
    assert (alone.source_name, alone.encoding) == ("seeds/feeds", "koi8-r")
    (watching.seeds / "feeds" / "broken.xml").write_text("<html><p>это не лента</p></html>")
    (letter,) = await dead_letters(bus, 1)
    assert (letter.source_uri, letter.reason.split(" (")[0]) == (
        "feeds/broken.xml",
        "feed file not an RSS or Atom feed",
    )


async def test_publish_failure_restarts_the_loop(watching, bus, out, caplog) -> None:  # type: ignore[no-untyped-def]
    failures = [RuntimeError("nats: no responders")]

    async def flaky(article: RawArticle) -> None:
        if failures:
            raise failures.pop()
        await out.article(article)

    (watching.seeds / "a.txt").write_text(PROSE)
    await watching(publish_article=flaky)
    (article,) = await raw_articles(bus, 1)
    assert article.source_uri == "a.txt"
    assert "seeds watcher crashed" in caplog.text


async def test_restart_does_not_republish(bus, start_service, service_env, wait, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seeds = Path(service_env["OREWATCH_SEEDS_DIR"])
    (seeds / "news").mkdir()
    (seeds / "a.txt").write_bytes(PROSE.encode("cp1251"))
    (seeds / "news" / "b.html").write_text(f"<html><p>{PROSE}</p></html>", encoding="utf-8")
    env = {"OREWATCH_SEEDS_QUIET_S": "0.2"}
    fetcher = start_service("fetcher", **env)
    await wait(lambda: _equals(bus.count(RAW_ARTICLE), 2), timeout=30)
    fetcher.stop()
    assert fetcher.process.returncode == 0, fetcher.log()

    fetcher = start_service("fetcher", **env)
    await wait(lambda: "watching" in fetcher.log() and fetcher.log().count("watching") == 2, timeout=30)
    (seeds / "marker.txt").write_text(PROSE)  # proves the second process has scanned and is watching
    await wait(lambda: _equals(bus.count(RAW_ARTICLE), 3), timeout=30)
    (seeds / "a.txt").write_bytes((PROSE + " Дополнено.").encode("cp1251"))
    await wait(lambda: _equals(bus.count(RAW_ARTICLE), 4), timeout=30)
    await asyncio.sleep(1.0)
    assert await bus.count(RAW_ARTICLE) == 4
    uris = [RawArticle.model_validate_json(m).source_uri for m in await bus.read(RAW_ARTICLE, 4)]
    assert sorted(uris) == ["a.txt", "a.txt", "marker.txt", "news/b.html"]


async def test_slowly_written_file_published_once_complete(watching, bus) -> None:  # type: ignore[no-untyped-def]
    await watching()
    path = watching.seeds / "slow.txt"

    def write_slowly() -> None:  # appended every 0.2 s for 5 s, from another thread
        with path.open("w", encoding="utf-8") as handle:
            for _ in range(25):
                handle.write(PROSE + "\n")
                handle.flush()
                time.sleep(0.2)

    await asyncio.to_thread(write_slowly)
    (article,) = await raw_articles(bus, 1)
    assert article.content == (PROSE + "\n") * 25
    await asyncio.sleep(1.5)
    assert await bus.count(RAW_ARTICLE) == 1


async def test_a_b_a_gives_three_versions(watching, bus, wait) -> None:  # type: ignore[no-untyped-def]
    await watching()
    path = watching.seeds / "a.txt"
    for count, text in enumerate((PROSE, PROSE + " Обновлено.", PROSE), start=1):
        path.write_text(text, encoding="utf-8")
        await wait(lambda count=count: _equals(bus.count(RAW_ARTICLE), count), timeout=10)
    articles = await raw_articles(bus, 3)
    assert [(a.content, a.version) for a in articles] == [
        (PROSE, 1),
        (PROSE + " Обновлено.", 2),
        (PROSE, 3),
    ]


def make_odd_paths(seeds: Path, tag: str) -> dict[str, str]:
    """Odd entries in seeds/, named with `tag`; their readable source URIs and error classes."""
    (seeds / os.fsdecode(f"{tag}-caf\xe9.txt".encode("latin-1"))).write_text(PROSE)
    (seeds / f"{tag}-root").symlink_to("/", target_is_directory=True)
    (seeds / f"{tag}-loop.txt").symlink_to(seeds / f"{tag}-loop.txt")
    (seeds / f"{tag}-dangling.txt").symlink_to(seeds / "nowhere.txt")
    os.mkfifo(seeds / f"{tag}-fifo.txt")
    return {
        f"{tag}-caf\\xe9.txt": "NonUtf8Name",
        f"{tag}-root": "OutsideSeeds",
        f"{tag}-loop.txt": "BrokenLink",
        f"{tag}-dangling.txt": "BrokenLink",
        f"{tag}-fifo.txt": "NotRegularFile",
    }


async def test_odd_names_and_links_are_dead_letters_at_start_and_on_events(watching, bus) -> None:  # type: ignore[no-untyped-def]
    expected = make_odd_paths(watching.seeds, "start")
    await watching()
    expected |= make_odd_paths(watching.seeds, "event")
    letters = await dead_letters(bus, len(expected), timeout=20)
    assert {letter.source_uri: letter.error_class for letter in letters} == expected
    (watching.seeds / "good.txt").write_text(PROSE)
    (article,) = await raw_articles(bus, 1)
    assert article.source_uri == "good.txt"
    await asyncio.sleep(1.0)
    assert await bus.count(DEAD_LETTER) == len(expected)  # each once
