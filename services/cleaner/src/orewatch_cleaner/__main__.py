"""`python -m orewatch_cleaner`: run the cleaner service (the container's command)."""

from orewatch_common.serving import serve

from orewatch_cleaner.app import build_app

serve("cleaner", build_app)
