"""ExtractedArticle holds to the store's constraints: one actor per key, references resolve."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_common.contracts import (
    Actor,
    ActorRef,
    ExtractedArticle,
    Statement,
)
from pydantic import ValidationError

from tests.support.factories import make_clean_article, make_extracted_article

CLEAN = make_clean_article(
    "Британия и Лондон.", article_id="a" * 32, source_uri="a.txt", fetched_at=datetime(2026, 1, 1, tzinfo=UTC)
)
UK_AS_WRITTEN = Actor(name="Британия", canonical="Великобритания", type="LOC")
UK = Actor(name="Великобритания", type="LOC")
LONDON = Actor(name="Лондон", type="LOC")


def extraction(actors: list[Actor], *refs: tuple[ActorRef | None, list[ActorRef]]) -> ExtractedArticle:
    statements = [
        Statement(index=i, text="Британия и Лондон.", start=0, end=18, speaker=speaker, actors=named)
        for i, (speaker, named) in enumerate(refs)
    ]
    return make_extracted_article(
        CLEAN,
        extracted_at=datetime(2026, 1, 1, tzinfo=UTC),
        actors=actors,
        statements=statements,
    )


def ref(actor: Actor) -> ActorRef:
    return ActorRef(name=actor.name, type=actor.type)


@pytest.mark.parametrize(
    ("actors", "refs"),
    [
        ([], []),
        ([UK_AS_WRITTEN, LONDON], [(ref(UK_AS_WRITTEN), [ref(UK_AS_WRITTEN), ref(LONDON)]), (None, [])]),
        # one name, two types: two actors for the store too
        ([Actor(name="ЕС", type="ORG"), Actor(name="ЕС", type="LOC")], []),
        # the store's unique constraint tells exact strings apart
        ([Actor(name="Совет ЕС", type="ORG"), Actor(name="Совет Ес", type="ORG")], []),
    ],
)
def test_actors_each_once_and_references_that_resolve_are_valid(actors, refs):
    assert extraction(actors, *refs).actors == actors


@pytest.mark.parametrize(
    ("actors", "refs", "problem"),
    [
        ([UK_AS_WRITTEN, UK], [], "two actors with the canonical name 'Великобритания' (LOC)"),
        ([LONDON, LONDON.model_copy(update={"mentions": 2})], [], "two actors with the name 'Лондон' (LOC)"),
        (
            [Actor(name="Лондон", canonical="Лондон-Сити", type="LOC"), LONDON],
            [],
            "two actors with the name 'Лондон' (LOC)",
        ),
        # a reference goes by the article's name, never the canonical one
        ([UK_AS_WRITTEN], [(ref(UK), [])], "statement 0 refers to 'Великобритания' (LOC), which is no actor"),
        ([LONDON], [(None, [ref(LONDON)]), (None, [ref(UK)])], "statement 1 refers to 'Великобритания'"),
        (
            [LONDON],
            [(ActorRef(name="Лондон", type="ORG"), [])],
            "refers to 'Лондон' (ORG), which is no actor",
        ),
    ],
)
def test_a_repeated_actor_or_a_dangling_reference_is_refused(actors, refs, problem):
    with pytest.raises(ValidationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        extraction(actors, *refs)


def test_a_refused_extraction_is_refused_from_json_too():
    """The store reads the message from JSON: it never meets a duplicate either."""
    data = extraction([LONDON]).model_dump(mode="json")
    data["actors"] *= 2
    with pytest.raises(ValidationError, match="two actors with the canonical name 'Лондон'"):
        ExtractedArticle.model_validate(data)
