"""The fetcher's message id for a seeds file, pinned: bytes on disk to `Nats-Msg-Id`.

The same file must give the same id across releases, or a restart after an upgrade
republishes every seed (libs/common pins the contracts' hash itself).
"""

from __future__ import annotations

import pytest
from orewatch_common.contracts import ContentType
from orewatch_fetcher.seeds import raw_article_from_bytes

NICKEL = "Никель\n\nНорникель нарастил выпуск."


@pytest.mark.parametrize(
    ("data", "source_uri", "version", "article_id", "message_id"),
    [
        (
            NICKEL.encode("cp1251"),
            "news/nickel.txt",
            1,
            "9ea1dde8545fbaea83cd84d96e71ff6b",
            "RawArticle:9210518a7a9401ded07996cc4422450822b37d24933cdd3b286f6e5aa9741b88",
        ),
        (
            NICKEL.encode("cp1251"),
            "news/nickel.txt",
            2,
            "9ea1dde8545fbaea83cd84d96e71ff6b",
            "RawArticle:3862e38a5d80fa55d8698adad43aa3977b7d86c2fc1abcb299f0093143f3703e",
        ),
        (
            NICKEL.encode("utf-8"),
            "nickel.txt",
            None,
            "4b0da356d8b939710c7c816c9421a978",
            "RawArticle:094f1fe1dd5562ca622bb6dafc77208e8c2cc5457c202ab92a76ca30b847a9e5",
        ),
    ],
    ids=["cp1251-v1", "cp1251-v2", "utf8-unversioned"],
)
def test_seed_message_id_is_pinned(
    data: bytes, source_uri: str, version: int | None, article_id: str, message_id: str
) -> None:
    raw = raw_article_from_bytes(
        data,
        source_uri=source_uri,
        source_name="seeds/news" if "/" in source_uri else "seeds",
        content_type=ContentType.TEXT,
        version=version,
    )
    assert (raw.article_id, raw.message_id()) == (article_id, message_id)
