"""Per-site profiles: what one outlet prints (its tail furniture, byline labels, boilerplate),
in `data/sites/<host>.yaml`, chosen by the article's source.

A profile has the sections of furniture.yaml and a header naming its `hosts` (matched against
the host of the article's url or source_uri, subdomains included) and/or `source_names`. An
article from a source no profile names gets the generic rules only; one that a profile names
gets the generic rules plus the profile's, so a profile only adds furniture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources.abc import Traversable
from urllib.parse import urlsplit

from orewatch_common.contracts import RawArticle
from orewatch_lexicon.rules import RuleSet, packaged, read_rules

from orewatch_cleaner.furniture import GENERIC, Furniture, compile_furniture
from orewatch_cleaner.rulebook import PACKAGE, SITE_SPEC, SITES_FOLDER, SiteHeader, generic_furniture


@dataclass(frozen=True)
class Profile:
    """One site's rule file and the furniture it makes with the generic rules."""

    rules: RuleSet
    furniture: Furniture = field(compare=False, repr=False)

    @property
    def header(self) -> SiteHeader:
        assert isinstance(self.rules.header, SiteHeader)
        return self.rules.header

    def serves(self, hosts: Iterable[str], source_name: str) -> bool:
        mine = self.header.hosts
        by_host = any(host == own or host.endswith("." + own) for host in hosts for own in mine)
        return by_host or source_name in self.header.source_names


def host_of(address: str | None) -> str | None:
    """The host of a URL without "www." ("https://www.ria.ru/a" -> "ria.ru"); None for a path."""
    host = urlsplit(address or "").hostname
    return host.removeprefix("www.") if host else None


def read_profiles(folder: Traversable) -> tuple[Profile, ...]:
    """Every `*.yaml` in `folder`, read and checked (a typo fails with FILE:LINE), by file name."""
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    profiles = []
    for file in files:
        rules = read_rules(file, SITE_SPEC)
        profiles.append(Profile(rules, compile_furniture((generic_furniture(), rules))))
    return tuple(profiles)


@cache
def packaged_profiles() -> tuple[Profile, ...]:
    """The profiles shipped in data/sites/, read once per process."""
    return read_profiles(packaged(PACKAGE, "data", SITES_FOLDER))


def furniture_for(raw: RawArticle, profiles: tuple[Profile, ...] | None = None) -> Furniture:
    """The furniture for an article: its source's profile's, or the generic rules'."""
    hosts = [host for host in (host_of(raw.url), host_of(raw.source_uri)) if host]
    for profile in packaged_profiles() if profiles is None else profiles:
        if profile.serves(hosts, raw.source_name):
            return profile.furniture
    return GENERIC
