"""The extractor's passes: a declared order that can be listed, and each pass alone."""

from __future__ import annotations

import pytest
from orewatch_extractor.core import Extractor
from orewatch_extractor.passes import PASSES, Document, Pass, PassName, need, pass_names, run

from tests.support.factories import make_clean_article


def _doc(body: str, title: str | None = None) -> Document:
    return Document.of(make_clean_article(body, source_uri="passes.txt", source_name="tests", title=title))


def test_the_registry_lists_the_passes_in_order() -> None:
    assert pass_names() == (
        PassName.NER,
        PassName.NAMES,
        PassName.MERGE,
        PassName.COREFERENCE,
        PassName.MINERALS,
        PassName.STATEMENTS,
    )
    assert Extractor.passes() == pass_names()


@pytest.mark.parametrize(
    ("title", "body", "text", "offset"),
    [
        (None, "Тело.", "Тело.", 0),
        ("Заголовок", "Тело.", "Заголовок\n\nТело.", 11),
        ("  ", "Тело.", "Тело.", 0),
    ],
)
def test_the_headline_goes_before_the_body(title: str | None, body: str, text: str, offset: int) -> None:
    doc = _doc(body, title)
    assert (doc.text, doc.offset) == (text, offset)


def test_a_pass_run_before_the_one_it_needs_says_so() -> None:
    with pytest.raises(RuntimeError, match="earlier pass"):
        need(None, "the analysis")


def _upto(name: PassName) -> tuple[tuple[PassName, Pass], ...]:
    names = pass_names()
    return PASSES[: names.index(name) + 1]


@pytest.mark.parametrize(
    ("body", "upto", "found"),
    [
        ("Министр Антон Силуанов заявил о росте цен.", PassName.NAMES, ["Антон Силуанов"]),
        ("Силуанов прибыл. Антон Силуанов заявил о росте цен.", PassName.MERGE, ["Антон Силуанов"]),
        ("Цены на медь и литий выросли.", PassName.MINERALS, ["copper", "lithium"]),
        ("Министр Антон Силуанов заявил о росте цен.", PassName.STATEMENTS, ["заявить"]),
    ],
)
def test_each_pass_leaves_its_finding(
    extractor: Extractor, body: str, upto: PassName, found: list[str]
) -> None:
    doc = run(extractor.tools, _doc(body), _upto(upto))
    seen = {
        PassName.NAMES: lambda: [m.name for m in doc.mentions],
        PassName.MERGE: lambda: [e.name for e in doc.entities],
        PassName.MINERALS: lambda: [m.key for ms in doc.matches.values() for m in ms],
        PassName.STATEMENTS: lambda: [
            i.attribution.verb for i in doc.infos if i.attribution and i.attribution.verb
        ],
    }[upto]()
    assert seen == found
