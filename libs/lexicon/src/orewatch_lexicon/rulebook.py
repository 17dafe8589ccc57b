"""The rule files this package ships, for the generic test that checks every example.

Every package with a `data/` folder has a `rulebook` module like this one: `RULE_FILES` maps a
glob under `data/` to the spec its files are read with (tests/rules walks them all)."""

from __future__ import annotations

from collections.abc import Mapping

from orewatch_lexicon.rules import RuleFileSpec
from orewatch_lexicon.speech import FILE_NAME, SPEC

RULE_FILES: Mapping[str, RuleFileSpec] = {FILE_NAME: SPEC}
