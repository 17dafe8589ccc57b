"""One logging format for every service, so `orewatch run` output reads as one log."""

from __future__ import annotations

import logging

BUS_LOGGER = "orewatch.bus"


class ServiceFormatter(logging.Formatter):
    """Service name first; a message's subject and id where FastStream logged one."""

    def __init__(self, service: str) -> None:
        layout = f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s"
        super().__init__(layout, datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        subject = getattr(record, "subject", "")
        message_id = getattr(record, "message_id", "")
        if subject or message_id:
            line += f" [{subject} {message_id}]".replace(" ]", "]")
        return line


def configure_logging(service: str, level: str = "INFO") -> None:
    """Log lines prefixed with the service name; quiet the chatty libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(ServiceFormatter(service))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for noisy in ("nats", "faststream.access", "trafilatura", "htmldate", "urllib3", "httpx", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
