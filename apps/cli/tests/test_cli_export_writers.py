"""`orewatch export`'s writers and --since parsing, without a database: rows in, exact bytes out."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from orewatch_cli.export import BATCH_ROWS, Format, Kind, _write, parse_since, write_csv, write_jsonl
from orewatch_cli.main import main

COLUMNS = (("name", Kind.TEXT), ("statements", Kind.COUNT), ("seen", Kind.TIME), ("minerals", Kind.LIST))
AT = datetime(2025, 3, 31, 18, 28, tzinfo=UTC)
MOSCOW = timezone(timedelta(hours=3))

# (rows, csv, jsonl): the expected output written out by hand
CASES: list[tuple[list[tuple[Any, ...]], bytes, bytes]] = [
    (
        [],
        b"name,statements,seen,minerals\r\n",
        b"",
    ),
    (
        [("Владимир Путин", 2, AT, ["литий", "редкоземельные металлы"])],
        "name,statements,seen,minerals\r\n"
        'Владимир Путин,2,2025-03-31T18:28:00+00:00,"[""литий"", ""редкоземельные металлы""]"\r\n'.encode(),
        '{"name": "Владимир Путин", "statements": 2, "seen": "2025-03-31T18:28:00+00:00", '
        '"minerals": ["литий", "редкоземельные металлы"]}\n'.encode(),
    ),
    (  # nulls and an empty list
        [(None, 0, None, [])],
        b"name,statements,seen,minerals\r\n,0,,[]\r\n",
        b'{"name": null, "statements": 0, "seen": null, "minerals": []}\n',
    ),
    (  # RFC 4180: a comma, quotes and a line break inside a field; a time in another zone kept
        [
            (
                'он сказал: "да", и\nушёл',
                1,
                datetime(2026, 2, 3, 9, 0, tzinfo=MOSCOW),
                [],
            ),
            ("США", 10, AT, ["нефть"]),
        ],
        "name,statements,seen,minerals\r\n"
        '"он сказал: ""да"", и\nушёл",1,2026-02-03T09:00:00+03:00,[]\r\n'
        'США,10,2025-03-31T18:28:00+00:00,"[""нефть""]"\r\n'.encode(),
        '{"name": "он сказал: \\"да\\", и\\nушёл", "statements": 1, "seen": "2026-02-03T09:00:00+03:00", '
        '"minerals": []}\n'
        '{"name": "США", "statements": 10, "seen": "2025-03-31T18:28:00+00:00", '
        '"minerals": ["нефть"]}\n'.encode(),
    ),
]


@pytest.mark.parametrize(("rows", "csv", "jsonl"), CASES)
def test_csv_and_jsonl_bytes(rows: list[tuple[Any, ...]], csv: bytes, jsonl: bytes) -> None:
    for writer, expected in ((write_csv, csv), (write_jsonl, jsonl)):
        out = io.BytesIO()
        assert writer(iter(rows), COLUMNS, out) == len(rows)
        assert out.getvalue() == expected, writer.__name__
        assert not out.closed  # the caller's stream (stdout) stays open


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [("Владимир Путин", 2, AT, ["литий"]), (None, 0, None, [])],
        # more than one batch: written a batch at a time, read back whole and in order
        [(f"actor {n}", n, AT + timedelta(seconds=n), [str(n)] * (n % 3)) for n in range(BATCH_ROWS * 2 + 5)],
    ],
    ids=["empty", "nulls", "batches"],
)
def test_parquet_reads_back_with_its_schema(rows: list[tuple[Any, ...]], tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    assert _write(Format.PARQUET, COLUMNS, iter(rows), path) == len(rows)
    table = pq.read_table(path)
    assert table.schema == pa.schema(
        [
            ("name", pa.string()),
            ("statements", pa.int64()),
            ("seen", pa.timestamp("us", tz="UTC")),
            ("minerals", pa.list_(pa.string())),
        ]
    )
    assert [tuple(row.values()) for row in table.to_pylist()] == rows


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    def rows() -> Any:
        yield ("США", 1, AT, [])
        raise RuntimeError("connection lost")

    path = tmp_path / "out.csv"
    path.write_bytes(b"an older export\r\n")
    with pytest.raises(RuntimeError):
        _write(Format.CSV, COLUMNS, rows(), path)
    assert path.read_bytes() == b"an older export\r\n"  # not half a new one
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T10:30", datetime(2025, 3, 1, 10, 30, tzinfo=UTC)),
        ("2025-03-01 10:30:00Z", datetime(2025, 3, 1, 10, 30, tzinfo=UTC)),
        ("2025-03-01T10:30+03:00", datetime(2025, 3, 1, 7, 30, tzinfo=UTC)),
    ],
)
def test_since_is_an_iso_date_or_datetime_in_utc_unless_zoned(value: str, expected: datetime) -> None:
    assert parse_since(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "01.03.2025", ""])
def test_since_refuses_what_is_not_iso(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not an ISO date or datetime"):
        parse_since(value)


def test_parquet_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "statements", "--format", "parquet"])
    assert exit_.value.code == 2
    assert "--format parquet needs --output FILE" in capsys.readouterr().err
