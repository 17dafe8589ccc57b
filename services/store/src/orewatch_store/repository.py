"""Idempotent writes of each contract into PostgreSQL.

Every write is keyed by the message's natural id, so a redelivered message changes
nothing. An older version of an article (earlier `fetched_at`, or for the same fetch a
lower processing version: orewatch_store.versions) never overwrites a newer one, whatever
order the messages arrive in; the versions an article had are kept in article_versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from orewatch_common.contracts import (
    Actor,
    ActorRef,
    CleanArticle,
    DeadLetter,
    ExtractedArticle,
    Mineral,
    RawArticle,
    Statement,
)
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orewatch_store.models import (
    ActorAliasRow,
    ActorRow,
    ArticleActorRow,
    ArticleMineralRow,
    ArticleRow,
    ArticleVersionRow,
    DeadLetterRow,
    MineralRow,
    RawArticleRow,
    RemovalRow,
    StatementActorRow,
    StatementMineralRow,
    StatementRow,
)
from orewatch_store.versions import ArticleVersion, Verdict, verdict, waits_for_extraction, writes_rows


async def store_raw_article(session: AsyncSession, raw: RawArticle) -> bool:
    """Keep the fetched document. Returns False when a newer version is already stored.

    A reprocessed raw article is the stored one sent again: its processing version belongs to
    the article rows it leads to, not to the document."""
    values = raw.model_dump(exclude={"schema_version", "processing_version"})
    values["source_kind"] = raw.source_kind.value
    values["content_type"] = raw.content_type.value
    statement = insert(RawArticleRow).values(**values)
    upsert = statement.on_conflict_do_update(
        index_elements=[RawArticleRow.article_id],
        set_={key: statement.excluded[key] for key in values if key != "article_id"},
        where=statement.excluded.fetched_at >= RawArticleRow.fetched_at,
    ).returning(RawArticleRow.article_id)
    return (await session.execute(upsert)).first() is not None


class RawArticleMissing(Exception):
    """The raw article (this content hash of it) a clean article or extraction came from is
    not stored. The caller decides whether it is on its way or was never published."""

    def __init__(self, article: CleanArticle) -> None:
        super().__init__(
            f"raw article {article.article_id} ({article.source_uri}) with content hash "
            f"{article.raw_sha256[:12]}… is not stored"
        )
        self.article_id = article.article_id


async def require_raw_article(session: AsyncSession, article: CleanArticle) -> None:
    """Pass when the store knows the raw article this was cleaned from, or a newer version
    of it (then this one is stale and the newer-wins upserts ignore it)."""
    stored = (
        await session.execute(
            select(RawArticleRow.content_sha256, RawArticleRow.fetched_at).where(
                RawArticleRow.article_id == article.article_id
            )
        )
    ).first()
    if stored is None:
        raise RawArticleMissing(article)
    sha, fetched_at = stored
    if sha != article.raw_sha256 and fetched_at <= article.fetched_at:
        raise RawArticleMissing(article)


async def store_clean_article(session: AsyncSession, article: CleanArticle) -> bool:
    """clean.article: the article and its removal audit, when newer than the stored version.
    False when it is not (a redelivery, a stale version) or waits for its extraction (reprocessed).

    Raises `RawArticleMissing` when its raw article is unknown."""
    await require_raw_article(session, article)
    if waits_for_extraction(article):
        return False
    return writes_rows(await _write_article(session, article))


def _article_values(article: CleanArticle) -> dict[str, Any]:
    values = article.model_dump(exclude={"schema_version", "removed"})
    values["source_kind"] = article.source_kind.value
    values["language"] = article.language.value if article.language else None
    values["processing_version"] = ArticleVersion.of(article).processing_version
    return values


async def _claim_article(
    session: AsyncSession, article: CleanArticle
) -> tuple[Verdict, ArticleVersion | None]:
    """The incoming version against the stored one, whose row stays locked until commit (a new
    article's row is inserted first, so two writers of one article take turns, never both insert)."""
    inserted = await session.execute(
        insert(ArticleRow)
        .values(**_article_values(article))
        .on_conflict_do_nothing()
        .returning(ArticleRow.article_id)
    )
    if inserted.first() is not None:
        return Verdict.NEW, None
    stored_row = (
        await session.execute(
            select(ArticleRow.fetched_at, ArticleRow.processing_version)
            .where(ArticleRow.article_id == article.article_id)
            .with_for_update()
        )
    ).one()
    stored = ArticleVersion(stored_row.fetched_at, stored_row.processing_version)
    return verdict(stored, ArticleVersion.of(article)), stored


async def _write_article(session: AsyncSession, article: CleanArticle) -> Verdict:
    """The article row and its removals, written when the version is new or newer; the version
    it replaces stays in article_versions with the time it was replaced."""
    found, _ = await _claim_article(session, article)
    if not writes_rows(found):
        return found
    article_id = article.article_id
    if found is Verdict.NEWER:
        await session.execute(
            update(ArticleRow).where(ArticleRow.article_id == article_id).values(**_article_values(article))
        )
        await session.execute(
            update(ArticleVersionRow)
            .where(ArticleVersionRow.article_id == article_id, ArticleVersionRow.replaced_at.is_(None))
            .values(replaced_at=func.now())
        )
    version = ArticleVersion.of(article)
    await session.execute(
        insert(ArticleVersionRow).values(
            article_id=article_id,
            fetched_at=version.fetched_at,
            processing_version=version.processing_version,
            raw_sha256=article.raw_sha256,
        )
    )
    await session.execute(delete(RemovalRow).where(RemovalRow.article_id == article_id))
    if article.removed:
        await session.execute(
            insert(RemovalRow),
            [
                {"article_id": article_id, "position": position, "reason": r.reason, "text": r.text}
                for position, r in enumerate(article.removed)
            ],
        )
    return found


async def store_extraction(session: AsyncSession, extraction: ExtractedArticle) -> bool:
    """Replace the article's actors, minerals and statements in one go, with the clean article
    it carries when that is a newer version (a reprocessed article: both in this transaction).

    Skipped (False) when the stored article is a newer version than this extraction's."""
    article = extraction.article
    await require_raw_article(session, article)
    if await _write_article(session, article) is Verdict.OLDER:
        return False
    await _replace_extraction(session, extraction)
    version = ArticleVersion.of(article)
    done = {"extracted_at": extraction.extracted_at, "extractor_version": extraction.extractor_version}
    await session.execute(
        update(ArticleRow).where(ArticleRow.article_id == article.article_id).values(**done)
    )
    await session.execute(
        update(ArticleVersionRow)
        .where(
            ArticleVersionRow.article_id == article.article_id,
            ArticleVersionRow.fetched_at == version.fetched_at,
            ArticleVersionRow.processing_version == version.processing_version,
        )
        .values(**done)
    )
    return True


async def _replace_extraction(session: AsyncSession, extraction: ExtractedArticle) -> None:
    """The article's statements, actors and minerals: the old ones deleted, these written."""
    article_id = extraction.article.article_id
    await session.execute(delete(StatementRow).where(StatementRow.article_id == article_id))
    await session.execute(delete(ArticleActorRow).where(ArticleActorRow.article_id == article_id))
    await session.execute(delete(ArticleMineralRow).where(ArticleMineralRow.article_id == article_id))

    # one row per canonical actor: a reference by the article's name goes to its canonical one
    canonical_of = {(a.name, a.type): a.canonical_name for a in extraction.actors}

    def canonical(ref: ActorRef | Actor) -> tuple[str, str]:
        return canonical_of.get((ref.name, ref.type), ref.name), ref.type

    actor_keys = {canonical(a) for a in extraction.actors}
    for statement in extraction.statements:
        actor_keys.update(canonical(r) for r in statement.actors)
        if statement.speaker:
            actor_keys.add(canonical(statement.speaker))
    actor_ids = await _actor_ids(session, actor_keys)

    aliases = [
        {"actor_id": actor_ids[canonical(a)], "alias": alias}
        for a in extraction.actors
        for alias in {a.canonical_name, a.name, *a.aliases}
    ]
    if aliases:
        await session.execute(insert(ActorAliasRow).values(aliases).on_conflict_do_nothing())
    article_actors = article_actor_rows(article_id, extraction.actors, actor_ids, canonical)
    if article_actors:
        await session.execute(insert(ArticleActorRow), article_actors)

    await _store_minerals(session, article_id, extraction.minerals)
    await _store_statements(
        session,
        article_id,
        extraction.statements,
        lambda ref: actor_ids[canonical(ref)],
        {m.key for m in extraction.minerals},
    )


async def _store_minerals(session: AsyncSession, article_id: str, minerals: list[Mineral]) -> None:
    """The gazetteer's minerals (upserted) and the article's mentions of them."""
    if not minerals:
        return
    upsert = insert(MineralRow).values(
        [
            {"key": m.key, "name": m.name, "category": m.category}
            for m in sorted(minerals, key=lambda m: m.key)
        ]
    )
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[MineralRow.key],
            set_={"name": upsert.excluded.name, "category": upsert.excluded.category},
        )
    )
    await session.execute(
        insert(ArticleMineralRow),
        [
            {"article_id": article_id, "mineral_key": m.key, "mentions": m.mentions, "forms": m.forms}
            for m in minerals
        ],
    )


async def _store_statements(
    session: AsyncSession,
    article_id: str,
    statements: list[Statement],
    actor_id_of: Callable[[ActorRef], int],
    known_minerals: set[str],
) -> None:
    """The article's statements, with the actors and minerals each one names."""
    if not statements:
        return
    rows = [
        {
            "statement_id": f"{article_id}:{s.index}",
            "article_id": article_id,
            "position": s.index,
            "text": s.text,
            "start_offset": s.start,
            "end_offset": s.end,
            "speaker_actor_id": actor_id_of(s.speaker) if s.speaker else None,
            "verb": s.verb,
            "is_quote": s.is_quote,
        }
        for s in statements
    ]
    await session.execute(insert(StatementRow), rows)
    statement_actors = {(f"{article_id}:{s.index}", actor_id_of(r)) for s in statements for r in s.actors}
    if statement_actors:
        await session.execute(
            insert(StatementActorRow),
            [{"statement_id": sid, "actor_id": aid} for sid, aid in sorted(statement_actors)],
        )
    statement_minerals = {
        (f"{article_id}:{s.index}", key) for s in statements for key in s.minerals if key in known_minerals
    }
    if statement_minerals:
        await session.execute(
            insert(StatementMineralRow),
            [{"statement_id": sid, "mineral_key": key} for sid, key in sorted(statement_minerals)],
        )


def article_actor_rows(
    article_id: str,
    actors: Iterable[Actor],
    actor_ids: dict[tuple[str, str], int],
    canonical: Callable[[Actor], tuple[str, str]],
) -> list[dict[str, Any]]:
    """article_actors rows, two actors of one canonical key merged (mentions added, aliases
    joined) rather than failing the primary key: the contract refuses such a message, this
    keeps the store safe should one get through."""
    rows: dict[int, dict[str, Any]] = {}
    for actor in actors:
        actor_id = actor_ids[canonical(actor)]
        aliases = {actor.name, *actor.aliases} - {actor.canonical_name}
        row = rows.setdefault(actor_id, {"article_id": article_id, "actor_id": actor_id, "mentions": 0})
        row["mentions"] += actor.mentions
        row["aliases"] = sorted({*row.get("aliases", []), *aliases})
    return list(rows.values())


async def _actor_ids(session: AsyncSession, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of canonical actors by (name, type), creating the missing ones (sorted, so replicas
    don't deadlock)."""
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    statement = insert(ActorRow).values([{"name": name, "type": kind} for name, kind in ordered])
    upsert = statement.on_conflict_do_update(
        constraint="uq_actors_name_type", set_={"name": statement.excluded.name}
    ).returning(ActorRow.actor_id, ActorRow.name, ActorRow.type)
    return {(row.name, row.type): row.actor_id for row in await session.execute(upsert)}


async def store_dead_letter(session: AsyncSession, letter: DeadLetter) -> None:
    """Record a dead letter once; a redelivery only updates the delivery count. A letter
    for a stream message is kept once per (subject, stream_sequence)."""
    values = letter.model_dump(exclude={"schema_version"})
    values["dead_letter_id"] = letter.message_id()
    statement = insert(DeadLetterRow).values(**values)
    if letter.stream_sequence is not None:
        # one message, one dead letter: the advisory's second one for it adds nothing
        await session.execute(statement.on_conflict_do_nothing())
        return
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DeadLetterRow.dead_letter_id],
            set_={"deliveries": statement.excluded.deliveries, "failed_at": statement.excluded.failed_at},
        )
    )
