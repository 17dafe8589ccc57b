"""The renderers of every log line: JSON keys for a collector, the text layout for a person;
our structlog lines and the libraries' stdlib records render alike, with what the current
message is about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from orewatch_common.logs import LogFormat, bind_message, configure_logging, get_logger, resolve_format
from orewatch_common.settings import Settings

ARTICLE = "ab" * 16


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Each test configures the root logger; the next one (and pytest's capture) get it back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.contextvars.clear_contextvars()
    root.handlers[:], root.level = handlers, level


def lines_of(fmt: LogFormat) -> list[str]:
    """Four lines, as a service logs them: ours and FastStream's about a message, a traceback,
    and a library's line once the message is done."""
    out = io.StringIO()
    configure_logging("cleaner", "INFO", fmt, stream=out)
    bind_message(service="cleaner", article_id=ARTICLE, subject="raw.article", seq=7)
    get_logger("orewatch_cleaner.app").info("cleaned %d chars", 1200, removed=3)
    faststream_context = {"subject": "raw.article", "message_id": "RawArticle:1f", "queue": ""}
    logging.getLogger("orewatch.bus").info("Received", extra={"extra": faststream_context})
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        get_logger("orewatch.bus").exception("handler failed")
    structlog.contextvars.clear_contextvars()
    logging.getLogger("nats").warning("reconnecting to %s", "nats://127.0.0.1:4222")
    return out.getvalue().splitlines()


def test_json_lines_carry_the_message_and_the_service() -> None:
    records = [json.loads(line) for line in lines_of(LogFormat.JSON)]
    assert len(records) == 4  # the traceback stays inside its line
    ours, faststream, failed, library = records
    for record in (ours, faststream, failed):
        assert {k: record[k] for k in ("service", "article_id", "subject", "seq")} == {
            "service": "cleaner",
            "article_id": ARTICLE,
            "subject": "raw.article",
            "seq": 7,
        }
    assert list(ours)[:5] == ["timestamp", "level", "service", "logger", "event"]
    assert ours["event"] == "cleaned 1200 chars" and ours["removed"] == 3 and ours["level"] == "info"
    assert ours["timestamp"].endswith("Z")
    assert faststream["logger"] == "orewatch.bus" and faststream["message_id"] == "RawArticle:1f"
    assert "queue" not in faststream  # empty extras say nothing
    assert failed["level"] == "error" and "ZeroDivisionError: division by zero" in failed["exception"]
    assert library == {
        "timestamp": library["timestamp"],
        "level": "warning",
        "service": "cleaner",
        "logger": "nats",
        "event": "reconnecting to nats://127.0.0.1:4222",
    }


def test_text_layout_puts_the_message_after_the_event() -> None:
    lines = lines_of(LogFormat.TEXT)
    about = f"article_id={ARTICLE} subject=raw.article seq=7"
    assert lines[0].endswith(f" cleaner   INFO    orewatch_cleaner.app: cleaned 1200 chars {about} removed=3")
    assert lines[1].endswith(f" cleaner   INFO    orewatch.bus: Received {about} message_id=RawArticle:1f")
    assert lines[2].endswith(f" cleaner   ERROR   orewatch.bus: handler failed {about}")
    assert lines[3] == "Traceback (most recent call last):"
    assert lines[-1].endswith(" cleaner   WARNING nats: reconnecting to nats://127.0.0.1:4222")
    assert lines[0][2] == ":" and lines[0][5] == ":"  # HH:MM:SS first


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("chosen", "stream", "expected"),
    [
        (LogFormat.AUTO, Terminal(), LogFormat.TEXT),
        (LogFormat.AUTO, io.StringIO(), LogFormat.JSON),
        (LogFormat.JSON, Terminal(), LogFormat.JSON),
        (LogFormat.TEXT, io.StringIO(), LogFormat.TEXT),
        ("json", io.StringIO(), LogFormat.JSON),
    ],
    ids=["auto-terminal", "auto-pipe", "json-on-terminal", "text-in-pipe", "plain-string"],
)
def test_format_auto_is_text_only_for_a_person(
    chosen: LogFormat, stream: io.StringIO, expected: LogFormat
) -> None:
    assert resolve_format(chosen, stream) is expected


def test_log_format_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OREWATCH_LOG_FORMAT", "json")
    assert Settings(_env_file=None).log_format is LogFormat.JSON
    monkeypatch.delenv("OREWATCH_LOG_FORMAT")
    assert Settings(_env_file=None).log_format is LogFormat.AUTO
