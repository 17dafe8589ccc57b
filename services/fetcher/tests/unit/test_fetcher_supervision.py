"""A crashing background loop is logged and restarted, and a crash loop ends the process."""

from __future__ import annotations

import asyncio
import logging

from orewatch_fetcher.supervision import supervise


async def test_crash_is_logged_and_loop_restarted(caplog) -> None:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    runs: list[int] = []

    async def loop() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError(f"boom {len(runs)}")
        stop.set()

    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(supervise("watcher", loop, stop, base_delay_s=0.01), timeout=5)
    assert len(runs) == 3
    assert "watcher crashed" in caplog.text and "boom 2" in caplog.text


async def test_crash_loop_gives_up() -> None:
    stop = asyncio.Event()
    gave_up: list[bool] = []

    async def loop() -> None:
        raise OSError("inotify watch limit reached")

    await asyncio.wait_for(
        supervise(
            "watcher",
            loop,
            stop,
            max_quick_failures=3,
            base_delay_s=0.01,
            give_up=lambda: gave_up.append(True),
        ),
        timeout=5,
    )
    assert gave_up == [True]


async def test_loop_returning_early_counts_as_failure() -> None:
    stop = asyncio.Event()
    gave_up: list[bool] = []

    async def loop() -> None:
        return None

    await supervise(
        "poller", loop, stop, max_quick_failures=2, base_delay_s=0.01, give_up=lambda: gave_up.append(True)
    )
    assert gave_up == [True]


async def test_nats_away_never_gives_up() -> None:
    """Twenty crashes in a row because NATS is away (far over the quick-failure limit): the
    loop is tried again every time, the process is not taken down."""
    import nats.errors

    stop = asyncio.Event()
    runs: list[int] = []
    gave_up: list[bool] = []

    async def loop() -> None:
        runs.append(1)
        if len(runs) <= 20:
            raise nats.errors.ConnectionClosedError()
        stop.set()

    await asyncio.wait_for(
        supervise(
            "watcher",
            loop,
            stop,
            max_quick_failures=3,
            base_delay_s=0.001,
            max_delay_s=0.01,
            give_up=lambda: gave_up.append(True),
        ),
        timeout=10,
    )
    assert (len(runs), gave_up) == (21, [])
