"""One logging format for every service, so `orewatch run` output reads as one log."""

from __future__ import annotations

import logging


def configure_logging(service: str, level: str = "INFO") -> None:
    """Log lines prefixed with the service name; quiet the chatty libraries."""
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )
    for noisy in ("nats", "faststream.access", "trafilatura", "htmldate", "urllib3", "httpx", "watchfiles"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
