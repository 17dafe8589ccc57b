"""`python -m orewatch_extractor`: run the extractor service (the container's command)."""

from orewatch_common.serving import serve

from orewatch_extractor.app import build_app

serve("extractor", build_app)
