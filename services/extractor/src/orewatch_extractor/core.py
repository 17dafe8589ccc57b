"""Pure extraction core: CleanArticle -> ExtractedArticle (no broker, no I/O).

`Extractor.extract` runs the passes of `orewatch_extractor.passes` in their declared order
and reads the article's actors, minerals and statements off the document they leave."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from orewatch_common.contracts import (
    Actor,
    ActorRef,
    CleanArticle,
    ExtractedArticle,
    Language,
    Mineral,
    Statement,
)
from orewatch_common.failures import UnexpectedFailure, permanent_on_failure
from orewatch_lexicon import Section, SpeechLexicon, load_lexicon
from orewatch_lexicon.stemming import packaged_endings as _packaged_endings

from orewatch_extractor.actors import Entity, Mention, Merger
from orewatch_extractor.coref import Lexicon
from orewatch_extractor.minerals import Gazetteer
from orewatch_extractor.morphology import name_endings
from orewatch_extractor.names import AliasTable, Canonicaliser
from orewatch_extractor.nlp import Models
from orewatch_extractor.offices import Offices
from orewatch_extractor.passes import TITLE_SEPARATOR, Document, PassName, Tools, canonical, pass_names, run
from orewatch_extractor.shapes import text_shapes
from orewatch_extractor.statements import Attribution, Attributor, SentenceInfo
from orewatch_extractor.statements import SpeechLexicon as StatementLexicon

__all__ = [
    "READ_LANGUAGES",
    "TITLE_SEPARATOR",
    "ExtractionFailed",
    "Extractor",
    "PassName",
    "freeze_loaded",
    "pass_names",
    "reads",
    "speaker_first",
]

# What natasha's models, the gazetteer and the speech lexicon are written for: Russian only.
READ_LANGUAGES = frozenset({Language.RU})


class ExtractionFailed(UnexpectedFailure):
    """The extractor's code could not handle the article: a bug, with the original exception.
    `Extractor.extract` raises nothing else but a `PermanentError`."""


def _package_version() -> str:
    try:
        return version("orewatch-extractor")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def reads(article: CleanArticle) -> bool:
    """Whether the passes are run on `article`: a Ukrainian or English text through Russian
    models gives wrong names, not fewer. A version 1 clean article (no `language`) predates
    detection and is read as Russian, as it always was."""
    return article.language is None or article.language in READ_LANGUAGES


def freeze_loaded() -> None:
    """Leave what is loaded by now (models, rule files, lexicons: hundreds of thousands of
    objects that live as long as the process) out of the cyclic garbage collector's full
    passes, which otherwise walk all of it again every few articles (~0.4 s over 421
    articles). Called once, after `Extractor()`, by the service's startup and the CLI."""
    gc.collect()
    gc.freeze()


def speaker_first(entities: list[int], attr: Attribution | None) -> list[int]:
    if attr is None or attr.speaker is None or attr.speaker in entities:
        return entities
    return [attr.speaker, *entities]


def _kept_entities(entities: list[Entity], mentions: list[Mention], infos: list[SentenceInfo]) -> set[int]:
    """Entities to report: every named one, and a body the tagger did not name ("канцелярия
    премьер-министра") only when it speaks: a common-noun phrase is an actor for who said
    what, not for the article's list of names."""
    named = {m.entity for m in mentions if not m.unnamed}
    speakers = {i.attribution.speaker for i in infos if i.attribution and i.attribution.speaker is not None}
    return {k for k in range(len(entities)) if k in named or k in speakers}


def coref_lexicon(words: SpeechLexicon, aliases: AliasTable) -> Lexicon:
    """The coreference step's words: the shared speech lexicon and the alias table's kinds."""
    return Lexicon(
        words.lemmas(Section.PERSON_TITLES),
        words.lemmas(Section.ORG_ANAPHORS),
        words.values(Section.PRONOUNS),
        aliases.org_prefixes | aliases.quoted_name_kinds,
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
        words.in_order(Section.OUTLET_KINDS),
    )


def _tools() -> Tools:
    models, aliases = Models(), AliasTable.load()
    canon = Canonicaliser(models, aliases)
    return Tools(
        models=models,
        gazetteer=Gazetteer.load(),
        aliases=aliases,
        offices=Offices.load(),
        canon=canon,
        merger=Merger(canon),
        attributor=Attributor(StatementLexicon.load(), models.can_be_nominative),
        coref_lex=coref_lexicon(load_lexicon(), aliases),
    )


def _ref(entity: Entity) -> ActorRef:
    return ActorRef(name=entity.shown, type=entity.type)


def _statements(doc: Document, kept: set[int]) -> list[Statement]:
    """The body's sentences that report speech, are quotes or name a mineral."""
    statements: list[Statement] = []
    for info in doc.infos:
        if not (info.speech or info.is_quote or info.minerals):
            continue
        attr = info.attribution
        speaker = doc.entities[attr.speaker] if attr and attr.speaker is not None else None
        statements.append(
            Statement(
                index=len(statements),
                text=doc.text[info.start : info.stop],
                start=info.start - doc.offset,
                end=info.stop - doc.offset,
                speaker=_ref(speaker) if speaker else None,
                verb=attr.verb if attr else None,
                is_quote=info.is_quote,
                # the speaker is in the sentence even when named by "он" or a title
                actors=[_ref(doc.entities[e]) for e in speaker_first(info.entities, attr) if e in kept],
                minerals=info.minerals,
            )
        )
    return statements


def _minerals(tools: Tools, doc: Document) -> list[Mineral]:
    """Each concept found, with its forms as written, headline included."""
    tokens = doc.tokens
    hits: dict[str, list[str]] = {}
    for matches in doc.matches.values():
        for match in matches:
            hits.setdefault(match.key, []).append(
                " ".join(t.text for t in tokens[match.first : match.last + 1])
            )
    concepts = tools.gazetteer.concepts
    return [
        Mineral(
            key=key,
            name=concepts[key].name,
            category=concepts[key].category,
            forms=list(dict.fromkeys(forms)),
            mentions=len(forms),
        )
        for key, forms in hits.items()
    ]


class Extractor:
    """Holds the natasha models and the rule files (loaded once per process) and extracts
    articles by running the passes."""

    def __init__(self) -> None:
        self.tools = _tools()
        self.models = self.tools.models
        self.gazetteer = self.tools.gazetteer
        self.aliases = self.tools.aliases
        self.offices = self.tools.offices
        self.canon = self.tools.canon
        self.merger = self.tools.merger
        self.version = "; ".join(
            [
                f"orewatch-extractor {_package_version()}",
                f"minerals {self.gazetteer.version}",
                f"aliases {self.aliases.version}",
                f"offices {self.offices.version}",
                f"speech {load_lexicon().version}",
                f"endings {_packaged_endings().version}",
                f"name endings {name_endings().rules.version}",
                f"shapes {text_shapes().rules.version}",
            ]
        )

    @staticmethod
    def passes() -> tuple[PassName, ...]:
        return pass_names()

    @permanent_on_failure(ExtractionFailed)
    def extract(self, article: CleanArticle) -> ExtractedArticle:
        """Actors, minerals and statements of one article. Statements come from the body
        only, and their offsets are into `article.body`. An article in a language the models
        do not read gets an extraction with nothing in it, so the store still records it."""
        if not reads(article):
            now = datetime.now(UTC)
            return ExtractedArticle(article=article, extracted_at=now, extractor_version=self.version)
        doc = run(self.tools, Document.of(article))
        kept = _kept_entities(doc.entities, doc.mentions, doc.infos)
        actors = [
            Actor(
                name=e.shown,
                canonical=canonical(self.tools, e),
                type=e.type,
                aliases=e.aliases,
                mentions=max(1, e.mentions),
            )
            for k, e in enumerate(doc.entities)
            if k in kept
        ]
        return ExtractedArticle(
            article=article,
            extracted_at=datetime.now(UTC),
            extractor_version=self.version,
            actors=actors,
            minerals=_minerals(self.tools, doc),
            statements=_statements(doc, kept),
        )
