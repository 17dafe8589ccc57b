"""While NATS is down a service idles, reports not-ready, and still stops within 10 s of
SIGTERM; when NATS is back it is ready again. A real nats-server, stopped and started here."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from orewatch_cli.servers import NatsServer, free_port

pytestmark = pytest.mark.slow

IDLE_CPU = 0.05  # of one core
MEASURE_S = 10.0
STOP_WITHIN_S = 10.0


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("service", ["fetcher", "cleaner", "extractor", "store"])
async def test_nats_down_idle_not_ready_and_a_prompt_stop(
    service, start_service, empty_db, tmp_path, wait, health
):
    nats_server = NatsServer(tmp_path / "nats").start()
    port = free_port()
    try:
        process = start_service(
            service,
            NATS_URL=nats_server.url,
            DATABASE_URL=empty_db,
            OREWATCH_HEALTH_PORT=str(port),
            OREWATCH_NATS_RECONNECT_WAIT_S="0.5",
        )
        assert process.process is not None

        async def until(status: int, step: str) -> None:
            try:
                await wait(lambda: (health(port) or (0,))[0] == status, timeout=60)
            except AssertionError as failed:
                raise AssertionError(f"{step}: {failed}; {health(port)}\n{process.log()[-3000:]}") from None

        await until(200, "started")
        extra_report = {"postgres": "up"} if service == "store" else {}

        nats_server.stop()
        await until(503, "NATS stopped")
        assert health(port) == (503, {"ready": False, "started": True, "nats": "down", **extra_report})
        await asyncio.sleep(1)  # past the first reconnect attempts
        used, started = cpu_seconds(process.process.pid), time.monotonic()
        await asyncio.sleep(MEASURE_S)
        share = (cpu_seconds(process.process.pid) - used) / (time.monotonic() - started)
        assert share < IDLE_CPU, f"{service} used {share:.1%} of a core with NATS down"

        nats_server.start()  # same port and store
        await until(200, "NATS back")
        nats_server.stop()
        await until(503, "NATS stopped again")

        asked = time.monotonic()
        process.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.process.wait, 20)
        took = time.monotonic() - asked
        assert took < STOP_WITHIN_S, f"{service} took {took:.1f}s to stop after SIGTERM\n{process.log()}"
        assert code == 0, process.log()[-3000:]
        print(f"{service}: {share:.2%} CPU with NATS down, stopped {took:.1f}s after SIGTERM (exit {code})")
    finally:
        nats_server.stop()
