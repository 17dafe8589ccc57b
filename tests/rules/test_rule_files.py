"""Every rule of every rule file, checked the way the service that reads it reads text: its
`example` is matched and its `not` is not.

Rule files are the YAML files under each package's `data/` folder; the package's `rulebook`
module says which spec reads each (`RULE_FILES`: a glob under `data/` -> spec). A rule whose
check is PATTERN is tried alone in its section's frame; LEMMA, PREFIX and STEM rules on natasha's
lemmas or the surface words; FINDER rules by the package's own finder (`rulebook.FINDERS`).

A lexicon item natasha lemmatises otherwise is a strict xfail with the lemma it gives: such an
item cannot fire where the extractor compares lemmas (fix the item, then drop the mark)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from orewatch_lexicon import Check, LightVerb, Rule, RuleFileSpec, RuleSet, read_rules, verb_stem

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(
    p for p in (*ROOT.glob("libs/*/src/*"), *ROOT.glob("services/*/src/*")) if (p / "data").is_dir()
)

# (file, section, lemma) -> what natasha makes of the example's word instead.
NATASHA_DIFFERS = {
    ("speech.yaml", "verbs", "убежден"): "natasha lemmatises the short form 'убежден' to 'убежденный'",
    ("speech.yaml", "person_titles", "аятолла"): "natasha lemmatises 'аятолла' to 'аятолл'",
    ("speech.yaml", "person_titles", "супруга"): "natasha lemmatises 'супруга' to 'супруг'",
    ("speech.yaml", "feminine_titles", "супруга"): "natasha lemmatises 'супруга' to 'супруг'",
    ("speech.yaml", "person_titles", "подсудимая"): "natasha lemmatises 'подсудимая' to 'подсудимый'",
    ("speech.yaml", "feminine_titles", "подсудимая"): "natasha lemmatises 'подсудимая' to 'подсудимый'",
    ("speech.yaml", "person_titles", "обвиняемый"): "natasha lemmatises 'обвиняемый' to 'обвинять'",
    ("speech.yaml", "person_titles", "обвиняемая"): "natasha lemmatises 'обвиняемая' to 'обвинять'",
    ("speech.yaml", "feminine_titles", "обвиняемая"): "natasha lemmatises 'обвиняемая' to 'обвинять'",
    ("speech.yaml", "person_titles", "осужденный"): "natasha lemmatises 'осужденный' to 'осудить'",
    ("speech.yaml", "person_titles", "осужденная"): "natasha lemmatises 'осужденная' to 'осудить'",
    ("speech.yaml", "feminine_titles", "осужденная"): "natasha lemmatises 'осужденная' to 'осудить'",
    ("speech.yaml", "person_titles", "уполномоченная"): "natasha lemmatises it to 'уполномоченный'",
    ("speech.yaml", "feminine_titles", "уполномоченная"): "natasha lemmatises it to 'уполномоченный'",
    ("speech.yaml", "person_titles", "управляющий"): "natasha lemmatises 'управляющий' to 'управлять'",
    ("actor_aliases.yaml", "party_members", "зеленые"): "natasha lemmatises 'Зеленые' to 'зеленый'",
}


def _rulebook(package: Path) -> ModuleType | None:
    try:
        return importlib.import_module(f"{package.name}.rulebook")
    except ModuleNotFoundError:
        return None


def _spec_of(package: Path, path: Path) -> RuleFileSpec:
    relative = path.relative_to(package / "data")
    rulebook = _rulebook(package)
    assert rulebook is not None
    specs = [spec for glob, spec in rulebook.RULE_FILES.items() if relative.match(glob)]
    assert len(specs) == 1, f"{path}: {len(specs)} specs in {package.name}.rulebook.RULE_FILES match it"
    return specs[0]


def _files() -> Iterator[tuple[Path, Path]]:
    for package in PACKAGES:
        if _rulebook(package) is None:
            continue  # test_rule_files_are_found_and_every_package_with_data_has_a_rulebook fails
        for path in sorted((package / "data").rglob("*.yaml")):
            yield package, path


@cache
def _loaded(package: Path, path: Path) -> RuleSet:
    return read_rules(path, _spec_of(package, path))


def _params() -> list[object]:
    params: list[object] = []
    for package, path in _files():
        for rule in _loaded(package, path).rules:
            key = (path.name, rule.section, *rule.key)
            reason = NATASHA_DIFFERS.get(key[:3]) if len(key) == 3 else None
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            name = f"{path.relative_to(package / 'data')}:{rule.section}:{'+'.join(rule.key)}"
            params.append(pytest.param(package, path, rule, marks=marks, id=name))
    return params


def test_rule_files_are_found_and_every_package_with_data_has_a_rulebook() -> None:
    assert PACKAGES, "no package ships rule files"
    for package in PACKAGES:
        rulebook = _rulebook(package)
        assert rulebook is not None, f"{package.name} ships data/ but has no rulebook module"
        assert rulebook.RULE_FILES, package.name


@pytest.mark.parametrize(("package", "path"), list(_files()), ids=lambda value: getattr(value, "name", ""))
def test_every_rule_file_loads(package: Path, path: Path) -> None:
    assert _loaded(package, path).rules


def test_every_xfail_names_a_rule() -> None:
    keys = {
        (path.name, rule.section, *rule.key)
        for package, path in _files()
        for rule in _loaded(package, path).rules
    }
    assert set(NATASHA_DIFFERS) <= keys


@pytest.fixture(scope="module")
def lemmas_of() -> Callable[[str], tuple[str, ...]]:
    from orewatch_extractor.nlp import Models

    models = Models()

    @cache
    def lemmas(text: str) -> tuple[str, ...]:
        return tuple(tok.lemma for tok in models.analyse(text).tokens)

    return lemmas


def _holds(lemmas: tuple[str, ...], words: list[str]) -> bool:
    n = len(words)
    return any(list(lemmas[i : i + n]) == words for i in range(len(lemmas) - n + 1))


def _begins_a_word(start: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(start)}", text.lower()) is not None


def _shown(
    rule: Rule, text: str, rules: RuleSet, package: Path, lemmas_of: Callable[[str], tuple[str, ...]]
) -> bool:
    check = rule.checked_by
    if check is Check.PATTERN:
        return rules.accepts(rule, text)
    if check is Check.FINDER:
        finder: Callable[[RuleSet, Rule, str], bool] = _rulebook(package).FINDERS[rules.file]
        return finder(rules, rule, text)
    subject = " ".join(rule.key[:1])
    if check is Check.LEMMA:
        shown = _holds(lemmas_of(text), subject.split())
        return shown and (not isinstance(rule, LightVerb) or rule.partner in lemmas_of(text))
    return _begins_a_word(subject if check is Check.PREFIX else verb_stem(subject), text)


@pytest.mark.parametrize(("package", "path", "rule"), _params())
def test_a_rule_matches_its_example_and_not_its_counter_example(
    package: Path, path: Path, rule: Rule, lemmas_of: Callable[[str], tuple[str, ...]]
) -> None:
    rules = _loaded(package, path)
    assert _shown(rule, rule.example, rules, package, lemmas_of), f"{rule.example!r} should show it"
    assert not _shown(rule, rule.not_, rules, package, lemmas_of), f"{rule.not_!r} should not show it"
