"""The last line of defence: a pure core returns, or raises a PermanentError."""

from __future__ import annotations

import json

import nats.errors
import psycopg
import psycopg.errors
import pytest
import sqlalchemy.exc
from orewatch_common.contracts import DeadLetter, PermanentError
from orewatch_common.failures import (
    DependencyUnavailable,
    Failure,
    UnexpectedFailure,
    classify,
    error_class,
    permanent_on_failure,
)
from pydantic import ValidationError


class Failed(UnexpectedFailure):
    pass


class Refused(PermanentError):
    pass


@permanent_on_failure(Failed)
def core(error: BaseException | None) -> str:
    if error is not None:
        raise error
    return "done"


def test_a_result_passes_through():
    assert core(None) == "done"


@pytest.mark.parametrize(
    ("error", "reason", "original"),
    [
        (
            ValueError("max() arg is an empty sequence"),
            "ValueError: max() arg is an empty sequence",
            "ValueError",
        ),
        (KeyError("ЕС"), "KeyError: 'ЕС'", "KeyError"),
        (IndexError("list index out of range"), "IndexError: list index out of range", "IndexError"),
        (
            RecursionError("maximum recursion depth exceeded"),
            "RecursionError: maximum recursion depth exceeded",
            "RecursionError",
        ),
    ],
)
def test_a_bug_becomes_the_cores_permanent_error_with_its_class_and_message(error, reason, original, caplog):
    with pytest.raises(Failed) as caught:
        core(error)
    assert str(caught.value) == reason
    assert caught.value.original_class == original
    assert caught.value.__cause__ is error
    assert "failed on an input: a bug to fix" in caplog.text  # logged with its traceback, not hidden


@pytest.mark.parametrize(
    "error",
    [Refused("no article text"), Failed(ValueError("already typed")), MemoryError(), KeyboardInterrupt()],
)
def test_permanent_errors_memory_and_interrupts_pass_as_they_are(error):
    with pytest.raises(type(error)) as caught:
        core(error)
    assert caught.value is error


def _invalid() -> ValidationError:
    try:
        DeadLetter.model_validate({"service": "x"})
    except ValidationError as exc:
        return exc
    raise AssertionError("a dead letter without its fields validated")


def _json_error() -> json.JSONDecodeError:
    try:
        json.loads("{")
    except json.JSONDecodeError as exc:
        return exc
    raise AssertionError("'{' parsed")


def _db(error: type[psycopg.errors.Error], wrapper: type[sqlalchemy.exc.DBAPIError]) -> Exception:
    return wrapper("INSERT INTO actors …", {}, error("from the server"))


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (_invalid(), Failure.PERMANENT),
        (Refused("no article text"), Failure.PERMANENT),
        (Failed(ValueError("a bug")), Failure.PERMANENT),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), Failure.PERMANENT),
        (_json_error(), Failure.PERMANENT),
        # what the data violates fails the same way on every delivery
        (_db(psycopg.errors.UniqueViolation, sqlalchemy.exc.IntegrityError), Failure.PERMANENT),
        (_db(psycopg.errors.ForeignKeyViolation, sqlalchemy.exc.IntegrityError), Failure.PERMANENT),
        (_db(psycopg.errors.StringDataRightTruncation, sqlalchemy.exc.DataError), Failure.PERMANENT),
        (psycopg.errors.UniqueViolation("unwrapped"), Failure.PERMANENT),
        # counter-examples: what the world may fix is retried
        (_db(psycopg.errors.SerializationFailure, sqlalchemy.exc.OperationalError), Failure.TRANSIENT),
        (_db(psycopg.errors.DeadlockDetected, sqlalchemy.exc.OperationalError), Failure.TRANSIENT),
        (_db(psycopg.errors.QueryCanceled, sqlalchemy.exc.OperationalError), Failure.TRANSIENT),
        (MemoryError(), Failure.TRANSIENT),
        (RuntimeError("something odd"), Failure.TRANSIENT),
        # a dependency is down: held until it is back, no delivery spent
        (_db(psycopg.errors.AdminShutdown, sqlalchemy.exc.OperationalError), Failure.UNAVAILABLE),
        (_db(psycopg.errors.CannotConnectNow, sqlalchemy.exc.OperationalError), Failure.UNAVAILABLE),
        (_db(psycopg.errors.ConnectionFailure, sqlalchemy.exc.OperationalError), Failure.UNAVAILABLE),
        (_db(psycopg.OperationalError, sqlalchemy.exc.OperationalError), Failure.UNAVAILABLE),  # refused
        (sqlalchemy.exc.TimeoutError("QueuePool limit reached"), Failure.UNAVAILABLE),
        (ConnectionError("database is down"), Failure.UNAVAILABLE),
        (ConnectionRefusedError(111, "Connection refused"), Failure.UNAVAILABLE),
        (TimeoutError(), Failure.UNAVAILABLE),
        (nats.errors.NoServersError(), Failure.UNAVAILABLE),
        (nats.errors.ConnectionClosedError(), Failure.UNAVAILABLE),
        (nats.errors.TimeoutError(), Failure.UNAVAILABLE),
        (DependencyUnavailable("raw article not stored yet"), Failure.UNAVAILABLE),
    ],
)
def test_failures_are_classified_in_one_place(error, failure):
    assert classify(error) is failure


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (_db(psycopg.errors.UniqueViolation, sqlalchemy.exc.IntegrityError), "UniqueViolation"),
        (_db(psycopg.errors.QueryCanceled, sqlalchemy.exc.OperationalError), "QueryCanceled"),
        (_invalid(), "ValidationError"),
        (Failed(ValueError("a bug")), "Failed"),
        (ConnectionError("down"), "ConnectionError"),
    ],
)
def test_the_error_class_of_a_dead_letter_is_the_drivers_under_a_wrapper(error, name):
    assert error_class(error) == name
