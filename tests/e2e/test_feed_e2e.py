"""A feed served on loopback flows through all four services into Postgres."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html lang="ru"><head><meta charset="windows-1251">
<title>{title}</title></head><body>
<nav>Главная / Экономика</nav>
<article><h1>{title}</h1>
<p>{lead}</p>
<p>По его словам, первые поставки концентрата начнутся в следующем году, а инвестиции в проект
превысят десять миллиардов рублей. Строительство обогатительной фабрики уже началось.</p>
</article>
<footer>Подписывайтесь на наш Telegram-канал. © 2026 Горный вестник</footer>
</body></html>"""

ITEMS = [
    (
        "Добыча лития в Сибири вырастет вдвое",
        "Губернатор Иркутской области Игорь Кобзев заявил, "
        "что добыча лития в регионе вырастет вдвое к 2030 году.",
        "Mon, 02 Nov 2026 09:30:00 +0300",
    ),
    (
        "Норникель нарастит выпуск никеля",
        "Президент компании Владимир Потанин сообщил, что выпуск "
        "никеля и меди в следующем году увеличится на пять процентов.",
        "Tue, 03 Nov 2026 12:00:00 +0300",
    ),
]


@pytest.fixture
def feed_site(tmp_path: Path) -> Iterator[str]:
    """A static site on 127.0.0.1: an RSS 2.0 feed and its two cp1251 pages."""
    site = tmp_path / "site"
    site.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site))
    )
    base = f"http://127.0.0.1:{server.server_address[1]}"
    items = []
    for number, (title, lead, published) in enumerate(ITEMS):
        page = PAGE.format(title=title, lead=lead)
        (site / f"news-{number}.html").write_bytes(page.encode("cp1251"))
        items.append(
            f"<item><title>{title}</title><link>{base}/news-{number}.html</link>"
            f"<guid>{base}/news-{number}.html</guid><pubDate>{published}</pubDate></item>"
        )
    (site / "rss.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Горный вестник</title>'
        f"<link>{base}/</link>{''.join(items)}</channel></rss>",
        encoding="utf-8",
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_feed_entries_reach_postgres_with_title_url_and_date(
    feed_site, start_service, bus, sql, empty_db, wait
):
    feeds = {
        "OREWATCH_FEEDS": f"{feed_site}/rss.xml|2",
        "OREWATCH_ALLOW_PRIVATE_URLS": "1",
        "OREWATCH_FETCH_DELAY_S": "0.1",
        "DATABASE_URL": empty_db,
    }
    for service in ("store", "extractor", "cleaner", "fetcher"):
        start_service(service, **feeds)

    await wait(
        lambda: sql("SELECT count(*) FROM articles WHERE extracted_at IS NOT NULL")[0][0] == 2, timeout=90
    )
    rows = sql("SELECT source, url, title, published_at::text, statements FROM v_articles ORDER BY url")
    assert [row[:4] for row in rows] == [
        ("127.0.0.1", f"{feed_site}/news-0.html", ITEMS[0][0], "2026-11-02 06:30:00+00"),
        ("127.0.0.1", f"{feed_site}/news-1.html", ITEMS[1][0], "2026-11-03 09:00:00+00"),
    ]
    assert all(statements >= 1 for *_, statements in rows)
    assert sql(
        "SELECT count(*) FROM raw_articles WHERE content_type = 'text/html' AND feed_url IS NOT NULL"
    ) == [(2,)]
    speakers = {row[0] for row in sql("SELECT speaker FROM v_statements WHERE speaker IS NOT NULL")}
    assert {"Игорь Кобзев", "Владимир Потанин"} <= speakers
    bodies = " ".join(row[0] for row in sql("SELECT body FROM articles"))
    assert "Telegram" not in bodies and "Главная" not in bodies
