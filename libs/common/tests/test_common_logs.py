"""Every log line names its service; FastStream's message lines keep their subject and id."""

from __future__ import annotations

import logging

import pytest
from orewatch_common.logs import ServiceFormatter


@pytest.mark.parametrize(
    ("extra", "ending"),
    [
        ({}, "orewatch.bus: Received"),
        ({"subject": "clean.article", "message_id": "94cee2f4-3"}, "Received [clean.article 94cee2f4-3]"),
        ({"subject": "clean.article", "message_id": ""}, "Received [clean.article]"),
        ({"subject": "", "message_id": ""}, "orewatch.bus: Received"),
    ],
    ids=["library-line", "message-line", "subject-only", "empty-context"],
)
def test_service_formatter(extra: dict[str, str], ending: str) -> None:
    record = logging.LogRecord("orewatch.bus", logging.INFO, __file__, 1, "Received", None, None)
    record.__dict__.update(extra)
    line = ServiceFormatter("extractor").format(record)
    assert " extractor INFO    orewatch.bus: " in line
    assert line.endswith(ending)
