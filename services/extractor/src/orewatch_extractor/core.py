"""Pure extraction core: CleanArticle -> ExtractedArticle (no broker, no I/O)."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from orewatch_common.contracts import (
    Actor,
    ActorRef,
    ActorType,
    CleanArticle,
    ExtractedArticle,
    Mineral,
    Statement,
)
from orewatch_common.failures import UnexpectedFailure, permanent_on_failure
from orewatch_lexicon import Section, load_lexicon

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
from orewatch_extractor.minerals import Gazetteer
from orewatch_extractor.names import AliasTable, Canonicaliser
from orewatch_extractor.nlp import Analysis, Models, Token
from orewatch_extractor.offices import Offices
from orewatch_extractor.statements import (
    Attribution,
    Attributor,
    SentenceInfo,
    SpeechLexicon,
    author_words,
    propagate,
    quote_regions,
    speech_quotes,
)

TITLE_SEPARATOR = "\n\n"


class ExtractionFailed(UnexpectedFailure):
    """The extractor's code could not handle the article: a bug, with the original exception.
    `Extractor.extract` raises nothing else but a `PermanentError`."""


def _package_version() -> str:
    try:
        return version("orewatch-extractor")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def speaker_first(entities: list[int], attr: Attribution | None) -> list[int]:
    if attr is None or attr.speaker is None or attr.speaker in entities:
        return entities
    return [attr.speaker, *entities]


def _tokens_within(tokens: list[Token], spans: list[tuple[int, int]]) -> set[int]:
    """Indexes of the tokens that start inside any of the character spans."""
    starts = [t.start for t in tokens]
    inside: set[int] = set()
    for a, b in spans:
        inside.update(range(bisect_left(starts, a), bisect_left(starts, b)))
    return inside


def _kept_entities(entities: list[Entity], mentions: list[Mention], infos: list[SentenceInfo]) -> set[int]:
    """Entities to report: every named one, and a body the tagger did not name ("канцелярия
    премьер-министра") only when it speaks: a common-noun phrase is an actor for who said
    what, not for the article's list of names."""
    named = {m.entity for m in mentions if not m.unnamed}
    speakers = {i.attribution.speaker for i in infos if i.attribution and i.attribution.speaker is not None}
    return {k for k in range(len(entities)) if k in named or k in speakers}


class Extractor:
    """Holds the natasha models (loaded once per process) and extracts articles."""

    def __init__(self) -> None:
        self.models = Models()
        self.gazetteer = Gazetteer.load()
        self.aliases = AliasTable.load()
        self.offices = Offices.load()
        self.canon = Canonicaliser(self.models, self.aliases)
        self.merger = Merger(self.canon)
        self.attributor = Attributor(SpeechLexicon.load(), self.models.can_be_nominative)
        words = load_lexicon()
        self.coref_lex = Lexicon(
            words.lemmas(Section.PERSON_TITLES),
            words.lemmas(Section.ORG_ANAPHORS),
            words.values(Section.PRONOUNS),
            self.aliases.org_prefixes | self.aliases.quoted_name_kinds,
            {k: tuple(v.split()) for k, v in words.values(Section.TITLE_CONTRACTIONS).items()},
            words.lemmas(Section.ORG_VOICES),
            words.lemmas(Section.AGENCY_ANAPHORS),
            words.in_order(Section.AGENCY_NAME_STARTS),
            {tuple(k.split()): v for k, v in words.values(Section.TITLE_SYNONYMS).items()},
            words.values(Section.TITLE_EQUIVALENTS),
            words.values(Section.KIND_FAMILIES),
            words.lemmas(Section.FEMININE_TITLES),
            words.lemmas(Section.UNNAMED_SOURCES),
            words.lemmas(Section.DOMINANT_FAMILIES),
            words.values(Section.MEMBERS),
            words.lemmas(Section.CITING_VERBS),
            words.lemmas(Section.HEAD_TITLES),
            words.lemmas(Section.GENERIC_HEADS),
        )
        self.version = (
            f"orewatch-extractor {_package_version()}; minerals {self.gazetteer.version}; "
            f"aliases {self.aliases.version}; offices {self.offices.version}"
        )

    def _canonical(self, entity: Entity) -> str | None:
        """The cross-article name when it differs from the article's: "Великобритания" for
        "Британия", and "Владимир Путин" for an article that only says "Путин" (a surname
        that exactly one office holder of the table bears)."""
        canonical = entity.name
        if entity.type == ActorType.PER and len(canonical.split()) == 1:
            canonical = self.offices.full_name(canonical) or canonical
        return canonical if canonical != entity.shown else None

    def _actor_keys(self, entity: Entity) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        """How the store tells actors apart (`Actor.canonical_name` and type) and how a
        statement refers to one (`ActorRef`: the article's name and type)."""
        canonical = self._canonical(entity) or entity.shown
        return ("canonical", canonical, entity.type), ("name", entity.shown, entity.type)

    def _commodity_word(self, tok: Token, type_: ActorType) -> bool:
        if tok.text.lower() in self.gazetteer.abbreviations:
            return True
        # a mineral is never a person; a place may be named after one (the town of Никель)
        return type_ == ActorType.PER and tok.lemma in self.gazetteer.compound_parts

    def _release_commodity_words(self, analysis: Analysis) -> None:
        """ "РЗМ", "СПГ" tagged as an organisation, "Редкоземы" as a person, are commodities:
        free them for the gazetteer."""
        tokens = analysis.tokens
        kept = [
            span
            for span in analysis.spans
            if not (span.first == span.last and self._commodity_word(tokens[span.first], span.type))
        ]
        if len(kept) != len(analysis.spans):
            analysis.replace_spans(kept)

    @permanent_on_failure(ExtractionFailed)
    def extract(self, article: CleanArticle) -> ExtractedArticle:
        """Actors, minerals and statements of one article.

        The headline is analysed with the body (it names actors and minerals too), but
        statements come from the body only and their offsets are into `article.body`.
        """
        title = (article.title or "").strip()
        offset = len(title) + len(TITLE_SEPARATOR) if title else 0
        text = f"{title}{TITLE_SEPARATOR}{article.body}" if title else article.body
        analysis = self.models.analyse(text)
        self._release_commodity_words(analysis)
        settle_dateline(analysis, offset)
        settle_patronymics(analysis, self.canon)
        tokens = analysis.tokens

        mentions = find_mentions(analysis, self.canon)
        aliases = self.aliases
        mentions = find_bodies(analysis, mentions, self.canon, aliases.bodies, aliases.party_members)
        mentions = find_sites(analysis, mentions)
        entities = one_actor_per_key(self.merger.merge(analysis, mentions), mentions, self._actor_keys)
        mentions = recover_mentions(analysis, mentions, entities)
        day = article.published_at.date() if article.published_at else None
        coref = Coreference(analysis, mentions, entities, self.coref_lex, self.offices, day)
        title_refs = coref.title_mentions()
        for _, ent in title_refs:
            entities[ent].mentions += 1

        infos: list[SentenceInfo] = []
        mineral_hits: dict[str, list[str]] = {}
        by_sent_entities: dict[int, list[int]] = {}
        for m in mentions:
            by_sent_entities.setdefault(tokens[m.first].sent, []).append(m.entity)
        for i, ent in title_refs:
            by_sent_entities.setdefault(tokens[i].sent, []).append(ent)
        regions = speech_quotes(analysis, quote_regions(text))
        quoted = _tokens_within(tokens, regions) - _tokens_within(tokens, author_words(text, regions))
        coref.quoted = quoted
        for k, sent in enumerate(analysis.sents):
            matches = self.gazetteer.find(tokens, sent.first, sent.last)
            for match in matches:
                form = " ".join(t.text for t in tokens[match.first : match.last + 1])
                mineral_hits.setdefault(match.key, []).append(form)
            if sent.start < offset:
                continue
            info = SentenceInfo(k, sent.start, sent.stop, sent.first, sent.last)
            info.minerals = list(dict.fromkeys(m.key for m in matches))
            info.entities = list(dict.fromkeys(by_sent_entities.get(k, [])))
            self.attributor.attribute(analysis, info, coref, quoted)
            infos.append(info)
        propagate(analysis, infos, regions, coref, self.attributor)

        def ref(ent: Entity) -> ActorRef:
            return ActorRef(name=ent.shown, type=ent.type)

        kept = _kept_entities(entities, mentions, infos)
        statements: list[Statement] = []
        for info in infos:
            if not (info.speech or info.is_quote or info.minerals):
                continue
            attr = info.attribution
            speaker = entities[attr.speaker] if attr and attr.speaker is not None else None
            statements.append(
                Statement(
                    index=len(statements),
                    text=text[info.start : info.stop],
                    start=info.start - offset,
                    end=info.stop - offset,
                    speaker=ref(speaker) if speaker else None,
                    verb=attr.verb if attr else None,
                    is_quote=info.is_quote,
                    # the speaker is in the sentence even when named by "он" or a title
                    actors=[ref(entities[e]) for e in speaker_first(info.entities, attr) if e in kept],
                    minerals=info.minerals,
                )
            )
        actors = [
            Actor(
                name=e.shown,
                canonical=self._canonical(e),
                type=e.type,
                aliases=e.aliases,
                mentions=max(1, e.mentions),
            )
            for k, e in enumerate(entities)
            if k in kept
        ]
        minerals = [
            Mineral(
                key=key,
                name=self.gazetteer.concepts[key].name,
                category=self.gazetteer.concepts[key].category,
                forms=list(dict.fromkeys(forms)),
                mentions=len(forms),
            )
            for key, forms in mineral_hits.items()
        ]
        return ExtractedArticle(
            article=article,
            extracted_at=datetime.now(UTC),
            extractor_version=self.version,
            actors=actors,
            minerals=minerals,
            statements=statements,
        )
