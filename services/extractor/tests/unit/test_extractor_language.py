"""The extractor runs its Russian models only on Russian text; other languages get an empty
extraction (so the store records the article), and a version 1 message is read as Russian."""

from __future__ import annotations

import pytest
from orewatch_common.contracts import CleanArticle, Language
from orewatch_extractor.core import Extractor, reads

from tests.support.factories import make_clean_article

RU = "Министр финансов Антон Силуанов заявил, что добыча никеля вырастет."
UK = "Міністр фінансів Сергій Марченко заявив, що видобуток нікелю зросте."


def _version_1(body: str) -> CleanArticle:
    data = make_clean_article(body).model_dump(mode="json", exclude={"language"})
    return CleanArticle.model_validate({**data, "schema_version": 1})


@pytest.mark.parametrize(
    ("article", "read"),
    [
        (make_clean_article(RU, language=Language.RU), True),
        (_version_1(RU), True),
        (make_clean_article(UK, language=Language.UK), False),
        (make_clean_article(UK, language=Language.BE), False),
        (make_clean_article("Nickel output will grow.", language=Language.EN), False),
        (make_clean_article("12.03", language=Language.UNKNOWN), False),
    ],
    ids=["ru", "version-1", "uk", "be", "en", "unknown"],
)
def test_reads_only_russian(article: CleanArticle, read: bool) -> None:
    assert reads(article) is read


@pytest.mark.parametrize("language", [Language.UK, Language.BE, Language.KK, Language.EN, Language.UNKNOWN])
def test_other_languages_get_an_empty_extraction(extractor: Extractor, language: Language) -> None:
    article = make_clean_article(f"{RU} {UK}", title="Никель", language=language)
    extracted = extractor.extract(article)
    assert (extracted.actors, extracted.minerals, extracted.statements) == ([], [], [])
    assert extracted.article == article
    assert extracted.extractor_version == extractor.version


@pytest.mark.parametrize("article", [make_clean_article(RU, language=Language.RU), _version_1(RU)])
def test_russian_text_is_extracted(extractor: Extractor, article: CleanArticle) -> None:
    extracted = extractor.extract(article)
    assert "Антон Силуанов" in {actor.name for actor in extracted.actors}
    assert [m.key for m in extracted.minerals] == ["nickel"]
