"""Statements: sentences that report speech (with the speaker) or name a mineral.

The speaker is read off natasha's syntax tree: the nsubj of a speech verb from
`data/speech.yaml`, else the place it was said ("В МИД сказали", "говорится в
заявлении МИД"), else "по словам X". Every candidate goes through the coreference
step; a sentence inside a quote takes the attribution of the sentence that closes or
opens the quote. Unresolvable speakers stay None.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from orewatch_extractor.coref import Coreference
from orewatch_extractor.nlp import Analysis, Token

MIN_QUOTE_WORDS = 3  # shorter quoted text is a name or a term ("Известия"), not speech
LONG_QUOTE_WORDS = 6  # this long, quoted text is speech even without a verb
_DASH = "—–-"
_QUOTE_MARKS = "«»\"“”„'"
_CITING = frozenset({"сообщать", "передавать", "писать"})
_QUOTING = frozenset({"цитировать", "процитировать"})
_QUOTING_WORDS = frozenset(
    {"приводить", "привести", "приводиться", "цитировать", "процитировать", "передавать"}
)


@dataclass(frozen=True, slots=True)
class SpeechLexicon:
    verbs: frozenset[str]
    weak_verbs: frozenset[str]
    source_nouns: frozenset[str]
    according_nouns: frozenset[str]

    @classmethod
    def load(cls) -> tuple[SpeechLexicon, dict[str, Any]]:
        data = yaml.safe_load(
            resources.files("orewatch_extractor.data").joinpath("speech.yaml").read_text("utf-8")
        )
        lex = cls(
            frozenset(data["verbs"]),
            frozenset(data["weak_verbs"]),
            frozenset(data["source_nouns"]),
            frozenset(data["according_nouns"]),
        )
        return lex, data


@dataclass(slots=True)
class Attribution:
    speaker: int | None = None  # entity index
    verb: str | None = None
    anchor: int = -1  # token of the verb or "по словам" noun


@dataclass(slots=True)
class SentenceInfo:
    index: int
    start: int
    stop: int
    first: int
    last: int
    attribution: Attribution | None = None
    speech: bool = False
    is_quote: bool = False
    entities: list[int] = field(default_factory=list)
    minerals: list[str] = field(default_factory=list)


# «Рост продолжится», — сказал он: the comma and dash after a quote mark direct speech
_DIRECT_SPEECH_DASH = re.compile(r"[»”\"]?\s*[,!?…]\s*[—–-]")


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted text (without the marks), paragraph by paragraph.

    Outer «…» and inner „…“ (or “…”) are paired by kind. Russian typography merges the
    closing marks of nested names into one (ПАО «ГМК «Норильский никель»), so a » closes
    every level that no later » in the paragraph can. A quote still open at the
    paragraph's end runs to it.
    """
    regions: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        opened: list[str] = []
        start, straight = -1, -1
        base = line.start()
        for k, ch in enumerate(line.group()):
            pos = base + k
            if ch == "“" and opened and opened[-1] == "„":
                opened.pop()  # „…“
            elif ch in "«„“":
                if not opened:
                    start = pos + 1
                opened.append(ch)
            elif ch in "»”" and opened:
                # every level that the closing marks left in the paragraph (after those that
                # later openings take) cannot close
                rest = line.group()[k + 1 :]
                later = rest.count("»") - rest.count("«")
                for _ in range(max(1, len(opened) - later) if ch == "»" else 1):
                    opened.pop()
                    if not opened:
                        break
                if not opened:
                    regions.append((start, pos))
            elif ch == '"' and not opened:
                if straight < 0:
                    straight = pos + 1
                else:
                    regions.append((straight, pos))
                    straight = -1
        if opened and start >= 0:
            regions.append((start, line.end()))
    return regions


def speech_quotes(analysis: Analysis, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Quoted text that is speech rather than a name: a clause with a verb, long, or set
    off as direct speech ("«Рост продолжится», — сказал он")."""
    out = []
    starts = [t.start for t in analysis.tokens]
    for a, b in regions:
        if _DIRECT_SPEECH_DASH.match(analysis.text, b):
            out.append((a, b))
            continue
        words = len(analysis.text[a:b].split())
        if words < MIN_QUOTE_WORDS:
            continue
        k = bisect_left(starts, a)
        has_verb = False
        while k < len(starts) and starts[k] < b:
            has_verb = has_verb or analysis.tokens[k].pos in ("VERB", "AUX")
            k += 1
        if has_verb or words >= LONG_QUOTE_WORDS:
            out.append((a, b))
    return out


class Attributor:
    """Finds the speech verb and speaker of each sentence of one article."""

    def __init__(
        self, lex: SpeechLexicon, can_be_nominative: Callable[[str], bool] = lambda word: True
    ) -> None:
        self.lex = lex
        self.can_be_nominative = can_be_nominative

    def _subject(
        self, tokens: list[Token], v: int, coref: Coreference, depth: int = 0
    ) -> tuple[bool, int | None]:
        subjects = [c for c in tokens[v].children if tokens[c].rel.startswith("nsubj")]
        if len(subjects) > 1:
            # "Как заявил Цивилеву глава СУЭК Басов": the tagger may take the addressee for a
            # second subject; a word that cannot be nominative is not the speaker
            subjects = [c for c in subjects if self.can_be_nominative(tokens[c].text)] or subjects
        if subjects:
            # "Вице-премьер РФ А. Новак заявил": the tagger may give the title and the name each
            # as a subject; the one that names somebody speaks
            return True, _first_entity(subjects, coref)
        tok = tokens[v]
        if (
            depth < 2
            and tok.rel in ("conj", "xcomp", "advcl")
            and tok.head is not None
            and tokens[tok.head].pos in ("VERB", "AUX")
        ):
            return self._subject(tokens, tok.head, coref, depth + 1)
        return False, None

    def _place(self, tokens: list[Token], v: int, coref: Coreference) -> int | None:
        """Where it was said: "в МИД сказали", "говорится в заявлении МИД РФ"."""
        for c in tokens[v].children:
            tok = tokens[c]
            if not tok.rel.startswith("obl"):
                continue
            cases = {tokens[k].lemma for k in tok.children if tokens[k].rel == "case"}
            if not cases & {"в", "на"}:
                continue
            if tok.lemma in self.lex.source_nouns:
                for k in range(c + 1, min(len(tokens), c + 6)):
                    if (tokens[k].pos == "PUNCT" and tokens[k].text not in _QUOTE_MARKS) or tokens[
                        k
                    ].pos == "ADP":
                        break  # "в сообщении компании на Лондонской бирже": the exchange did not say it
                    ent = coref.resolve(k)
                    if ent is not None:
                        return ent
                continue
            ent = coref.resolve(c)
            if ent is not None and coref.entities[ent].type in ("ORG", "LOC"):
                return ent  # "в МИД сказали", "в Кремле заявили"
        return None

    def _according(self, tokens: list[Token], i: int, coref: Coreference) -> int | None:
        """ "по словам X", "по его словам", "согласно заявлению X"."""
        j, pron = i - 1, None
        if j >= 0 and tokens[j].pos in ("PRON", "DET"):
            pron, j = j, j - 1
        if j < 0 or tokens[j].lemma not in ("по", "согласно"):
            return None
        if pron is not None:
            return coref.resolve(pron)
        for k in range(i + 1, min(len(tokens), i + 6)):
            if (tokens[k].pos == "PUNCT" and tokens[k].text not in _QUOTE_MARKS) or tokens[k].sent != tokens[
                i
            ].sent:
                break
            ent = coref.resolve(k)
            if ent is not None:
                return ent
        return None

    def attribute(self, analysis: Analysis, s: SentenceInfo, coref: Coreference, quoted: set[int]) -> None:
        tokens = analysis.tokens
        best: tuple[tuple[bool, bool, int, int], Attribution] | None = None
        for i in range(s.first, s.last + 1):
            tok = tokens[i]
            if i in quoted:
                continue
            cand: Attribution | None = None
            if tok.lemma in self.lex.verbs and tok.pos in ("VERB", "AUX") and _finite(tok):
                has_subject, speaker = self._subject(tokens, i, coref)
                if not has_subject:
                    speaker = self._place(tokens, i, coref)
                if tok.lemma in _QUOTING:  # "— цитирует Исламова агентство": the one quoted spoke
                    quoted_person = _first_entity([c for c in tok.children if tokens[c].rel == "obj"], coref)
                    speaker = quoted_person if quoted_person is not None else speaker
                if tok.lemma in self.lex.weak_verbs and (
                    speaker is None or coref.entities[speaker].type == "LOC" or tok.rel in ("xcomp", "ccomp")
                ):
                    continue
                cand = Attribution(speaker, tok.lemma, i)
            elif tok.lemma in self.lex.according_nouns and i > s.first:
                speaker = self._according(tokens, i, coref)
                if speaker is not None:
                    cand = Attribution(speaker, None, i)
                elif (
                    tok.lemma == "слово" and tok.head is not None and tokens[tok.head].lemma in _QUOTING_WORDS
                ):
                    # "приводятся в сообщении слова вице-президента Сергея Степанова"
                    speaker = _first_entity(tok.children, coref)
                    if speaker is not None:
                        cand = Attribution(speaker, tokens[tok.head].lemma, tok.head)
            if cand is None:
                continue
            depth, head = 0, tokens[i].head
            while head is not None and depth < 20:
                head, depth = tokens[head].head, depth + 1
            # "…, сообщает «Украинская правда»" cites the outlet, not who said it
            citation = tok.lemma in _CITING and tok.feats.get("Tense") == "Pres"
            rank = (cand.speaker is None, citation, depth, i)
            if best is None or rank < best[0]:
                best = (rank, cand)
        if best is not None:
            s.attribution = best[1]
            s.speech = True


def _finite(tok: Token) -> bool:
    """A clause's own verb: not an attributive participle ("представитель, отвечающий за")."""
    return tok.feats.get("VerbForm") != "Part" or tok.feats.get("Variant") == "Short"


def about_this(tokens: list[Token], s: SentenceInfo) -> bool:
    """ "Об этом сообщил X", "Так заявил X": the sentence attributes the one before it."""
    if tokens[s.first].lemma == "так" and s.first < s.last and tokens[s.first + 1].pos in ("VERB", "AUX"):
        return True
    for i in range(s.first, min(s.last, s.first + 6)):
        if tokens[i].lemma == "о" and tokens[i + 1].lemma == "это":
            return True
    return False


def starts_with_dash(tokens: list[Token], s: SentenceInfo) -> bool:
    return tokens[s.first].text in _DASH


def _attributed(s: SentenceInfo | None) -> Attribution | None:
    return s.attribution if s and s.attribution and s.attribution.speaker is not None else None


def _first_entity(indices: list[int], coref: Coreference) -> int | None:
    """The entity of the first token among `indices` that names one."""
    resolved = (coref.resolve(i) for i in indices)
    return next((entity for entity in resolved if entity is not None), None)


def _lend(attr: Attribution, sentences: list[SentenceInfo]) -> None:
    """Give an attribution to the sentences of one quote that have no speaker of their own."""
    for s in sentences:
        if s.attribution is None or s.attribution.speaker is None:
            s.attribution = Attribution(attr.speaker, attr.verb, attr.anchor)
            s.speech = True


def _dash_speech(analysis: Analysis, infos: list[SentenceInfo]) -> None:
    """ "– Руды … эффективно. Для Ревды это рабочие места, – сказал Андрей Чибис.": a
    paragraph of direct speech opened by a dash is attributed by its last sentence."""
    tokens = analysis.tokens
    for paragraph in re.finditer(r"[^\n]+", analysis.text):
        if paragraph.group().lstrip()[:1] not in _DASH:
            continue
        inside = [s for s in infos if paragraph.start() <= s.start < paragraph.end()]
        closing = _attributed(inside[-1]) if inside else None
        if closing is None or closing.anchor < 0 or not _after_dash(tokens, closing.anchor, inside[-1]):
            continue
        for s in inside:
            s.is_quote = True
        _lend(closing, inside)


def _after_dash(tokens: list[Token], anchor: int, s: SentenceInfo) -> bool:
    """The speech verb follows ", –" inside its sentence: the attribution closing direct speech."""
    k = anchor - 1
    while k > s.first and tokens[k].pos != "PUNCT":
        k -= 1
    return tokens[k].text in _DASH and k > s.first


def _colon_speaker(tokens: list[Token], a: int, coref: Coreference) -> int | None:
    """ "Дмитриев: «…»": a name and a colon right before the quote."""
    k = bisect_left([t.start for t in tokens], a) - 1  # the opening mark
    while k >= 0 and tokens[k].pos == "PUNCT" and tokens[k].text != ":":
        k -= 1
    if k < 1 or tokens[k].text != ":":
        return None
    return coref.resolve(k - 1) if tokens[k - 1].sent == tokens[k].sent else None


def propagate(
    analysis: Analysis, infos: list[SentenceInfo], regions: list[tuple[int, int]], coref: Coreference
) -> None:
    """Quotes over several sentences take the attribution of the sentence that closes
    them, or opens them ("X заявил: «…»", "X: «…»", "X отметил:" as the paragraph before),
    or follows them ("— сказал он.", "Так заявил X."); "Об этом сообщил X" covers the
    sentence before."""
    tokens = analysis.tokens
    for a, b in regions:
        inside = [s for s in infos if s.start < b and s.stop > a]
        if not inside:
            continue
        for s in inside:
            s.is_quote = True
        first, last = inside[0], inside[-1]
        k = infos.index(first)
        prev = infos[k - 1] if k else None
        k = infos.index(last)
        nxt = infos[k + 1] if k + 1 < len(infos) else None
        closing, opening = _attributed(last), _attributed(first)
        attr = None
        if closing and closing.anchor >= 0 and tokens[closing.anchor].start > b:
            attr = closing
        elif opening and opening.anchor >= 0 and tokens[opening.anchor].stop < a:
            attr = opening
        elif nxt and _attributed(nxt) and (starts_with_dash(tokens, nxt) or about_this(tokens, nxt)):
            attr = _attributed(nxt)
        elif prev and _attributed(prev) and tokens[prev.last].text == ":":
            attr = _attributed(prev)
        else:
            speaker = _colon_speaker(tokens, a, coref)
            if speaker is not None:
                attr = Attribution(speaker, None, -1)
        if attr is None:
            continue
        _lend(attr, inside)
    _dash_speech(analysis, infos)
    for k in range(1, len(infos)):
        s, prev = infos[k], infos[k - 1]
        unattributed = prev.attribution is None or prev.attribution.speaker is None
        if s.attribution and s.attribution.speaker is not None and about_this(tokens, s) and unattributed:
            prev.attribution = Attribution(s.attribution.speaker, s.attribution.verb, s.attribution.anchor)
            prev.speech = True
