"""`python -m orewatch_common.healthcheck`: the container healthcheck (exit 0 when ready).

The runtime image has no curl or wget; Python is there, and so is this service's
`health_port` setting, so the probe asks the same port the service listens on.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from orewatch_common.settings import get_settings

PROBE_TIMEOUT_S = 3.0


def probe(port: int, path: str = "/health/ready", host: str = "127.0.0.1") -> bool:
    """True when GET `path` answers 200; a refused connection or a 503 is not ready."""
    url = f"http://{host}:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> None:
    port = get_settings().health_port
    if port is None:
        sys.exit("OREWATCH_HEALTH_PORT is not set: this service serves no health endpoint")
    sys.exit(0 if probe(port) else 1)


if __name__ == "__main__":
    main()
