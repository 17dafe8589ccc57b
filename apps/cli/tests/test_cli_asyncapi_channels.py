"""Each service's AsyncAPI document lists every handler it has: one receive operation per
subscriber, one send per publisher, at the subject it uses. FastStream keys channels by
title and drops a second handler with the same one ("Overwrite channel handler"), which
is how the store's document once lost its dead.letter subscription."""

from __future__ import annotations

import importlib
import warnings
from typing import Any
from urllib.parse import unquote

import pytest
from orewatch_common.bus import advisory_subject
from orewatch_common.settings import Settings

ADVISORIES = advisory_subject(Settings(_env_file=None))

# Hand-written: what each service takes in and sends out.
EXPECTED = {
    "fetcher": {("send", "raw.article"), ("send", "dead.letter")},
    "cleaner": {("receive", "raw.article"), ("send", "clean.article"), ("send", "dead.letter")},
    "extractor": {("receive", "clean.article"), ("send", "extracted.statement"), ("send", "dead.letter")},
    "store": {
        ("receive", "raw.article"),
        ("receive", "clean.article"),
        ("receive", "extracted.statement"),
        ("receive", "dead.letter"),
        ("receive", ADVISORIES),
        ("send", "dead.letter"),
    },
}


def app_of(service: str) -> Any:
    return importlib.import_module(f"orewatch_{service}.app").app


def documented(app: Any) -> set[tuple[str, str]]:
    """(action, subject) of every operation of the app's AsyncAPI document; an overwritten
    channel is an error, not a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = app.schema.to_specification().to_jsonable()
    channels = schema["channels"]
    found = set()
    for operation in schema["operations"].values():
        channel = channels[unquote(operation["channel"]["$ref"].rpartition("/")[2])]
        found.add((operation["action"], channel["address"]))
    return found


def subject(handler: Any) -> str:
    """The NATS subject of a subscriber or publisher (FastStream wraps it in an Address)."""
    return str(getattr(handler.subject, "broker_address", handler.subject))


def handled(app: Any) -> set[tuple[str, str]]:
    """(action, subject) of every subscriber and publisher registered on the app's broker."""
    broker = app.broker
    return {("receive", subject(sub)) for sub in broker.subscribers} | {
        ("send", subject(pub)) for pub in broker.publishers
    }


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_the_document_lists_every_handler(service: str) -> None:
    app = app_of(service)
    assert documented(app) == handled(app)


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_the_handlers_are_the_ones_the_pipeline_needs(service: str) -> None:
    assert handled(app_of(service)) == EXPECTED[service]


def test_the_operation_count_equals_the_handler_count() -> None:
    """Two handlers on one subject (the store's dead.letter in and out) are two operations."""
    app = app_of("store")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = app.schema.to_specification().to_jsonable()
    assert len(schema["operations"]) == len(app.broker.subscribers) + len(app.broker.publishers)
