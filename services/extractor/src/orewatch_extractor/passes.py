"""The extractor's passes: named steps in a declared order, each doing one thing to a
document (as a spaCy pipeline's components do). `Extractor.extract` runs `PASSES` in order;
`names()` lists them. Each pass reads what the ones before it left on the `Document`."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeVar

from orewatch_common.contracts import ActorType, CleanArticle

from orewatch_extractor.actors import (
    Entity,
    Mention,
    Merger,
    find_mentions,
    one_actor_per_key,
    recover_mentions,
    settle_dateline,
    settle_patronymics,
)
from orewatch_extractor.bodies import find_bodies, find_sites
from orewatch_extractor.coref import Coreference, Lexicon
from orewatch_extractor.minerals import Gazetteer, Match
from orewatch_extractor.names import AliasTable, Canonicaliser
from orewatch_extractor.nlp import Analysis, Models, Token
from orewatch_extractor.offices import Offices
from orewatch_extractor.statements import (
    Attributor,
    SentenceInfo,
    author_words,
    propagate,
    quote_regions,
    speech_quotes,
)

TITLE_SEPARATOR = "\n\n"
T = TypeVar("T")


class PassName(StrEnum):
    """The passes, in the order they run."""

    NER = "ner"  # natasha's analysis, commodity words freed, datelines and patronymics settled
    NAMES = "names"  # mentions: NER spans, unnamed bodies, sites
    MERGE = "merge"  # mentions of one actor become one entity
    COREFERENCE = "coreference"  # titles, pronouns and anaphors, and the quoted words
    MINERALS = "minerals"  # the gazetteer, sentence by sentence
    STATEMENTS = "statements"  # who said what, sentence by sentence


@dataclass(frozen=True)
class Tools:
    """What the passes read, loaded once per process: the models and the rule files."""

    models: Models
    gazetteer: Gazetteer
    aliases: AliasTable
    offices: Offices
    canon: Canonicaliser
    merger: Merger
    attributor: Attributor
    coref_lex: Lexicon


@dataclass
class Document:
    """One article as the passes see it: the headline and body as one text, and what each
    pass has found so far."""

    article: CleanArticle
    text: str
    offset: int  # where the body starts in `text`
    analysis: Analysis | None = None
    mentions: list[Mention] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    coref: Coreference | None = None
    title_refs: list[tuple[int, int]] = field(default_factory=list)  # (token, entity)
    regions: list[tuple[int, int]] = field(default_factory=list)  # the speech quotes
    matches: dict[int, list[Match]] = field(default_factory=dict)  # sentence -> mineral matches
    infos: list[SentenceInfo] = field(default_factory=list)  # the body's sentences

    @classmethod
    def of(cls, article: CleanArticle) -> Document:
        """The headline is analysed with the body (it names actors and minerals too)."""
        title = (article.title or "").strip()
        offset = len(title) + len(TITLE_SEPARATOR) if title else 0
        text = f"{title}{TITLE_SEPARATOR}{article.body}" if title else article.body
        return cls(article, text, offset)

    @property
    def tokens(self) -> list[Token]:
        return need(self.analysis, "the analysis").tokens


def need(value: T | None, what: str) -> T:
    """What an earlier pass made; running a pass out of order is a bug."""
    if value is None:
        raise RuntimeError(f"{what} is made by an earlier pass")
    return value


# --- ner -----------------------------------------------------------------------------------


def _commodity_word(tools: Tools, tok: Token, type_: ActorType) -> bool:
    if tok.text.lower() in tools.gazetteer.abbreviations:
        return True
    # a mineral is never a person; a place may be named after one (the town of Никель)
    return type_ == ActorType.PER and tok.lemma in tools.gazetteer.compound_parts


def release_commodity_words(tools: Tools, analysis: Analysis) -> None:
    """ "РЗМ", "СПГ" tagged as an organisation, "Редкоземы" as a person, are commodities:
    free them for the gazetteer."""
    tokens = analysis.tokens
    kept = [
        span
        for span in analysis.spans
        if not (span.first == span.last and _commodity_word(tools, tokens[span.first], span.type))
    ]
    if len(kept) != len(analysis.spans):
        analysis.replace_spans(kept)


def ner(tools: Tools, doc: Document) -> None:
    """One natasha analysis of the whole text (the expensive step: once per article)."""
    doc.analysis = analysis = tools.models.analyse(doc.text)
    release_commodity_words(tools, analysis)
    settle_dateline(analysis, doc.offset)
    settle_patronymics(analysis, tools.canon)


# --- names, merge, coreference ---------------------------------------------------------------


def names(tools: Tools, doc: Document) -> None:
    analysis = need(doc.analysis, "the analysis")
    mentions = find_mentions(analysis, tools.canon)
    mentions = find_bodies(analysis, mentions, tools.canon, tools.aliases.bodies, tools.aliases.party_members)
    doc.mentions = find_sites(analysis, mentions)


def merge(tools: Tools, doc: Document) -> None:
    analysis = need(doc.analysis, "the analysis")
    merged = tools.merger.merge(analysis, doc.mentions)
    doc.entities = one_actor_per_key(merged, doc.mentions, lambda entity: actor_keys(tools, entity))
    doc.mentions = recover_mentions(analysis, doc.mentions, doc.entities)


def canonical(tools: Tools, entity: Entity) -> str | None:
    """The cross-article name when it differs from the article's: "Великобритания" for
    "Британия", and "Владимир Путин" for an article that only says "Путин" (a surname
    that exactly one office holder of the table bears)."""
    name = entity.name
    if entity.type == ActorType.PER and len(name.split()) == 1:
        name = tools.offices.full_name(name) or name
    return name if name != entity.shown else None


def actor_keys(tools: Tools, entity: Entity) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    """How the store tells actors apart (`Actor.canonical_name` and type) and how a
    statement refers to one (`ActorRef`: the article's name and type)."""
    name = canonical(tools, entity) or entity.shown
    return ("canonical", name, entity.type), ("name", entity.shown, entity.type)


def _tokens_within(tokens: list[Token], spans: list[tuple[int, int]]) -> set[int]:
    """Indexes of the tokens that start inside any of the character spans."""
    starts = [t.start for t in tokens]
    inside: set[int] = set()
    for a, b in spans:
        inside.update(range(bisect_left(starts, a), bisect_left(starts, b)))
    return inside


def coreference(tools: Tools, doc: Document) -> None:
    """Titles in the headline count as mentions; words inside speech quotes are the quoted
    speaker's, not the author's."""
    analysis = need(doc.analysis, "the analysis")
    published = doc.article.published_at
    day: date | None = published.date() if published else None
    coref = Coreference(analysis, doc.mentions, doc.entities, tools.coref_lex, tools.offices, day)
    doc.title_refs = coref.title_mentions()
    for _, ent in doc.title_refs:
        doc.entities[ent].mentions += 1
    doc.regions = speech_quotes(analysis, quote_regions(doc.text))
    inside = _tokens_within(analysis.tokens, doc.regions)
    coref.quoted = inside - _tokens_within(analysis.tokens, author_words(doc.text, doc.regions))
    doc.coref = coref


# --- minerals, statements ----------------------------------------------------------------------


def minerals(tools: Tools, doc: Document) -> None:
    """The gazetteer's matches, one sentence at a time (headline included)."""
    analysis = need(doc.analysis, "the analysis")
    for k, sent in enumerate(analysis.sents):
        doc.matches[k] = tools.gazetteer.find(analysis.tokens, sent.first, sent.last)


def _entities_by_sentence(doc: Document) -> dict[int, list[int]]:
    tokens = doc.tokens
    by_sentence: dict[int, list[int]] = {}
    for m in doc.mentions:
        by_sentence.setdefault(tokens[m.first].sent, []).append(m.entity)
    for i, ent in doc.title_refs:
        by_sentence.setdefault(tokens[i].sent, []).append(ent)
    return by_sentence


def statements(tools: Tools, doc: Document) -> None:
    """Who said what in each sentence of the body, then what carries over between them."""
    analysis, coref = need(doc.analysis, "the analysis"), need(doc.coref, "the coreference")
    by_sentence = _entities_by_sentence(doc)
    for k, sent in enumerate(analysis.sents):
        if sent.start < doc.offset:
            continue
        info = SentenceInfo(k, sent.start, sent.stop, sent.first, sent.last)
        info.minerals = list(dict.fromkeys(m.key for m in doc.matches.get(k, [])))
        info.entities = list(dict.fromkeys(by_sentence.get(k, [])))
        tools.attributor.attribute(analysis, info, coref, coref.quoted)
        doc.infos.append(info)
    propagate(analysis, doc.infos, doc.regions, coref, tools.attributor)


Pass = Callable[[Tools, Document], None]

PASSES: tuple[tuple[PassName, Pass], ...] = (
    (PassName.NER, ner),
    (PassName.NAMES, names),
    (PassName.MERGE, merge),
    (PassName.COREFERENCE, coreference),
    (PassName.MINERALS, minerals),
    (PassName.STATEMENTS, statements),
)


def pass_names() -> tuple[PassName, ...]:
    """The registry, listed: the passes' names in the order they run."""
    return tuple(name for name, _ in PASSES)


def run(tools: Tools, doc: Document, passes: tuple[tuple[PassName, Pass], ...] = PASSES) -> Document:
    for _, step in passes:
        step(tools, doc)
    return doc
