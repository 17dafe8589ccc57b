"""`python -m orewatch_store`: run the store service (the container's command)."""

from orewatch_common.serving import serve

from orewatch_store.app import build_app

serve("store", build_app)
