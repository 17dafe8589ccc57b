"""Dead letters: capped after serialization, with where the input came from."""

from __future__ import annotations

import pytest
from orewatch_common.bus import (
    DEAD_LETTER_MAX_BYTES,
    MaxDeliveriesAdvisory,
    dead_letter_for,
    dead_letter_from_advisory,
    source_uri_of,
)
from orewatch_common.contracts import DeadLetter

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "payload", "starts_with"),
    [
        ("NUL bytes (escaped \\x00, six bytes once JSON-encoded)", b"\x00" * MIB, "\\x00\\x00"),
        ("control characters (\\u0001 in JSON)", b"\x01\x1f" * (MIB // 2), "\x01\x1f"),
        ("backslashes (doubled in JSON)", b"\\" * MIB, "\\\\"),
        ("quotes", b'"' * MIB, '""'),
        ("not UTF-8 (\\xff escaped, then its backslash)", b"\xff\xfe" * (MIB // 2), "\\xff\\xfe"),
        ("Cyrillic (two bytes a letter)", "Путин заявил. ".encode() * 50_000, "Путин заявил."),
        ("a mixture", b'\x00\\"\xff\n\t\x7f' * 150_000, '\\x00\\"\\xff\n\t\x7f'),
        ("small", b"short", "short"),
    ],
)
def test_the_json_encoded_letter_stays_under_the_cap(name, payload, starts_with):
    letter = dead_letter_for("fetcher", reason="too odd", payload=payload, source_uri="x.txt")
    encoded = letter.model_dump_json().encode()
    assert len(encoded) <= DEAD_LETTER_MAX_BYTES, name
    assert letter.payload_size == len(payload)  # the original size, not the kept one
    assert letter.payload.startswith(starts_with)
    assert "\x00" not in letter.payload  # PostgreSQL text cannot hold NUL
    assert DeadLetter.model_validate_json(encoded) == letter  # it round-trips
    if len(payload) > DEAD_LETTER_MAX_BYTES:
        assert len(encoded) > DEAD_LETTER_MAX_BYTES - 64, "the room left is used, not wasted"


def test_a_small_payload_is_kept_whole_and_provenance_is_recorded():
    letter = dead_letter_for(
        "store",
        reason="IntegrityError: duplicate key",
        payload=b'{"a": 1}',
        subject="extracted.statement",
        source_uri="news/x.txt",
        deliveries=3,
        stream_sequence=42,
        error_class="UniqueViolation",
    )
    assert (letter.payload, letter.payload_size, letter.deliveries) == ('{"a": 1}', 8, 3)
    assert (letter.subject, letter.source_uri) == ("extracted.statement", "news/x.txt")
    assert (letter.stream_sequence, letter.error_class) == (42, "UniqueViolation")


def test_a_huge_reason_is_cut():
    letter = dead_letter_for("store", reason="x" * 1_000_000, payload=b"")
    assert len(letter.reason) == 4000


@pytest.mark.parametrize(
    ("body", "source_uri"),
    [
        (b'{"source_uri": "a.txt", "content": 1}', "a.txt"),  # raw or clean article, even invalid
        (b'{"article": {"source_uri": "news/b.txt"}, "actors": "bad"}', "news/b.txt"),  # an extraction
        (b'{"article": {"article_id": 42}}', None),
        (b'{"source_uri": "c.txt", "content": "cut in the mid', "c.txt"),  # not JSON at all
        (b'{"source_uri": "\\u0434.txt", broken', "д.txt"),
        (b"\xff\xfe not json", None),
        (b"[1, 2]", None),
        (b'{"source_uri": 7}', None),
    ],
)
def test_source_uri_of_a_message_that_may_be_invalid(body, source_uri):
    assert source_uri_of(body) == source_uri


@pytest.mark.parametrize(
    ("consumer", "subject", "payload", "service", "source_uri", "reason_ends"),
    [
        (
            "extractor",
            "clean.article",
            b'{"source_uri": "news/a.txt"}',
            "extractor",
            "news/a.txt",
            "the process was killed or hung each time",
        ),
        (
            "store-extracted",
            "extracted.statement",
            b'{"article": {"source_uri": "b.txt"}}',
            "store",
            "b.txt",
            "time",
        ),
        (
            "cleaner",
            None,
            None,
            "cleaner",
            None,
            "the message (sequence 9) is no longer in the stream",
        ),
    ],
)
def test_the_dead_letter_of_a_max_deliveries_advisory(
    consumer, subject, payload, service, source_uri, reason_ends
):
    advisory = MaxDeliveriesAdvisory.model_validate(
        {
            "type": "io.nats.jetstream.advisory.v1.max_deliver",
            "id": "x",
            "timestamp": "2026-12-04T18:00:00Z",
            "stream": "OREWATCH",
            "consumer": consumer,
            "stream_seq": 9,
            "deliveries": 6,
        }
    )
    letter = dead_letter_from_advisory(advisory, subject, payload)
    assert (letter.service, letter.subject, letter.source_uri) == (service, subject, source_uri)
    assert (letter.stream_sequence, letter.deliveries, letter.error_class) == (9, 6, "MaxDeliveriesExceeded")
    assert letter.reason.startswith(
        f"no handler finished it in 6 deliveries (consumer {consumer} of stream OREWATCH)"
    )
    assert letter.reason.endswith(reason_ends)
    assert letter.payload_size == len(payload or b"")
