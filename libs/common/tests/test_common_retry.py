"""Capped exponential backoff with equal jitter, and consumers with no compounding backoff."""

from __future__ import annotations

import nats.errors
import pytest
from orewatch_common.bus import consumer_config, once_available, retry_delay
from orewatch_common.settings import Settings

DEFAULTS = Settings(_env_file=None)  # retry_base_s=1, retry_max_s=60, max_deliver=6
TESTS = Settings(_env_file=None, retry_base_s=0.25, retry_max_s=1, max_deliver=4)  # as service_env
LONG = Settings(_env_file=None, max_deliver=10)


@pytest.mark.parametrize(
    ("settings", "deliveries", "lowest", "highest"),
    [
        # the defaults: 1, 2, 4, 8, 16, 32 s ceilings, each delay in [ceiling/2, ceiling]
        (DEFAULTS, 1, 0.5, 1.0),
        (DEFAULTS, 2, 1.0, 2.0),
        (DEFAULTS, 3, 2.0, 4.0),
        (DEFAULTS, 4, 4.0, 8.0),
        (DEFAULTS, 5, 8.0, 16.0),
        (DEFAULTS, 6, 16.0, 32.0),
        # more deliveries: capped at retry_max_s = 60
        (LONG, 7, 30.0, 60.0),
        (LONG, 8, 30.0, 60.0),
        (LONG, 10, 30.0, 60.0),
        (LONG, 10_000, 30.0, 60.0),
        # the test settings of service_env
        (TESTS, 1, 0.125, 0.25),
        (TESTS, 2, 0.25, 0.5),
        (TESTS, 3, 0.5, 1.0),
        (TESTS, 4, 0.5, 1.0),
        # a delivery count of 0 (no metadata) is the first
        (DEFAULTS, 0, 0.5, 1.0),
    ],
)
def test_delay_for_each_delivery(settings, deliveries, lowest, highest):
    assert retry_delay(settings, deliveries, jitter=0.0) == lowest
    assert retry_delay(settings, deliveries, jitter=1.0) == highest
    for _ in range(50):
        assert lowest <= retry_delay(settings, deliveries) <= highest


def test_the_whole_schedule_until_max_deliver_stays_under_the_cap():
    """With the defaults a hopeless transient failure is dead-lettered after at most 63 s of
    naks (1+2+4+8+16 s ceilings), not the 29 minutes the compounding backoff once took."""
    ceilings = [retry_delay(DEFAULTS, n, jitter=1.0) for n in range(1, DEFAULTS.max_deliver)]
    assert ceilings == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert sum(ceilings) == 31.0


@pytest.mark.parametrize("settings", [DEFAULTS, TESTS, LONG])
def test_consumers_have_no_server_backoff_to_compound_with_the_nak_delay(settings):
    """nats-server redelivers a nak with delay d after d + backoff[n] - ack_wait; without a
    backoff list that is d, and a handler that died is redelivered after ack_wait."""
    config = consumer_config(settings, "cleaner")
    assert config.backoff is None
    assert config.ack_wait == settings.ack_wait_s
    assert config.max_deliver == settings.max_deliver


@pytest.mark.parametrize(
    ("failures", "opened_after"),
    [
        ([], 1),
        ([nats.errors.TimeoutError()], 2),
        ([nats.errors.NoServersError(), ConnectionRefusedError(), nats.errors.TimeoutError()], 4),
    ],
)
async def test_a_dependency_down_at_start_up_is_waited_for(
    failures: list[Exception], opened_after: int
) -> None:
    calls: list[int] = []

    async def open_bucket() -> str:
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return "bucket"

    settings = Settings(_env_file=None, retry_base_s=0.01, retry_max_s=0.02)
    assert await once_available(open_bucket, settings, "a bucket") == "bucket"
    assert len(calls) == opened_after


async def test_anything_but_an_unavailable_dependency_is_raised_at_once() -> None:
    calls: list[int] = []

    async def open_bucket() -> str:
        calls.append(1)
        raise ValueError("bucket name is invalid")

    with pytest.raises(ValueError, match="invalid"):
        await once_available(open_bucket, Settings(_env_file=None), "a bucket")
    assert calls == [1]
