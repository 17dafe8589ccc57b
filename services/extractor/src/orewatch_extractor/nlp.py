"""natasha model loading and the per-document analysis the other modules share.

The models are loaded once per process (`Models.load`) because they take seconds and
hundreds of megabytes; everything downstream works on the light `Token` records built
here, so the rest of the extractor never touches natasha objects directly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pymorphy2.analyzer
import pymorphy2.shapes
import pymorphy2_dicts_ru
from natasha import (
    Doc,
    MorphVocab,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)
from natasha.doc import DocSent, DocSpan, adapt_token
from orewatch_common.contracts import ActorType

from orewatch_extractor.shapes import text_shapes


def _dict_paths() -> dict[str, str]:
    return {"ru": pymorphy2_dicts_ru.get_path()}


# pymorphy2 0.9 finds its dictionary through pkg_resources entry points, which recent
# setuptools no longer ships; the dictionary package knows its own path.
pymorphy2.analyzer._lang_dict_paths = _dict_paths

_LATIN_LETTERS: dict[str, bool] = {}


def _is_latin_char(char: str) -> bool:
    """pymorphy2's own test asks for the letter's Unicode name and raised ValueError on a letter
    that has none in Python's table (a Tangut ideograph, "𗀀"): such a letter is not Latin."""
    latin = _LATIN_LETTERS.get(char)
    if latin is None:
        latin = _LATIN_LETTERS[char] = "LATIN" in unicodedata.name(char, "")
    return latin


pymorphy2.shapes.is_latin_char = _is_latin_char


_LINE = re.compile(r"[^\n]+")

# natasha's costs grow with the length of what each model reads at once: the syntax parser's
# with the square of a sentence's (a 50,000-word line without punctuation took 19 GB), the
# tagger's and NER's linearly (NER reads ~8 kB a word). Longer sentences are parsed in
# chunks, and NER reads whole sentences in pieces; no real sentence or article comes near.
MAX_SENTENCE_TOKENS = 200
NER_PIECE_TOKENS = 2000


def chunk_bounds(words: list[str], limit: int = MAX_SENTENCE_TOKENS) -> list[tuple[int, int]]:
    """Chunks (start, end) of at most `limit` words covering `words`, each ending after a
    punctuation mark or before a conjunction when its second half has one, else at the
    limit. Each chunk looks at `limit` words once: time linear in the length."""
    bounds = []
    start = 0
    while len(words) - start > limit:
        end = _chunk_end(words, start, limit)
        bounds.append((start, end))
        start = end
    bounds.append((start, len(words)))
    return bounds


def _chunk_end(words: list[str], start: int, limit: int) -> int:
    shapes = text_shapes()
    top, middle = start + limit, start + limit // 2
    for end in range(top, middle, -1):
        if words[end - 1] in shapes.clause_ends:
            return end
    for end in range(top, middle, -1):
        if words[end].lower() in shapes.clause_conjunctions:
            return end
    return top


def _bounded(sent: DocSent) -> list[DocSent]:
    """A sentence as chunks the parser can afford, each a sentence of its own downstream."""
    if len(sent.tokens) <= MAX_SENTENCE_TOKENS:
        return [sent]
    chunks = []
    for start, end in chunk_bounds([t.text for t in sent.tokens]):
        tokens = sent.tokens[start:end]
        first, stop = tokens[0].start, tokens[-1].stop
        chunk = DocSent(first, stop, sent.text[first - sent.start : stop - sent.start])
        chunk.tokens = tokens
        chunks.append(chunk)
    return chunks


def ner_pieces(sents: list[DocSent], limit: int = NER_PIECE_TOKENS) -> list[tuple[int, int]]:
    """Character ranges of consecutive whole sentences of at most `limit` tokens together (a
    longer sentence alone): what NER reads at once. An article is one piece."""
    pieces: list[tuple[int, int]] = []
    first, count = 0, 0
    for k, sent in enumerate(sents):
        if count and count + len(sent.tokens) > limit:
            pieces.append((sents[first].start, sents[k - 1].stop))
            first, count = k, 0
        count += len(sent.tokens)
    if sents:
        pieces.append((sents[first].start, sents[-1].stop))
    return pieces


@dataclass(slots=True)
class Token:
    """One word of the analysed text with morphology, syntax and NER already resolved."""

    index: int
    text: str
    start: int
    stop: int
    pos: str
    feats: dict[str, str]
    lemma: str
    sent: int
    head: int | None  # index of the syntactic head, None for the root
    rel: str
    children: list[int] = field(default_factory=list)
    span: int | None = None  # index of the NER span covering the token


@dataclass(slots=True)
class Span:
    """An NER span as token indexes."""

    type: ActorType
    first: int
    last: int  # inclusive


@dataclass(slots=True)
class Sentence:
    start: int
    stop: int
    first: int
    last: int  # inclusive token index


@dataclass(slots=True)
class Analysis:
    text: str
    tokens: list[Token]
    spans: list[Span]
    sents: list[Sentence]

    def replace_spans(self, spans: list[Span]) -> None:
        """Set the NER spans anew, keeping each token's link to its span."""
        for tok in self.tokens:
            tok.span = None
        for index, span in enumerate(spans):
            for i in range(span.first, span.last + 1):
                self.tokens[i].span = index
        self.spans = spans


_LITERAL_POS = frozenset({"PUNCT", "NUM", "SYM"})


def within_sentences(span: Span, tokens: list[Token]) -> list[Span]:
    """A span cut at each sentence boundary it crosses. NER reads the text whole, so a name
    ending a line runs on into the next line's first word ("… с Джонсоном" + "Туск выразил":
    one person "Джонсон Туск"); a name never crosses a sentence."""
    pieces: list[Span] = []
    first = span.first
    for i in range(span.first + 1, span.last + 1):
        if tokens[i].sent != tokens[i - 1].sent:
            pieces.append(Span(span.type, first, i - 1))
            first = i
    pieces.append(Span(span.type, first, span.last))
    return pieces


class Models:
    """The natasha pipeline; one instance per process."""

    def __init__(self) -> None:
        self.segmenter = Segmenter()
        emb = NewsEmbedding()
        self.morph = NewsMorphTagger(emb)
        self.syntax = NewsSyntaxParser(emb)
        self.ner = NewsNERTagger(emb)
        self.vocab = MorphVocab()
        self._lemma = lru_cache(maxsize=200_000)(self._lemma_uncached)

    def _lemma_uncached(self, word: str, pos: str, feats: tuple[tuple[str, str], ...]) -> str:
        lemma: str = self.vocab.lemmatize(word, pos, dict(feats))
        return lemma.replace("ё", "е")

    def can_be_nominative(self, word: str) -> bool:
        """Whether any dictionary reading of the word is nominative ("Цивилеву" has none)."""
        return any("nomn" in form.tag for form in self.vocab.parse(word.lower()))

    def lemma(self, word: str, pos: str, feats: dict[str, str]) -> str:
        """Lemma of a word as tagged by natasha, cached: news repeats the same words a lot.
        Punctuation, numbers and symbols are their own lemma: the dictionary has nothing to add."""
        if pos in _LITERAL_POS or not any(c.isalpha() for c in word):
            return word.lower()
        return self._lemma(word.lower(), pos, tuple(sorted(feats.items())))

    def natasha_doc(self, text: str) -> Doc:
        doc = Doc(text)
        # razdel runs sentences across line breaks, gluing a headline or a subheading to
        # the next sentence; news lines are paragraphs, so sentences are split per line.
        doc.tokens = [adapt_token(t) for t in self.segmenter.tokenize(text)]
        doc.sents = [
            DocSent(line.start() + s.start, line.start() + s.stop, s.text)
            for line in _LINE.finditer(text)
            for s in self.segmenter.sentenize(line.group())
        ]
        doc.envelop_sent_tokens()
        # the parser fails on empty sentences and cannot afford very long ones
        doc.sents = [chunk for sent in doc.sents if sent.tokens for chunk in _bounded(sent)]
        doc.tag_morph(self.morph)
        doc.parse_syntax(self.syntax)
        doc.spans = self._entities(text, doc.sents)
        return doc

    def _entities(self, text: str, sents: list[DocSent]) -> list[DocSpan]:
        """NER spans of the text, read piece by piece (one piece at a time, to bound memory)."""
        spans = []
        for start, stop in ner_pieces(sents):
            for span in self.ner(text[start:stop]).spans:
                first, last = start + span.start, start + span.stop
                spans.append(DocSpan(first, last, span.type, text[first:last]))
        return spans

    def analyse(self, text: str) -> Analysis:
        doc = self.natasha_doc(text)
        tokens: list[Token] = []
        ids: dict[str, int] = {}
        head_ids: list[str | None] = []
        sents: list[Sentence] = []
        for s_index, sent in enumerate(doc.sents):
            first = len(tokens)
            for tok in sent.tokens:
                ids[tok.id] = len(tokens)
                feats = tok.feats or {}
                tokens.append(
                    Token(
                        index=len(tokens),
                        text=tok.text,
                        start=tok.start,
                        stop=tok.stop,
                        pos=tok.pos or "X",
                        feats=feats,
                        lemma=self.lemma(tok.text, tok.pos or "X", feats),
                        sent=s_index,
                        head=None,
                        rel=tok.rel or "",
                    )
                )
                head_ids.append(tok.head_id)
            sents.append(Sentence(sent.start, sent.stop, first, len(tokens) - 1))
        for tok, head_id in zip(tokens, head_ids, strict=True):
            head = ids.get(head_id) if head_id else None  # "1_0" (the root) is no token
            tok.head = head if head != tok.index else None
            if tok.head is not None:
                tokens[tok.head].children.append(tok.index)
        spans: list[Span] = []
        starts = {t.start: t.index for t in tokens}
        stops = {t.stop: t.index for t in tokens}
        for span in doc.spans:
            span_first, span_last = starts.get(span.start), stops.get(span.stop)
            if span_first is None or span_last is None:
                continue
            spans.extend(within_sentences(Span(ActorType(span.type), span_first, span_last), tokens))
        analysis = Analysis(text, tokens, [], sents)
        analysis.replace_spans(spans)
        return analysis
