"""Run one service's FastStream app in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from faststream import FastStream

from orewatch_common.logs import configure_logging
from orewatch_common.settings import Settings, get_settings


def serve(service: str, build_app: Callable[[Settings], FastStream]) -> None:
    """One process per service replica; the extractor gets one BLAS thread (OMP_NUM_THREADS=1)."""
    if service == "extractor":
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    settings = get_settings()
    configure_logging(service, settings.log_level, settings.log_format)
    app = build_app(settings)
    asyncio.run(app.run())
