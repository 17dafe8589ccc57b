"""Keep the fetcher's background loops alive, or take the process down so it is restarted.

A watcher or poller that dies inside a running FastStream app would leave a
service that looks healthy and does nothing. Each loop therefore runs under
`supervise`: a crash is logged with its traceback and the loop restarted after
a growing pause; when it keeps crashing at once, the process exits non-zero and
the supervisor (`orewatch run`, Docker, Kubernetes) starts a fresh one. A crash because
NATS is away (`failures.classify` says unavailable) is no reason to restart the
process: it never counts towards that, and the loop waits for NATS as long as it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable

from orewatch_common.failures import Failure, classify
from orewatch_common.logs import get_logger

log = get_logger(__name__)

HEALTHY_RUN_S = 60.0


def _exit_process() -> None:
    logging.shutdown()
    os._exit(70)  # EX_SOFTWARE


async def supervise(
    name: str,
    loop_factory: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    *,
    max_quick_failures: int = 5,
    base_delay_s: float = 1.0,
    max_delay_s: float = 60.0,
    give_up: Callable[[], None] = _exit_process,
) -> None:
    """Run `loop_factory()` until `stop` is set, restarting it when it raises or returns early."""
    clock = asyncio.get_running_loop().time
    failures = outages = 0
    while not stop.is_set():
        started = clock()
        try:
            await loop_factory()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if classify(exc) is Failure.UNAVAILABLE:
                outages += 1
                delay = min(base_delay_s * 2 ** min(outages - 1, 16), max_delay_s)
                log.warning("%s: a dependency is away (%s); again in %.0fs", name, exc, delay)
                await _pause(stop, delay)
                continue
            log.exception("%s crashed", name)
        else:
            if stop.is_set():
                return
            log.error("%s returned while the service is running", name)
        outages = 0
        failures = 1 if clock() - started > HEALTHY_RUN_S else failures + 1
        if failures >= max_quick_failures:
            log.critical("%s failed %d times in a row; exiting so the service is restarted", name, failures)
            give_up()
            return
        delay = min(base_delay_s * 2 ** (failures - 1), max_delay_s)
        log.warning("restarting %s in %.0fs (failure %d of %d)", name, delay, failures, max_quick_failures)
        await _pause(stop, delay)


async def _pause(stop: asyncio.Event, delay: float) -> None:
    """Sleep `delay` seconds, or less if the service is stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay)
