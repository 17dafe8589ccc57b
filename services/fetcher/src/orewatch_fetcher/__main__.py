"""`python -m orewatch_fetcher`: run the fetcher service (the container's command)."""

from orewatch_common.serving import serve

from orewatch_fetcher.app import build_app

serve("fetcher", build_app)
