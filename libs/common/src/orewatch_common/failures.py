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
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import ParamSpec, TypeVar

from pydantic import ValidationError

from orewatch_common.contracts import PermanentError

log = logging.getLogger(__name__)

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
    TRANSIENT = "transient"  # the world may change (a connection, a lock): retry it


# SQLSTATE classes of errors the input causes: data exceptions (22: a value too long, a NUL
# in text) and integrity constraint violations (23: a duplicate key, a missing row).
_PERMANENT_SQLSTATE_CLASSES = ("22", "23")


def classify(exc: BaseException) -> Failure:
    """Permanent or transient, decided here for every service.

    Permanent: validation, a pure core's refusal (`PermanentError`), undecodable input, and
    database errors the data causes (SQLSTATE classes 22 and 23). Everything else, which
    includes lost connections, timeouts, serialization failures (40001) and deadlocks
    (40P01), is transient.
    """
    if isinstance(exc, ValidationError | PermanentError | UnicodeError | json.JSONDecodeError):
        return Failure.PERMANENT
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_PERMANENT_SQLSTATE_CLASSES):
        return Failure.PERMANENT
    return Failure.TRANSIENT
