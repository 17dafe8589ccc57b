"""Shared fixtures: one Extractor per test session (loading the natasha models takes seconds),
and factories of its inputs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from orewatch_common.contracts import ExtractedArticle
from orewatch_extractor.actors import Mention
from orewatch_extractor.core import Extractor
from orewatch_extractor.names import norm_key
from orewatch_lexicon.stemming import stem

from tests.support.factories import make_clean_article

SHARED = Path(__file__).resolve().parents[4].parent / "shared"  # ../shared beside the project


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`shared_text`: each text of the shared evaluation data in turn, the sample articles
    and all of bsnlp-dev."""
    if "shared_text" in metafunc.fixturenames:
        texts = sorted((SHARED / "seeds").glob("*.txt")) + sorted(
            (SHARED / "eval/bsnlp-dev/texts").glob("*.txt")
        )
        assert texts, f"no shared evaluation texts under {SHARED}"
        metafunc.parametrize("shared_text", texts, ids=[path.name for path in texts])


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="session")
def extract(extractor: Extractor) -> Callable[..., ExtractedArticle]:
    def run(body: str, title: str | None = None, published_at: datetime | None = None) -> ExtractedArticle:
        article = make_clean_article(
            body,
            article_id="a" * 32,
            source_uri="test.txt",
            source_name="tests",
            title=title,
            published_at=published_at,
        )
        return extractor.extract(article)

    return run


def _speaker_of(extraction: ExtractedArticle, needle: str) -> str | None:
    """The canonical name of the speaker of the one statement holding `needle`: the name the
    store and the views show (None when the statement has no speaker)."""
    [statement] = [s for s in extraction.statements if needle in s.text]
    if statement.speaker is None:
        return None
    [actor] = [
        a for a in extraction.actors if (a.name, a.type) == (statement.speaker.name, statement.speaker.type)
    ]
    return actor.canonical_name


@pytest.fixture(scope="session")
def speaker_of() -> Callable[[ExtractedArticle, str], str | None]:
    return _speaker_of


@pytest.fixture(scope="session")
def mentions_of() -> Callable[..., list[Mention]]:
    """Mentions as find_mentions makes them, one after another, for tests of the merge alone
    (independent of what natasha happens to tag)."""

    def build(type_: str, *names: str) -> list[Mention]:
        mentions, first = [], 0
        for name in names:
            last = first + len(name.split()) - 1
            key = tuple(stem(word) for word in norm_key(name).split())
            mentions.append(Mention(first, last, type_, name, name, key=key))
            first = last + 2
        return mentions

    return build
