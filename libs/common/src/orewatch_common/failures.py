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
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

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
