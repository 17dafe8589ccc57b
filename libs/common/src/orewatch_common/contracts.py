"""Message contracts: one pydantic model per NATS subject.

Every service imports these and nothing else to talk to its neighbours, so a
change here is a change of the public interface. Each model carries
`schema_version`; a consumer rejects (dead-letters) a version it does not know
instead of guessing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Literal[1] = 1
# `clean.article` is at version 2 (it added `language`); version 1 messages are still read.
CLEAN_ARTICLE_VERSION: Literal[2] = 2

RAW_ARTICLE = "raw.article"
CLEAN_ARTICLE = "clean.article"
EXTRACTED_STATEMENT = "extracted.statement"
DEAD_LETTER = "dead.letter"

PIPELINE_SUBJECTS = (RAW_ARTICLE, CLEAN_ARTICLE, EXTRACTED_STATEMENT, DEAD_LETTER)

# The field `orewatch reprocess` sets on a stored article it sends through the pipeline again.
PROCESSING_VERSION = "processing_version"
PROCESSING_VERSION_DOC = (
    "Set by `orewatch reprocess`: the run that sends this stored article through the cleaner and "
    "extractor again (null the first time). The store replaces the article's rows with the highest "
    "version; part of the message id when set, so a rerun is not deduplicated."
)


def sha256_hex(*parts: str) -> str:
    """Hash of text parts joined by NUL, so ("ab", "c") and ("a", "bc") differ."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def article_id_for(source_kind: SourceKind, source_uri: str) -> str:
    """Stable article id: the same file or URL is the same article, whatever its content.

    A changed file therefore replaces its earlier version in the store instead of
    adding a second article.
    """
    return sha256_hex(source_kind.value, source_uri)[:32]


class PermanentError(Exception):
    """A message that can never be processed, however often it is retried.

    A service's pure core raises it (a subclass naming the cause); the delivery
    policy records a dead letter with its text as the reason.
    """


class Contract(BaseModel):
    """Base of all messages: strict about unknown fields, versioned, hashable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def message_id(self) -> str:
        """Content hash used as `Nats-Msg-Id`, so republishing the same content is deduplicated.

        Timestamps of *when* a service handled the message are excluded: a redelivered
        input must produce the same id for the same output. So is a processing version that
        is not set: a first-time message keeps the id it had before reprocessing existed,
        and a reprocessed one (version set) gets a new id per version, past the dedup window.
        """
        payload = self.model_dump_json(exclude=self._unhashed())
        return f"{type(self).__name__}:{sha256_hex(payload)}"

    @classmethod
    def _volatile_fields(cls) -> set[str]:
        return set()

    def _unhashed(self) -> dict[str, Any]:
        """What `message_id` leaves out, as pydantic's nested `exclude`: the volatile fields,
        an unset `processing_version`, and the same of a contract this one carries."""
        unhashed: dict[str, Any] = dict.fromkeys(self._volatile_fields(), True)
        for name, value in self:
            if name == PROCESSING_VERSION and value is None:
                unhashed[name] = True
            elif isinstance(value, Contract) and (nested := value._unhashed()):
                unhashed[name] = nested
        return unhashed


class SourceKind(StrEnum):
    FILE = "file"
    FEED = "feed"


class ContentType(StrEnum):
    TEXT = "text/plain"
    HTML = "text/html"


class RawArticle(Contract):
    """`raw.article`: a document as fetched, decoded to text but otherwise untouched."""

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, description="Contract version.")
    article_id: str = Field(description="Stable id derived from source kind and URI.")
    source_kind: SourceKind = Field(description="Where the document came from: a seeds file or a feed.")
    source_uri: str = Field(description="Path relative to seeds/ for files; the entry's page URL for feeds.")
    source_name: str = Field(
        description="Source the document belongs to (host name, feed or seeds folder); "
        "the cleaner learns per-source boilerplate under this key."
    )
    fetched_at: datetime = Field(description="When the fetcher read the document (UTC).")
    content_type: ContentType = Field(description="text/plain or text/html.")
    content: str = Field(description="The document decoded to Unicode.")
    encoding: str = Field(description="Encoding the bytes were decoded from, e.g. utf-8, cp1251, koi8-r.")
    content_sha256: str = Field(description="SHA-256 of `content`; changes when the document changes.")
    url: str | None = Field(default=None, description="Canonical URL of the article, when known.")
    title_hint: str | None = Field(default=None, description="Title given by a feed entry, if any.")
    published_hint: datetime | None = Field(default=None, description="Publication date from a feed entry.")
    author_hint: str | None = Field(default=None, description="Author from a feed entry.")
    feed_url: str | None = Field(default=None, description="Feed the entry was listed in.")
    is_feed_summary: bool = Field(
        default=False,
        description="True when the page could not be fetched and `content` is the feed's own "
        "summary or content of the entry.",
    )
    version: int | None = Field(
        default=None,
        ge=1,
        description="Seeds files: how many versions of this path the fetcher has published, this "
        "one included. Part of the message id, so a file edited back to an earlier text (A, B, A) "
        "is published again within the dedup window.",
    )
    processing_version: int | None = Field(default=None, ge=1, description=PROCESSING_VERSION_DOC)

    @classmethod
    def _volatile_fields(cls) -> set[str]:
        return {"fetched_at"}


class RemovalReason(StrEnum):
    """Why the cleaner removed a piece of text: one value per kind of site furniture. The
    values are the strings of the contract's JSON, so consumers see no change."""

    TITLE = "title"  # the headline, kept as `title`
    RUBRIC = "rubric"  # a site or section name above the headline
    BREADCRUMB = "breadcrumb"  # "Главная » Новости » Общество"
    NAVIGATION = "navigation"  # a site menu copied with the text
    BYLINE = "byline"  # "Автор: …", kept as `author`
    AUTHOR_SIGNATURE = "author-signature"  # a name standing alone under the text
    DATE_HEADER = "date-header"  # the date line, kept as `published_at`
    PRINT_EDITION = "print-edition"  # "Газета «…» №58 от 02.04.2025, стр. 1"
    PHOTO_CREDIT = "photo-credit"
    SOURCE_CREDIT = "source-credit"
    SHARE = "share"  # share buttons, counters, comment and rating widgets
    COPYRIGHT = "copyright"  # copyright, reuse terms and legal notices
    SUBSCRIBE_PROMPT = "subscribe-prompt"
    ERROR_REPORT = "error-report"  # "Если вы заметили ошибку…"
    UPDATE_NOTICE = "update-notice"  # "Новость дополняется"
    READ_ALSO = "read-also"  # "Читайте также: …" with its headline
    RELATED_HEADLINES = "related-headlines"  # a block of other stories' headlines
    RELATED_STORY = "related-story"  # a closing "Напомним, …" about another story
    PRESS_RELEASE = "press-release"  # "О компании", "Контакты для СМИ"
    TAGS = "tags"  # the page's tags on one line
    SITE_BOILERPLATE = "site-boilerplate"  # recurs across the source's articles


class Removal(BaseModel):
    """One piece of text the cleaner removed, and why (the audit trail)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(description="The removed text, as it stood in the input.")
    reason: RemovalReason = Field(
        description="Machine-readable reason, e.g. 'related-headlines', 'read-also', "
        "'subscribe-prompt', 'photo-credit', 'byline', 'breadcrumb', 'site-boilerplate'."
    )


class Language(StrEnum):
    """ISO 639-1 code of an article's language, as the cleaner detects it. The set is the one
    the cleaner's detector is restricted to (its data/language.toml); `unknown` is a text too
    short, or with too few letters, to tell."""

    RU = "ru"  # Russian: the only language the extractor's models read
    UK = "uk"  # Ukrainian
    BE = "be"  # Belarusian
    KK = "kk"  # Kazakh
    EN = "en"  # English
    UNKNOWN = "unknown"


class CleanArticle(Contract):
    """`clean.article`: the article body without site furniture, plus its metadata.

    Version 2 added `language`; a version 1 message (from a cleaner before detection) is still
    valid, without it, and a version 1 message that carries it is refused as a contradiction.
    """

    schema_version: Literal[1, 2] = Field(
        default=CLEAN_ARTICLE_VERSION, description="Contract version: 2 adds `language`; 1 is still read."
    )
    article_id: str = Field(description="Same id as the raw article.")
    source_kind: SourceKind = Field(description="Copied from the raw article.")
    source_uri: str = Field(description="Copied from the raw article.")
    source_name: str = Field(description="Copied from the raw article.")
    url: str | None = Field(default=None, description="Canonical URL, when known.")
    fetched_at: datetime = Field(description="Copied from the raw article.")
    raw_sha256: str = Field(description="`content_sha256` of the raw article this was cleaned from.")
    title: str | None = Field(default=None, description="Headline; null when the document has none.")
    published_at: datetime | None = Field(
        default=None, description="Publication time as printed by the source; null when absent."
    )
    author: str | None = Field(default=None, description="Byline author; null when absent.")
    body: str = Field(description="Article text, paragraphs separated by a blank line.")
    removed: list[Removal] = Field(default_factory=list, description="What was cut and why.")
    processing_version: int | None = Field(
        default=None, ge=1, description="Copied from the raw article. " + PROCESSING_VERSION_DOC
    )
    language: Language | None = Field(
        default=None,
        description="ISO 639-1 code of the text's language (title and body), or 'unknown' when too "
        "short to tell; the extractor reads only 'ru'. Null in version 1 messages, which predate "
        "detection and were all read as Russian.",
    )

    @model_validator(mode="after")
    def _language_needs_version_2(self) -> CleanArticle:
        """A version 1 message predates `language`: one carrying it was made by no cleaner."""
        if self.schema_version == 1 and self.language is not None:
            raise ValueError("`language` is a field of clean.article version 2, not 1")
        return self


class ActorType(StrEnum):
    """What an actor is, as natasha's NER tags it (the JSON value is the tag)."""

    PER = "PER"  # a person
    ORG = "ORG"  # an organisation or a body
    LOC = "LOC"  # a place or a country


class Actor(BaseModel):
    """A canonical actor of one article, with the surface forms merged into it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        description="Nominative name as this article gives it, in full: 'Кирилл Дмитриев', 'Британия'."
    )
    canonical: str | None = Field(
        default=None,
        description=(
            "The name shared by every article when it differs from `name` ('Великобритания' for"
            " 'Британия', 'ЕС' for 'Евросоюз'); the store keeps one actor per canonical name."
        ),
    )
    type: ActorType = Field(description="PER, ORG or LOC.")
    aliases: list[str] = Field(default_factory=list, description="Other names used for it in the article.")

    @property
    def canonical_name(self) -> str:
        """The cross-article name: `canonical` when set, else `name`."""
        return self.canonical or self.name

    mentions: int = Field(default=1, ge=1, description="How often the article names it.")


class ActorRef(BaseModel):
    """Reference to an actor of the same message, by its name there and type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="The actor's `name`, as in `actors`.")
    type: ActorType = Field(description="PER, ORG or LOC.")


class Mineral(BaseModel):
    """A mineral concept of the gazetteer found in the article."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="Stable gazetteer key, e.g. 'rare_earths', 'lithium', 'oil'.")
    name: str = Field(description="Russian name of the concept.")
    category: str = Field(description="Gazetteer category, e.g. 'rare_earths', 'battery', 'energy'.")
    forms: list[str] = Field(default_factory=list, description="Surface forms matched in the text.")
    mentions: int = Field(default=1, ge=1, description="How often the article names it.")


class Statement(BaseModel):
    """A sentence that reports what an actor said, or that names a mineral."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, description="Position of the statement in the article.")
    text: str = Field(description="The sentence, as in the clean body.")
    start: int = Field(ge=0, description="Character offset of the sentence in the clean body.")
    end: int = Field(ge=0, description="End offset (exclusive) in the clean body.")
    speaker: ActorRef | None = Field(
        default=None, description="Who said it, resolved to a canonical actor; null when unknown."
    )
    verb: str | None = Field(default=None, description="Speech verb lemma, e.g. 'заявить', 'сообщить'.")
    is_quote: bool = Field(default=False, description="True when the sentence carries a direct quote.")
    actors: list[ActorRef] = Field(default_factory=list, description="Actors named in the sentence.")
    minerals: list[str] = Field(default_factory=list, description="Keys of minerals named in the sentence.")


class ExtractedArticle(Contract):
    """`extracted.statement`: one article's actors, minerals and statements, together.

    Carrying the whole extraction (and the clean article it came from) in one
    message lets the store replace an article's extraction in one transaction.
    Each actor is listed once: no two share a canonical name and type (the store keeps
    one row per canonical actor) or a name and type (what a reference names), and every
    statement's speaker and actors are actors of this message.
    """

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, description="Contract version.")
    article: CleanArticle = Field(description="The clean article the extraction is about.")
    extracted_at: datetime = Field(description="When the extractor ran (UTC).")
    extractor_version: str = Field(description="Version of the extractor and its gazetteer.")
    actors: list[Actor] = Field(default_factory=list, description="Canonical actors of the article.")
    minerals: list[Mineral] = Field(default_factory=list, description="Minerals named in the article.")
    statements: list[Statement] = Field(default_factory=list, description="Statements, in text order.")

    @classmethod
    def _volatile_fields(cls) -> set[str]:
        return {"extracted_at"}

    @model_validator(mode="after")
    def _one_actor_per_key_and_refs_resolve(self) -> ExtractedArticle:
        """The store's constraints, checked where the message is made: a duplicate canonical
        key fails the store's primary key, and a reference to no actor joins to nothing.
        Names compare as the store's unique constraint does: as exact strings."""
        problems = _repeated("canonical name", [(a.canonical_name, a.type) for a in self.actors])
        problems += _repeated("name", [(a.name, a.type) for a in self.actors])
        named = {(a.name, a.type) for a in self.actors}
        for statement in self.statements:
            refs = [*statement.actors, *([statement.speaker] if statement.speaker else [])]
            problems += [
                f"statement {statement.index} refers to {ref.name!r} ({ref.type}), which is no actor"
                for ref in refs
                if (ref.name, ref.type) not in named
            ]
        if problems:
            raise ValueError("; ".join(dict.fromkeys(problems)))
        return self


def _repeated(what: str, keys: list[tuple[str, str]]) -> list[str]:
    counts = Counter(keys)
    repeated = [key for key in keys if counts[key] > 1]
    return [f"two actors with the {what} {name!r} ({type_})" for name, type_ in dict.fromkeys(repeated)]


class DeadLetter(Contract):
    """`dead.letter`: an input a service could not process, kept with the reason."""

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, description="Contract version.")
    service: str = Field(description="Service that gave up: fetcher, cleaner, extractor or store.")
    subject: str | None = Field(default=None, description="Subject the input arrived on, if any.")
    source_uri: str | None = Field(default=None, description="File path or URL the input came from.")
    reason: str = Field(description="Why it was refused, readable by a person.")
    payload: str = Field(
        description="The input as text (undecodable bytes escaped), truncated to a size cap."
    )
    payload_size: int = Field(ge=0, description="Size of the original input in bytes.")
    deliveries: int = Field(default=1, ge=1, description="How many times the input was tried.")
    failed_at: datetime = Field(description="When the service gave up (UTC).")
    stream_sequence: int | None = Field(
        default=None, ge=1, description="JetStream stream sequence of the failed message, if any."
    )
    error_class: str | None = Field(
        default=None,
        description="Type name of the error: UniqueViolation, ValidationError, MaxDeliveriesExceeded…",
    )

    @classmethod
    def _volatile_fields(cls) -> set[str]:
        return {"failed_at", "deliveries"}


CONTRACT_BY_SUBJECT: dict[str, type[Contract]] = {
    RAW_ARTICLE: RawArticle,
    CLEAN_ARTICLE: CleanArticle,
    EXTRACTED_STATEMENT: ExtractedArticle,
    DEAD_LETTER: DeadLetter,
}
