"""The last line of defence: a pure core returns, or raises a PermanentError."""

from __future__ import annotations

import pytest
from orewatch_common.contracts import PermanentError
from orewatch_common.failures import UnexpectedFailure, permanent_on_failure


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
