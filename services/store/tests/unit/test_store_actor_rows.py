"""An article's actors become one article_actors row per canonical actor, even if a message
named one twice (the contract refuses that; the store does not depend on it)."""

from __future__ import annotations

import pytest
from orewatch_common.contracts import Actor
from orewatch_store.repository import article_actor_rows

IDS = {("Великобритания", "LOC"): 1, ("Тереза Мэй", "PER"): 2}


def canonical(actor: Actor) -> tuple[str, str]:
    return actor.canonical_name, actor.type


@pytest.mark.parametrize(
    ("actors", "expected"),
    [
        (
            [Actor(name="Тереза Мэй", type="PER", mentions=2)],
            [{"article_id": "a", "actor_id": 2, "mentions": 2, "aliases": []}],
        ),
        (
            # one canonical actor twice: merged, mentions added, the article's wordings kept
            [
                Actor(name="Великобритания", type="LOC", aliases=["Великобритании"], mentions=3),
                Actor(name="Британия", canonical="Великобритания", type="LOC", aliases=["Британии"]),
                Actor(name="Тереза Мэй", type="PER", aliases=["Мэй"]),
            ],
            [
                {
                    "article_id": "a",
                    "actor_id": 1,
                    "mentions": 4,
                    "aliases": ["Британии", "Британия", "Великобритании"],
                },
                {"article_id": "a", "actor_id": 2, "mentions": 1, "aliases": ["Мэй"]},
            ],
        ),
        ([], []),
    ],
)
def test_one_row_per_canonical_actor(actors, expected):
    assert article_actor_rows("a", actors, IDS, canonical) == expected
