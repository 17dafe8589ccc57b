"""The container's one command: run the service its image was built for.

One Dockerfile builds every service (`--build-arg SERVICE=<name>`). An exec-form CMD cannot
expand a variable, so the image sets OREWATCH_SERVICE and runs this module, which runs
`orewatch_<name>` as `__main__` in this same process: PID 1's SIGTERM still reaches it.
"""

from __future__ import annotations

import os
import runpy
import sys
from enum import StrEnum

SERVICE_VARIABLE = "OREWATCH_SERVICE"


class Service(StrEnum):
    """The services that have an image (compose's `migrate` job reuses the store's)."""

    FETCHER = "fetcher"
    CLEANER = "cleaner"
    EXTRACTOR = "extractor"
    STORE = "store"


def service_module(name: str) -> str:
    """The module `python -m` runs for a service; ValueError outside the closed set."""
    return f"orewatch_{Service(name).value}"


def main() -> None:
    name = os.environ.get(SERVICE_VARIABLE, "")
    try:
        module = service_module(name)
    except ValueError:
        sys.exit(f"{SERVICE_VARIABLE}={name!r} is not a service: one of {', '.join(Service)}")
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
