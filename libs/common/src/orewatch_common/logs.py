"""One log format for every service, through structlog: JSON lines for a log collector,
readable text on a terminal.

Our own loggers and the libraries' stdlib ones (faststream, nats) go through the same
processors and renderer, so `orewatch run` reads as one log and `docker compose logs`
parses as one stream of JSON. What a line is about (the message's `article_id`, `subject`
and stream `seq`) comes from structlog's contextvars, bound once per message by the bus
(`orewatch_common.bus.MessageLogContext`): handler code logs plainly and still names its
article.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

BUS_LOGGER = "orewatch.bus"

# Keys of what a line is about, first in the text layout, in this order.
MESSAGE_KEYS = ("article_id", "subject", "seq")
# The layout's own keys, never repeated as key=value.
_LAYOUT_KEYS = frozenset({"timestamp", "service", "level", "logger", "event", "exception"})

NOISY_LOGGERS = ("nats", "faststream.access", "trafilatura", "htmldate", "urllib3", "httpx", "watchfiles")


class LogFormat(StrEnum):
    """`auto` is text when stderr is a terminal, JSON lines otherwise (a container, a file)."""

    AUTO = "auto"
    TEXT = "text"
    JSON = "json"


def resolve_format(chosen: LogFormat | str, stream: TextIO) -> LogFormat:
    """The concrete format: an explicit choice wins; `auto` asks whether a person reads `stream`."""
    chosen = LogFormat(chosen)
    if chosen is not LogFormat.AUTO:
        return chosen
    isatty = getattr(stream, "isatty", None)
    return LogFormat.TEXT if isatty is not None and isatty() else LogFormat.JSON


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A logger of this project: stdlib-compatible (`%s` arguments), key=value extras welcome."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


class _AddService:
    """Stamps the process's service on every line (a message's binding repeats the same name)."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", self.service)
        return event_dict


def _flatten_extra(logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
    """FastStream hands its context (subject, stream, message_id) as one `extra` dict: its keys
    become the line's own, without overriding the message's binding."""
    extra = event_dict.pop("extra", None)
    if isinstance(extra, dict):
        for key, value in extra.items():
            event_dict.setdefault(str(key), value)
    return event_dict


def _drop_empty(logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
    """FastStream logs empty extras (`queue=""`); they say nothing."""
    return {key: value for key, value in event_dict.items() if value is not None and value != ""}


# ISO 8601 in UTC (`2026-12-07T23:47:38.123456Z`): it sorts, and any log collector parses it.
_TIMESTAMP = structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp")


def _common_chain() -> list[Processor]:
    """What every line gets, ours and the libraries': the message's binding, level, logger, time."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _TIMESTAMP,
    ]


class TextRenderer:
    """`23:47:38 cleaner   INFO    orewatch.bus: Received article_id=… subject=raw.article seq=7`:
    the old layout, what a line is about after it, then any other key=value; a traceback below."""

    def __call__(self, logger: WrappedLogger, name: str, event_dict: EventDict) -> str:
        fields = dict(event_dict)
        clock = _clock(str(fields.get("timestamp", "")))
        head = (
            f"{clock} {fields.get('service', ''):<9} {str(fields.get('level', '')).upper():<7} "
            f"{fields.get('logger', '')}: {fields.get('event', '')}"
        )
        ordered = [key for key in MESSAGE_KEYS if key in fields]
        ordered += sorted(key for key in fields if key not in _LAYOUT_KEYS and key not in MESSAGE_KEYS)
        tail = "".join(f" {key}={fields[key]}" for key in ordered)
        exception = fields.get("exception")
        return head + tail + (f"\n{exception}" if exception else "")


def _clock(timestamp: str) -> str:
    """HH:MM:SS of an ISO timestamp, in local time (what the operator's wall clock says)."""
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return timestamp


# JSON keys in this order, the rest after them as they came: a person reading raw lines finds
# when, how bad, who and what first.
_JSON_ORDER = ("timestamp", "level", "service", "logger", "event", *MESSAGE_KEYS)


def _ordered(logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
    first = {key: event_dict[key] for key in _JSON_ORDER if key in event_dict}
    return {**first, **{key: value for key, value in event_dict.items() if key not in first}}


def renderer_chain(service: str, fmt: LogFormat) -> list[Processor]:
    """The formatter's processors: service, tidy, tracebacks as text, then JSON or the text layout."""
    tidy: list[Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        _AddService(service),
        _flatten_extra,
        _drop_empty,
        structlog.processors.format_exc_info,
    ]
    if fmt is LogFormat.JSON:
        return [*tidy, _ordered, structlog.processors.JSONRenderer(ensure_ascii=False)]
    return [*tidy, TextRenderer()]


def build_formatter(service: str, fmt: LogFormat) -> structlog.stdlib.ProcessorFormatter:
    """A stdlib formatter that renders every record, ours (`route_to_stdlib`) and the
    libraries'; a record's `extra` (our key=value, FastStream's subject) becomes keys of the line."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_common_chain(), structlog.stdlib.ExtraAdder()],
        processors=renderer_chain(service, fmt),
    )


def route_to_stdlib() -> None:
    """Our structlog loggers hand each event to stdlib logging as a record (message and
    key=value extras), so one handler renders ours and the libraries' lines alike, and
    pytest's caplog sees them. Done on import: a module may log before configure_logging."""
    structlog.configure(
        processors=[structlog.stdlib.PositionalArgumentsFormatter(), structlog.stdlib.render_to_log_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


route_to_stdlib()


def configure_logging(
    service: str,
    level: str = "INFO",
    fmt: LogFormat | str = LogFormat.AUTO,
    stream: TextIO | None = None,
) -> LogFormat:
    """Every line through one handler on stderr (or `stream`); quiet the chatty libraries.
    Returns the format chosen, so a caller can say which."""
    out = stream if stream is not None else sys.stderr
    chosen = resolve_format(fmt, out)
    handler = logging.StreamHandler(out)
    handler.setFormatter(build_formatter(service, chosen))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return chosen


def bind_message(**about: Any) -> None:
    """What the current message is (`article_id`, `subject`, `seq`, `service`), for every line
    logged while it is handled. FastStream handles each message in its own task, so the binding
    ends with it."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        **{key: value for key, value in about.items() if value is not None}
    )


def bound() -> MutableMapping[str, Any]:
    """The current binding (for tests and for code that must pass it to another task)."""
    return structlog.contextvars.get_contextvars()
