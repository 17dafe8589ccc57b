"""The issue's case: brexit__brexit_ru.txt_file_1070.txt (bsnlp-dev), whose extraction once
named one canonical actor twice and failed the store's primary key on every delivery.
`orewatch extract` now gives each canonical actor once, and the store keeps it whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from orewatch_common.contracts import (
    EXTRACTED_STATEMENT,
    RAW_ARTICLE,
    ExtractedArticle,
)

from tests.support.factories import raw_article_for

from .test_store_contract import rows

pytestmark = pytest.mark.slow

# `orewatch extract` of the file (source_uri made relative), 2026-12-04
EXTRACTION = ExtractedArticle.model_validate(
    json.loads((Path(__file__).parent / "data" / "brexit_ru_1070.extracted.json").read_text())
)


async def test_the_brexit_article_is_stored_whole(bus, start_service, empty_db, wait):
    start_service("store", DATABASE_URL=empty_db)
    await bus.publish(RAW_ARTICLE, raw_article_for(EXTRACTION))
    await bus.publish(EXTRACTED_STATEMENT, EXTRACTION)
    await wait(lambda: rows(empty_db, "SELECT count(*) FROM statements") == [(6,)])
    assert rows(empty_db, "SELECT count(*) FROM article_actors") == [(19,)]
    assert rows(empty_db, "SELECT count(*) FROM dead_letters") == [(0,)]
    assert rows(empty_db, "SELECT url FROM v_articles") == [("brexit__brexit_ru.txt_file_1070.txt",)]
