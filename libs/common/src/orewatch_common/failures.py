"""The last line of defence of a service's pure core: an unexpected exception on an input
becomes a typed permanent error.

A bug that one input hits fails that input the same way on every redelivery, so retrying
only delays its dead letter. The core's own permanent errors pass through as they are;
any other exception becomes the core's `UnexpectedFailure` subclass carrying the original
class and message (and chained to it), logged with its traceback so the bug is seen and
fixed rather than hidden. A MemoryError is not the input's fault (the memory may be held
by another job) and stays transient.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from enum import StrEnum
from typing import ParamSpec, TypeVar

from pydantic import ValidationError

from orewatch_common.contracts import PermanentError
from orewatch_common.logs import get_logger

log = get_logger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class UnexpectedFailure(PermanentError):
    """An input the service's code could not handle: a bug, named by the original exception."""

    def __init__(self, original: Exception) -> None:
        super().__init__(f"{type(original).__name__}: {original}")
        self.original_class = type(original).__name__


def permanent_on_failure(
    failure: type[UnexpectedFailure],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a pure core's entry point: it returns, or raises a `PermanentError`."""

    def decorate(core: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(core)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return core(*args, **kwargs)
            except (PermanentError, MemoryError):
                raise
            except Exception as exc:
                log.error("%s failed on an input: a bug to fix", core.__qualname__, exc_info=exc)
                raise failure(exc) from exc

        return guarded

    return decorate


class Failure(StrEnum):
    """What a failed delivery deserves."""

    PERMANENT = "permanent"  # the same input fails the same way: dead-letter it at once
    TRANSIENT = "transient"  # the world may change (a lock, a slow statement): retry it, counted
    UNAVAILABLE = "unavailable"  # a dependency is down: hold the message until it is back, uncounted


class DependencyUnavailable(Exception):
    """Something the handler needs is not there yet (a server, an earlier message's rows).

    The delivery policy holds the message and retries it in place until it is, without
    spending a delivery, so an outage or a lagging consumer of any length loses nothing.
    """


# SQLSTATE classes of errors the input causes: data exceptions (22: a value too long, a NUL
# in text) and integrity constraint violations (23: a duplicate key, a missing row).
_PERMANENT_SQLSTATE_CLASSES = ("22", "23")
# The server cannot be used right now: connection exceptions (08), shutting down or starting
# up (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def classify(exc: BaseException) -> Failure:
    """Permanent, transient or unavailable, decided here for every service.

    Permanent: validation, a pure core's refusal (`PermanentError`), undecodable input, and
    database errors the data causes (SQLSTATE classes 22 and 23). Unavailable: a lost or
    refused connection, a timeout reaching a server, a database shutting down or not
    accepting connections, an exhausted pool, `DependencyUnavailable`. Everything else,
    which includes a cancelled slow statement (57014), serialization failures (40001) and
    deadlocks (40P01), is transient.
    """
    if isinstance(exc, ValidationError | PermanentError | UnicodeError | json.JSONDecodeError):
        return Failure.PERMANENT
    sqlstate = _sqlstate(exc)
    if sqlstate is not None:
        if sqlstate.startswith(_PERMANENT_SQLSTATE_CLASSES):
            return Failure.PERMANENT
        if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return Failure.UNAVAILABLE
        return Failure.TRANSIENT
    if _is_unavailable(exc):
        return Failure.UNAVAILABLE
    return Failure.TRANSIENT


def _sqlstate(exc: BaseException) -> str | None:
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def _is_unavailable(exc: BaseException) -> bool:
    """A dependency that cannot be reached; duck-typed, so common needs no database driver."""
    if isinstance(exc, DependencyUnavailable | ConnectionError | TimeoutError):
        return True
    if getattr(exc, "connection_invalidated", False):  # SQLAlchemy: the connection was lost
        return True
    orig = getattr(exc, "orig", None)
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all
    if orig is not None and type(orig).__name__ in {"OperationalError", "InterfaceError"}:
        return True
    cls = type(exc)
    # SQLAlchemy's pool timeout (no free connection) is not the builtin TimeoutError
    if cls.__module__.startswith("sqlalchemy") and cls.__name__ == "TimeoutError":
        return True
    # nats-py: no server, connection closed, or a request timed out while reconnecting
    return cls.__module__.startswith("nats") and cls.__name__ in {
        "NoServersError",
        "ConnectionClosedError",
        "ConnectionReconnectingError",
        "StaleConnectionError",
        "OutboundBufferLimitError",
        "TimeoutError",
    }


class DeadLetterReason(StrEnum):
    """Why a message became a dead letter, in a few words: the `reason` label of
    `orewatch_dead_letters_total` (the letter itself carries the full text)."""

    INVALID = "invalid"  # not its contract: a validation error, not JSON, not UTF-8
    REFUSED = "refused"  # a core's PermanentError: the input cannot be processed
    BUG = "bug"  # an unexpected exception in a core (UnexpectedFailure): a bug to fix
    CONSTRAINT = "constraint"  # the data breaks a database rule (SQLSTATE classes 22 and 23)
    RETRIES_EXHAUSTED = "retries_exhausted"  # a transient failure on every one of max_deliver deliveries
    HANDLER_KILLED = "handler_killed"  # no handler ever finished it (JetStream's max-deliveries advisory)
    SOURCE_REFUSED = "source_refused"  # the fetcher made no article of a file, feed or feed entry


def permanent_reason(exc: BaseException) -> DeadLetterReason:
    """The reason label of an exception `classify` calls permanent, so the alert says which
    kind of fix is due: the producer's output (invalid), the input (refused), the code (bug)."""
    if isinstance(exc, UnexpectedFailure):
        return DeadLetterReason.BUG
    if isinstance(exc, ValidationError | UnicodeError | json.JSONDecodeError):
        return DeadLetterReason.INVALID
    if isinstance(exc, PermanentError):
        return DeadLetterReason.REFUSED
    return DeadLetterReason.CONSTRAINT


def error_class(exc: BaseException) -> str:
    """The type name a dead letter records: the driver's error under a SQLAlchemy wrapper
    (`UniqueViolation`, not `IntegrityError`)."""
    orig = getattr(exc, "orig", None)
    return type(orig if isinstance(orig, BaseException) else exc).__name__
