"""Services starting together on an empty server leave one stream with every pipeline subject.

FastStream's own declaration creates the stream with only the subjects one app uses
(and the config of the first `JStream` it saw), then merges what it read back: two
services starting at once (as under `docker compose up`) could overwrite each other's
merge and drop a subject, and the configured duplicate window was never applied.
"""

from __future__ import annotations

import asyncio

import pytest
from nats.js.api import StorageType
from orewatch_cleaner.app import build_app as cleaner_app
from orewatch_common.contracts import PIPELINE_SUBJECTS
from orewatch_common.settings import Settings
from orewatch_extractor.app import build_app as extractor_app
from orewatch_fetcher.app import build_app as fetcher_app
from orewatch_store.app import build_app as store_app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("attempt", range(5))
async def test_concurrent_starts_keep_every_subject(bus, nats_url, tmp_path, attempt):
    settings = Settings(
        _env_file=None, nats_url=nats_url, seeds_dir=tmp_path, database_url="postgresql://x@127.0.0.1/x"
    )
    brokers = [build(settings).broker for build in (store_app, fetcher_app, cleaner_app, extractor_app)]
    brokers = [broker for broker in brokers if broker is not None]
    try:
        await asyncio.gather(*(broker.start() for broker in brokers))
        info = await bus.js.stream_info(settings.stream_name)
        assert sorted(info.config.subjects or []) == sorted(PIPELINE_SUBJECTS)
        assert info.config.duplicate_window == settings.duplicate_window_s == 7200
        assert info.config.storage == StorageType.FILE
    finally:
        await asyncio.gather(*(broker.stop() for broker in brokers))
