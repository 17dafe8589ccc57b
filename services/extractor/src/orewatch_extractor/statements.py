"""Statements: sentences that report speech (with the speaker) or name a mineral.

The speaker is read off natasha's syntax tree: the nsubj of a speech verb from the
shared lexicon (`orewatch_lexicon`), else the place it was said ("В МИД сказали",
"говорится в заявлении МИД"), else "по словам X". Every candidate goes through the
coreference step; a sentence inside a quote takes the attribution of the sentence that
closes or opens the quote. Unresolvable speakers stay None.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

from orewatch_common.contracts import ActorType
from orewatch_lexicon import Section, load_lexicon
from orewatch_lexicon.stemming import EndingSection, endings

from orewatch_extractor.coref import Coreference
from orewatch_extractor.nlp import Analysis, Token
from orewatch_extractor.shapes import text_shapes

MIN_QUOTE_WORDS = 3  # shorter quoted text is a name or a term ("Известия"), not speech
LONG_QUOTE_WORDS = 6  # this long, quoted text is speech even without a verb
_DASH = "—–-"
_QUOTE_MARKS = "«»\"“”„'"
_STRAIGHT_MARK = re.compile('"')
_PAIRED_MARK = re.compile("[" + _QUOTE_MARKS.replace("'", "") + "]")  # an apostrophe pairs nothing
_CITING = load_lexicon().lemmas(Section.CITING_VERBS)  # "пишет The Guardian": an outlet's verbs
_QUOTING = load_lexicon().lemmas(Section.QUOTING_VERBS)  # "— цитирует Исламова агентство"
_QUOTING_WORDS = load_lexicon().lemmas(Section.QUOTING_WORDS)  # "приводит слова X"
_SPEECH_NOUNS = load_lexicon().lemmas(Section.SPEECH_NOUNS)  # the "слова" of "приводит слова X"


@dataclass(frozen=True, slots=True)
class SpeechLexicon:
    verbs: frozenset[str]
    weak_verbs: frozenset[str]
    source_nouns: frozenset[str]
    according_nouns: frozenset[str]
    stances: frozenset[str] = frozenset()  # short adjectives: "уверен, что"
    light_verbs: dict[str, frozenset[str]] = field(default_factory=dict)  # "дать" + "понять"
    according_openings: tuple[tuple[str, ...], ...] = ()  # before "словам": ("по",), ("с", "точка")
    refusals: frozenset[str] = frozenset()  # "отказались комментировать": no words
    clause_verbs: frozenset[str] = frozenset()  # "признал, что" speaks, "признал незаконным" rules
    link_nouns: frozenset[str] = frozenset()  # "со ссылкой на X": the outlet relays what X said

    @classmethod
    def load(cls) -> SpeechLexicon:
        """The attribution's sections of the shared lexicon."""
        words = load_lexicon()
        return cls(
            words.lemmas(Section.VERBS),
            words.lemmas(Section.WEAK_VERBS),
            words.lemmas(Section.SOURCE_NOUNS),
            words.lemmas(Section.ACCORDING_NOUNS),
            words.lemmas(Section.STANCES),
            words.light_verbs(),
            tuple(tuple(opening.split()) for opening in words.in_order(Section.ACCORDING_OPENINGS)),
            words.lemmas(Section.REFUSALS),
            words.lemmas(Section.CLAUSE_VERBS),
            words.lemmas(Section.LINK_NOUNS),
        )


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


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted text (without the marks), paragraph by paragraph.

    Outer «…» and inner „…“ (or “…”) are paired by kind. Russian typography merges the
    closing marks of nested names into one (ПАО «ГМК «Норильский никель»), so a » closes
    every level that no later » in the paragraph can. A straight " opens when it is glued
    to the word after it and closes when glued to the word before, so "…линией "номера 10"…"
    nests. A quote still open at the paragraph's end runs to it.
    """
    regions: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        regions += _paragraph_quotes(line.group(), line.start())
    return regions


def _paragraph_quotes(paragraph: str, base: int) -> list[tuple[int, int]]:
    regions: list[tuple[int, int]] = []
    opened: list[str] = []
    start = -1
    for mark in _PAIRED_MARK.finditer(paragraph):
        k, ch = mark.start(), mark.group()
        levels = _closing_levels(paragraph, k, opened)
        if levels:
            del opened[-levels:]
            if not opened:
                regions.append((start, base + k))
        elif _opens(paragraph, k, opened):
            if not opened:
                start = base + k + 1
            opened.append(ch)
    if opened and start >= 0:
        regions.append((start, base + len(paragraph)))
    return regions


def _closing_levels(paragraph: str, k: int, opened: list[str]) -> int:
    """How many open quotes the mark at k closes (0: it closes none)."""
    ch = paragraph[k]
    if not opened:
        return 0
    if ch == "»":
        # every level that the closing marks left in the paragraph (after those that later
        # openings take) cannot close
        rest = paragraph[k + 1 :]
        later = rest.count("»") - rest.count("«")
        return min(len(opened), max(1, len(opened) - later))
    if ch == "“" and opened[-1] == "„":
        return 1  # „…“
    if ch in "“”" and opened[-1] == "“" and _closes(paragraph, k):
        return 1  # “…” inside «…»
    if ch == '"' and _straight_role(paragraph, k) in ("close", "both"):
        if opened[-1] != '"':
            return 0
        # one mark may close a nest: "…работать в формате "7/24", - добавил он"
        marks = (m.start() for m in _STRAIGHT_MARK.finditer(paragraph, k + 1))
        later = sum(_straight_role(paragraph, j) == "close" for j in marks)
        return min(len(opened), max(1, len(opened) - later))
    return 0


def _straight_role(paragraph: str, k: int) -> str | None:
    """Whether a straight quote opens (glued to the word after it), closes (glued to the word
    before), could do both (inside a word) or neither (spaces on both sides)."""
    if paragraph[k] != '"':
        return None
    before = paragraph[k - 1] if k else " "
    after = paragraph[k + 1] if k + 1 < len(paragraph) else " "
    opens = (after.isalnum() or after in "«„“(…-") and not before.isalnum()
    # "…сомнениями ", — написал он": a mark before punctuation closes, even after a space
    closes = (not before.isspace() and not after.isalnum()) or after in ",.;:!?)"
    if opens and closes:
        return "close" if after in ",.;:!?)" else "open"
    if opens or closes:
        return "open" if opens else "close"
    return "both" if before.isalnum() and after.isalnum() else None


def _opens(paragraph: str, k: int, opened: list[str]) -> bool:
    ch = paragraph[k]
    if ch in "«„":
        return True
    if ch == "“":
        return not _closes(paragraph, k)
    if ch == '"':
        return _straight_role(paragraph, k) in ("open", "both")
    return False


def _closes(line: str, k: int) -> bool:
    """A mark glued to the word before it and not to the word after it closes a quote."""
    before = line[k - 1] if k else " "
    after = line[k + 1] if k + 1 < len(line) else " "
    return not before.isspace() and not after.isalnum()


def author_words(text: str, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans of the author's words inside quotes, which are not the quote."""
    spans = []
    for a, b in regions:
        for found in text_shapes().author_words.finditer(text, a, b):
            spans.append(found.span("words"))
    return spans


def speech_quotes(analysis: Analysis, regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Quoted text that is speech rather than a name: a clause with a verb, long, set off as
    direct speech ("«Рост продолжится», — сказал он"), or after a colon ("Захарова: «…»")."""
    out = []
    starts = [t.start for t in analysis.tokens]
    for a, b in regions:
        shapes = text_shapes()
        if shapes.speech_after_quote.match(analysis.text, b) or shapes.speech_introduced.search(
            analysis.text, 0, a
        ):
            out.append((a, b))  # set off as direct speech, or introduced by "X:"
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
        subjects = [
            c
            for c in tokens[v].children
            if tokens[c].rel.startswith("nsubj") and not _credit(tokens, c, coref)
        ]
        # "В Минфине РБК подтвердили": a singular name is not the subject of a plural verb
        subjects = [c for c in subjects if _agrees_in_number(tokens, c, v, coref)]
        # "— пояснила E1.RU руководитель службы Алёна Гусарова": the outlet was told
        subjects = [_told_before_subject(tokens, v, c, coref) for c in subjects]
        if not subjects:  # "Как сообщила в понедельник, 9 сентября, министр Катарина Ленц, фонд …"
            subjects = _subject_lent_to_head(tokens, v)
        if len(subjects) > 1:
            # "Как заявил Цивилеву глава СУЭК Басов": the tagger may take the addressee for a
            # second subject; a word that cannot be nominative is not the speaker
            subjects = [c for c in subjects if not _inside_clause_of(tokens, c, subjects)]
            subjects = [c for c in subjects if self.can_be_nominative(tokens[c].text)] or subjects
        tok = tokens[v]
        if (
            tok.rel == "acl:relcl"
            and tok.head is not None
            and (not subjects or all(tokens[c].lemma == "который" for c in subjects))
        ):
            noun = tokens[tok.head]
            if subjects:  # "Хант, который сообщил": the noun the clause qualifies
                return True, coref.resolve(noun.index)
            if depth < 2 and noun.head is not None and tokens[noun.head].pos in ("VERB", "AUX"):
                # "Дэвис направил письмо, в котором сообщил": the subject of the letter's verb
                return self._subject(tokens, noun.head, coref, depth + 1)
        if subjects:
            # "Директор по стратегии …, в прошлом руководитель … Андрей Гаврилов уточнил": the
            # person in apposition to a role speaks, however long the chain before the name
            person = _named_in_apposition(tokens, subjects, coref)
            if person is not None:
                return True, person
            # "Вице-премьер РФ А. Новак заявил": the tagger may give the title and the name each
            # as a subject; the one that names somebody speaks
            speaker = _first_entity(subjects, coref)
            if speaker is None:  # "один из докладчиков … Питер Омтзигт сообщил"
                speaker = _first_entity([a for c in subjects for a in _appositions(tokens, c)], coref)
            return True, speaker
        if (
            depth < 2
            and tok.rel in ("conj", "xcomp", "advcl")
            and tok.head is not None
            and tokens[tok.head].pos in ("VERB", "AUX")
        ):
            return self._subject(tokens, tok.head, coref, depth + 1)
        return False, None

    def subject_of(self, tokens: list[Token], verb: int, coref: Coreference) -> int | None:
        """The entity the verb's subject names, if any."""
        return self._subject(tokens, verb, coref)[1]

    def _place(self, tokens: list[Token], v: int, coref: Coreference) -> int | None:
        """Where it was said: "в МИД сказали", "говорится в заявлении МИД РФ". Beside a
        document, "на X" is where it was filed: "в сообщении компании на Гонконгской бирже"."""
        places = [c for c in tokens[v].children if tokens[c].rel.startswith("obl")]
        documented = any(tokens[c].lemma in self.lex.source_nouns for c in places)
        for c in places:
            tok = tokens[c]
            cases = _case_words(tokens, c)
            if not cases & {"в", "на"}:
                continue
            if tok.lemma in self.lex.source_nouns:
                owner = self._document_owner(tokens, c, coref)
                if owner is not None:
                    return owner
                continue
            if documented and "в" not in cases:
                continue
            ent = coref.resolve(c)
            if ent is not None and coref.entities[ent].type in (ActorType.ORG, ActorType.LOC):
                return ent  # "в МИД сказали", "в Кремле заявили"
            if ent is None:  # "в секретариате ОПЕК указывали": a part of the body speaks for it
                owners = [k for k in tok.children if tokens[k].rel == "nmod" and not _case_words(tokens, k)]
                ent = _first_entity(owners, coref)
                if ent is not None and coref.entities[ent].type == ActorType.ORG:
                    return ent
        return None

    def _document_owner(self, tokens: list[Token], noun: int, coref: Coreference) -> int | None:
        """Whose statement, site or release it is: "в заявлении МИД РФ", "в сообщении на сайте
        авиакомпании", "в размещенном на странице компании оповещении"; a bare "в сообщении" is
        the one the article named before. An exchange it was filed on did not say it."""
        owner = _first_entity(self._owner_words(tokens, noun), coref)
        if owner is None and not any(tokens[c].rel in ("nmod", "amod") for c in tokens[noun].children):
            owner = coref.documents.get(tokens[noun].lemma)
        if owner is not None:
            coref.documents[tokens[noun].lemma] = owner
        return owner

    def _owner_words(self, tokens: list[Token], noun: int) -> list[int]:
        """Tokens after a source noun up to punctuation or a preposition (the next source noun
        after "на" goes on: "на сайте"), then the noun's own dependents in the same way."""
        words: list[int] = []
        k = noun + 1
        while k < len(tokens) and k < noun + 8 and tokens[k].sent == tokens[noun].sent:
            tok = tokens[k]
            if tok.pos == "ADP" and k + 1 < len(tokens) and tokens[k + 1].lemma in self.lex.source_nouns:
                k += 1
                continue
            if (tok.pos == "PUNCT" and tok.text not in _QUOTE_MARKS) or tok.pos == "ADP":
                break  # "в сообщении компании на Лондонской бирже": the exchange did not say it
            if tok.feats.get("Case") == "Dat":
                break  # "в интервью телеканалу Sky News": the one asking did not say it
            words.append(k)
            k += 1
        stack = [c for c in tokens[noun].children if c < noun]  # "в размещенном на странице … оповещении"
        while stack:
            c = stack.pop()
            if _case_words(tokens, c) and tokens[c].lemma not in self.lex.source_nouns:
                continue
            words.append(c)
            stack += [k for k in tokens[c].children if tokens[k].pos in ("NOUN", "PROPN", "ADJ", "VERB")]
        return words

    def _according(self, tokens: list[Token], i: int, coref: Coreference) -> int | None:
        """ "по словам X", "по его словам", "согласно заявлению X", "с точки зрения X"."""
        j, pron = i - 1, None
        if j >= 0 and tokens[j].pos in ("PRON", "DET"):
            pron, j = j, j - 1
        opening = next(
            (o for o in self.lex.according_openings if _lemmas_before(tokens, j + 1, len(o)) == o), None
        )
        if opening is None:
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
            if tokens[k].lemma in coref.lex.unnamed_sources:
                return None  # "по словам источника CNN": an unnamed source, not the outlet
        return None

    def speech_lemma(self, tokens: list[Token], i: int) -> str | None:
        """The lemma a token reports speech with: a speech verb ("заявил"), a stance ("уверен,
        что"), or a light verb with its partner ("дал понять")."""
        tok = tokens[i]
        if tok.pos in ("VERB", "AUX") and _finite(tok):
            if tok.lemma in self.lex.verbs:
                return tok.lemma
            partners = self.lex.light_verbs.get(tok.lemma, frozenset())
            if any(tokens[c].lemma in partners for c in tok.children):
                return tok.lemma
        if tok.pos == "ADJ" and tok.feats.get("Variant") == "Short" and tok.lemma in self.lex.stances:
            return tok.lemma
        return None

    def _verb_candidate(
        self, tokens: list[Token], i: int, lemma: str, coref: Coreference
    ) -> Attribution | None:
        tok = tokens[i]
        if self._reports_nothing(tokens, i, lemma):
            return None
        has_subject, speaker = self._subject(tokens, i, coref)
        if not has_subject:
            speaker = self._place(tokens, i, coref)
        if not has_subject and speaker is None:
            speaker = _beside(tokens, i, coref)
        if not has_subject and speaker is None:
            speaker = _subject_on_next_line(tokens, i, coref)
        cited = self._linked_source(tokens, i, coref)
        speaker = cited if cited is not None else speaker
        if lemma in _QUOTING:  # "— цитирует Исламова агентство": the one quoted spoke
            quoted_person = _first_entity([c for c in tok.children if tokens[c].rel == "obj"], coref)
            speaker = quoted_person if quoted_person is not None else speaker
        weak = lemma in self.lex.weak_verbs or lemma in self.lex.stances or lemma in self.lex.light_verbs
        placeless = speaker is None or coref.entities[speaker].type == ActorType.LOC
        if weak and (placeless or tok.rel in ("xcomp", "ccomp")):
            return None
        return Attribution(speaker, lemma, i)

    def _linked_source(self, tokens: list[Token], v: int, coref: Coreference) -> int | None:
        """ "передает Reuters со ссылкой на заявление президента МАУ Юрия Мирошникова": the
        outlet relays and the one it refers to spoke; nobody named ("на источники") leaves it."""
        holders = [v, *(c for c in tokens[v].children if tokens[c].rel.startswith("nsubj"))]
        for link in (c for h in holders for c in tokens[h].children):
            if tokens[link].lemma not in self.lex.link_nouns or "с" not in _case_words(tokens, link):
                continue
            for ref in tokens[link].children:
                if tokens[ref].rel == "nmod" and "на" in _case_words(tokens, ref):
                    return _cited(tokens, ref, coref)
        return None

    def _reports_nothing(self, tokens: list[Token], i: int, lemma: str) -> bool:
        """A speech verb that reports no words: denied with nothing said ("в компании не ответили
        на запрос"), refused ("отказались комментировать"), or one that speaks only with a
        clause and has none ("суд признал решение незаконным")."""
        tok = tokens[i]
        # "…, признал Сапего": an inverted verb hangs on the words it reports
        said = tok.rel == "parataxis" or any(tokens[c].rel in ("ccomp", "parataxis") for c in tok.children)
        denied = any(tokens[c].lemma == "не" and tokens[c].rel == "advmod" for c in tok.children)
        refused = tok.rel == "xcomp" and tok.head is not None and tokens[tok.head].lemma in self.lex.refusals
        return (denied and not said) or refused or (lemma in self.lex.clause_verbs and not said)

    def _according_candidate(self, tokens: list[Token], i: int, coref: Coreference) -> Attribution | None:
        """ "по словам X", "по данным X", "приводятся слова X"."""
        tok = tokens[i]
        speaker = self._according(tokens, i, coref)
        if speaker is not None:
            return Attribution(speaker, None, i)
        if tok.lemma in _SPEECH_NOUNS and _quoting_word(tokens, i) is not None:
            # "приводятся в сообщении слова вице-президента Сергея Степанова", "слова ее
            # директора по маркетингу Кенни Джейкобса" (the name in apposition to the role)
            speaker = _first_entity(tok.children, coref)
            if speaker is None:
                speaker = _first_entity([a for c in tok.children for a in _appositions(tokens, c)], coref)
            if speaker is not None:
                quoting = _quoting_word(tokens, i)
                return Attribution(speaker, tokens[quoting].lemma, quoting) if quoting is not None else None
        return None

    def _frame_wins(self, frame: Attribution, inner: Attribution | None, coref: Coreference) -> bool:
        """ "По данным X, …" frames the sentence unless the clause inside names its own source:
        a person or body with a verb of saying ("По данным Reuters, партия заявила"), not a
        place ("Франция предложила") and not a stance a person reports ("По словам Потанина,
        компания рассчитывает")."""
        if inner is None or inner.speaker is None or coref.entities[inner.speaker].type == ActorType.LOC:
            return True
        stance = inner.verb in self.lex.weak_verbs or inner.verb in self.lex.stances
        return stance and frame.speaker is not None and coref.entities[frame.speaker].type == ActorType.PER

    def attribute(self, analysis: Analysis, s: SentenceInfo, coref: Coreference, quoted: set[int]) -> None:
        """The sentence's speech verb and speaker: the main clause's verb wins over one deeper
        down, a named speaker over none, and an opening "По данным X," over an inner clause
        whose subject is a place or nobody ("По информации AP, Франция предложила …")."""
        tokens = analysis.tokens
        best: tuple[tuple[bool, bool, int, int], Attribution] | None = None
        frame: Attribution | None = None
        for i in range(s.first, s.last + 1):
            if i in quoted:
                continue
            tok = tokens[i]
            lemma = self.speech_lemma(tokens, i)
            if lemma is not None:
                cand = self._verb_candidate(tokens, i, lemma, coref)
            elif tok.lemma in self.lex.according_nouns and i > s.first:
                cand = self._according_candidate(tokens, i, coref)
                if cand is not None and cand.verb is None and _before_any_verb(tokens, s.first, i):
                    frame = cand
            else:
                continue
            if cand is None:
                continue
            # "…, сообщает «Украинская правда»" cites the outlet, not who said it
            citation = tok.lemma in _CITING and tok.feats.get("Tense") == "Pres"
            rank = (cand.speaker is None, citation, _depth(tokens, i), i)
            if best is None or rank < best[0]:
                best = (rank, cand)
        chosen = best[1] if best is not None else None
        if frame is not None and self._frame_wins(frame, chosen, coref):
            chosen = frame
        if chosen is not None:
            s.attribution = chosen
            s.speech = True
            if chosen.speaker is not None:
                coref.said(chosen.anchor, chosen.speaker)


def _beside(tokens: list[Token], verb: int, coref: Coreference) -> int | None:
    """When the parser gave the verb no subject at all: the nearest nominative name in the
    verb's own clause, before it ("поскольку Мэй с облегчением заявила") or right after it
    ("…, сообщил Иванов")."""
    for step in (-1, 1):
        k = verb + step
        while 0 <= k < len(tokens) and tokens[k].sent == tokens[verb].sent:
            tok = tokens[k]
            if tok.pos in ("PUNCT", "SCONJ", "CCONJ") or (tok.pos == "VERB" and step < 0):
                break
            mention = coref.by_token.get(k)
            if mention is not None:
                # "В Ryanair сообщили" names a place; "области URA.RU сообщили" no subject
                placed = mention.first > 0 and tokens[mention.first - 1].lemma in ("в", "на")
                agrees = placed or _agrees_in_number(tokens, k, verb, coref)
                if tok.feats.get("Case") in (None, "Nom") and agrees:
                    return mention.entity
                if step > 0:
                    break
            elif step > 0 and tok.pos == "NOUN" and tok.feats.get("Case") == "Nom":
                return coref.resolve(k)  # "…, - указал бывший глава ведомства": a role after the verb
            k += step
    return None


def _lemmas_before(tokens: list[Token], end: int, n: int) -> tuple[str, ...]:
    """Lemmas of the n tokens before `end` (fewer at the start of the text)."""
    return tuple(t.lemma for t in tokens[max(0, end - n) : end])


def _subject_on_next_line(tokens: list[Token], verb: int, coref: Coreference) -> int | None:
    """ "…, - сказал" at the end of a line and "ксендз Вальдемар Цисло, …" on the next: a
    sentence broken by the page's layout goes on in lowercase, subject first."""
    k = verb + 1
    while k < len(tokens) and tokens[k].pos == "PUNCT" and tokens[k].sent == tokens[verb].sent:
        k += 1
    if k >= len(tokens) or tokens[k].sent == tokens[verb].sent or not tokens[k].text[:1].islower():
        return None
    words: list[int] = []
    while k < len(tokens) and tokens[k].pos != "PUNCT" and len(words) < 6:
        words.append(k)
        k += 1
    return _first_entity(words, coref)


def _depth(tokens: list[Token], i: int) -> int:
    depth, head = 0, tokens[i].head
    while head is not None and depth < 20:
        head, depth = tokens[head].head, depth + 1
    return depth


def _before_any_verb(tokens: list[Token], first: int, i: int) -> bool:
    """No finite verb opens the sentence before token i: "По данным X, …" frames all of it."""
    return not any(tokens[k].pos in ("VERB", "AUX") and _finite(tokens[k]) for k in range(first, i))


def _finite(tok: Token) -> bool:
    """A clause's own verb: not an attributive participle ("представитель, отвечающий за")."""
    return tok.feats.get("VerbForm") != "Part" or tok.feats.get("Variant") == "Short"


_STATEMENT_NOUNS = load_lexicon().lemmas(Section.STATEMENT_NOUNS)  # "Такое мнение высказал X"


def about_this(tokens: list[Token], s: SentenceInfo) -> bool:
    """ "Об этом сообщил X", "Так заявил X", "Так X прокомментировал …", "Такое мнение
    высказал X": the sentence attributes the one before it ("Так, X отметил" gives an example)."""
    first = tokens[s.first]
    if first.lemma == "так" and s.first < s.last and tokens[s.first + 1].text != ",":
        return True
    if first.lemma == "такой" and s.first < s.last and tokens[s.first + 1].lemma in _STATEMENT_NOUNS:
        return True
    for i in range(s.first, min(s.last, s.first + 6)):
        if tokens[i].lemma == "о" and tokens[i + 1].lemma == "это":
            return True
    return False


def starts_with_dash(tokens: list[Token], s: SentenceInfo) -> bool:
    return tokens[s.first].text in _DASH


def _attributed(s: SentenceInfo | None) -> Attribution | None:
    return s.attribution if s and s.attribution and s.attribution.speaker is not None else None


def _appositions(tokens: list[Token], head: int, depth: int = 3) -> list[int]:
    """Words in apposition to a subject, however long the chain ("Британский политик, лидер
    партии …, Найджел Фарадж")."""
    out: list[int] = []
    for c in tokens[head].children:
        if tokens[c].rel in ("appos", "flat:name"):
            out.append(c)
            if depth > 1:
                out += _appositions(tokens, c, depth - 1)
    return out


def _subject_lent_to_head(tokens: list[Token], v: int) -> list[int]:
    """The subject of a "как"-clause the tagger hung on the main verb: of the main verb's two
    subjects, the one between the clause's verb and the other."""
    tok = tokens[v]
    if tok.lemma.endswith(endings(EndingSection.REFLEXIVE)):
        return []  # "Как говорится в сообщении Ryanair, более 90% рейсов …": no subject to lend
    if tok.head is None or not any(
        tokens[c].lemma == "как" and tokens[c].rel == "mark" for c in tok.children
    ):
        return []
    theirs = sorted(c for c in tokens[tok.head].children if tokens[c].rel.startswith("nsubj") and c > v)
    if len(theirs) < 2 or tokens[theirs[0]].feats.get("Case", "Nom") != "Nom":
        return []
    closed = any(tokens[k].text == "," for k in range(theirs[0] + 1, theirs[1]))
    return theirs[:1] if closed else []  # the clause ends with a comma before the main subject


def _quoting_word(tokens: list[Token], word: int) -> int | None:
    """The verb that quotes "слова X": its head, or, when the tagger hangs "слова" elsewhere,
    the quoting verb earlier in the same clause ("…», — приводятся в пресс-релизе слова X")."""
    head = tokens[word].head
    if head is not None and tokens[head].lemma in _QUOTING_WORDS:
        return head
    k = word - 1
    while k >= 0 and tokens[k].sent == tokens[word].sent and tokens[k].pos != "PUNCT" and word - k <= 6:
        if tokens[k].lemma in _QUOTING_WORDS:
            return k
        k -= 1
    return None


def _inside_clause_of(tokens: list[Token], word: int, subjects: list[int]) -> bool:
    """Whether the word lies in the comma-closed participial or relative clause of another
    subject: "Эта партия, настаивающая на казни Биби, призывала" (the tagger may take "Биби"
    for a subject)."""
    for other in subjects:
        for clause in tokens[other].children:
            if other == word or tokens[clause].rel not in ("acl", "acl:relcl") or clause < other:
                continue
            ends = [c for c in tokens[clause].children if tokens[c].rel == "punct" and c > clause]
            if ends and clause < word < max(ends):
                return True
            # "— сказал Надь, слова которого приводит агентство MTI": the clause runs on
            unbroken = all(tokens[k].pos != "PUNCT" for k in range(clause + 1, word))
            if not ends and tokens[clause].rel == "acl:relcl" and word > clause and unbroken:
                return True
    return False


def _credit(tokens: list[Token], word: int, coref: Coreference) -> bool:
    """ "INTERFAX.RU — Генеральный директор … сказал": an agency's credit opening the
    sentence, set off by a dash, is not the subject the tagger takes it for."""
    m = coref.by_token.get(word)
    if m is None or m.last + 1 >= len(tokens) or tokens[m.last + 1].text not in _DASH:
        return False
    return m.first == 0 or tokens[m.first - 1].sent != tokens[m.first].sent


def _named_in_apposition(tokens: list[Token], subjects: list[int], coref: Coreference) -> int | None:
    """A nominative person in apposition to a subject that is itself no name, or to a role
    conjoined with it ("Бывший замминистра, а ныне консультант Вячеслав Тарасенко")."""
    for c in subjects:
        if c in coref.by_token:
            continue
        roles = [k for k in tokens[c].children if tokens[k].rel == "conj" and tokens[k].pos == "NOUN"]
        for a in [*_appositions(tokens, c), *(a for k in roles for a in _appositions(tokens, k))]:
            m = coref.by_token.get(a)
            nominative = tokens[a].feats.get("Case") in (None, "Nom")
            if m is not None and coref.entities[m.entity].type == ActorType.PER and nominative:
                return m.entity
    return None


def _agrees_in_number(tokens: list[Token], subject: int, verb: int, coref: Coreference) -> bool:
    """A plural verb takes a plural name or several joined ones ("Мэй и Джонсон заявили").
    Only names are checked: a noun's form may be plural though tagged singular ("Авиакомпании
    считают"), and numerals take the genitive singular ("три судьи")."""
    tok = tokens[subject]
    named = tok.pos in ("PROPN", "X") or subject in coref.by_token
    if tokens[verb].feats.get("Number") != "Plur" or tok.feats.get("Number", "Sing") != "Sing" or not named:
        return True
    return any(tokens[c].rel == "conj" for c in tok.children)


def _told_before_subject(tokens: list[Token], verb: int, subject: int, coref: Coreference) -> int:
    """After an inverted speech verb, an organisation right before a nominative noun phrase
    is the one told, and that phrase is the subject: "— сообщила ТАСС глава компании …"."""
    m = coref.by_token.get(subject)
    if (
        subject < verb
        or m is None
        or coref.entities[m.entity].type != ActorType.ORG
        or m.last + 1 >= len(tokens)
    ):
        return subject
    nxt = tokens[m.last + 1]
    head = nxt.head if nxt.pos == "ADJ" else nxt.index
    if nxt.feats.get("Case") != "Nom" or nxt.pos not in ("NOUN", "PROPN", "ADJ") or head is None:
        return subject
    noun = tokens[head]
    if noun.pos not in ("NOUN", "PROPN") or noun.feats.get("Case") != "Nom" or m.first <= head <= m.last:
        return subject
    return head


def _case_words(tokens: list[Token], i: int) -> set[str]:
    """The prepositions a noun takes: {"в"} for "в заявлении"."""
    return {tokens[k].lemma for k in tokens[i].children if tokens[k].rel == "case"}


def _cited(tokens: list[Token], ref: int, coref: Coreference) -> int | None:
    """Whom a reference names: the person down its chain of genitives and appositions ("на
    заявление президента МАУ Юрия Мирошникова"), else the first body; a place says nothing,
    and a phrase of its own ("на брифинге") is where, not who."""
    chain = [ref]
    for k in chain:
        if len(chain) < 12:
            chain += [
                c
                for c in tokens[k].children
                if tokens[c].rel in ("nmod", "appos", "flat:name") and not _case_words(tokens, c)
            ]
    named = [coref.by_token[k].entity for k in chain if k in coref.by_token]
    resolved = [e for e in (coref.resolve(k) for k in chain) if e is not None]
    for pool in (named, resolved):
        kinds = [(coref.entities[e].type, e) for e in pool]
        best = next((e for t, e in kinds if t == ActorType.PER), None)
        best = best if best is not None else next((e for t, e in kinds if t != ActorType.LOC), None)
        if best is not None:
            return best
    return None


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


def _paragraphs(text: str) -> list[re.Match[str]]:
    """The text's non-blank lines: news prints one paragraph a line."""
    return [p for p in re.finditer(r"[^\n]+", text) if p.group().strip()]


def _within(infos: list[SentenceInfo], paragraph: re.Match[str]) -> list[SentenceInfo]:
    """The sentences that begin inside a paragraph."""
    return [s for s in infos if paragraph.start() <= s.start < paragraph.end()]


def _direct_speech(attr: Attribution, sentences: list[SentenceInfo]) -> None:
    """The sentences are someone's own words: quoted speech with that attribution where they
    have none of their own."""
    for s in sentences:
        s.is_quote = True
    _lend(attr, sentences)


def _dash_speech(analysis: Analysis, infos: list[SentenceInfo]) -> None:
    """ "– Руды … эффективно. Для Ревды это рабочие места, – сказал Андрей Чибис.": a
    paragraph of direct speech opened by a dash is attributed by its last sentence."""
    tokens = analysis.tokens
    for paragraph in _paragraphs(analysis.text):
        if paragraph.group().lstrip()[:1] not in _DASH:
            continue
        inside = _within(infos, paragraph)
        closing = _attributed(inside[-1]) if inside else None
        if closing is None or closing.anchor < 0 or not _after_dash(tokens, closing.anchor, inside[-1]):
            continue
        _direct_speech(closing, inside)


MIN_INTERVIEW_QUESTIONS = 2  # dash-led questions, each answered, that make a text an interview


def _interview_answers(analysis: Analysis, infos: list[SentenceInfo], coref: Coreference) -> None:
    """ "— Чего не хватает? — Людей. …": in an interview, every dash-led paragraph that answers
    a dash-led question is the words of the person the lead introduced speaking ("Зуев
    рассказал «Интерфаксу» …"). With no such person nobody is guessed."""
    paragraphs = _paragraphs(analysis.text)
    dashed = [p.group().lstrip()[:1] in _DASH for p in paragraphs]
    asked = [d and p.group().rstrip().endswith("?") for p, d in zip(paragraphs, dashed, strict=True)]
    answers = [k for k in range(1, len(paragraphs)) if asked[k - 1] and dashed[k] and not asked[k]]
    if len(answers) < MIN_INTERVIEW_QUESTIONS:
        return
    first_question = paragraphs[asked.index(True)].start()
    lead = [s for s in infos if s.stop <= first_question]
    asking = next((s for s in infos if s.start >= first_question), None)
    person = _interviewee(lead, coref)
    if person is None and asking is not None:
        person = _addressed(analysis.tokens, asking, coref)
    if person is None:
        return
    for k in answers:
        _direct_speech(Attribution(person, None, -1), _within(infos, paragraphs[k]))


def _interviewee(lead: list[SentenceInfo], coref: Coreference) -> int | None:
    """The last person the lead has speaking: the one the interview is with."""
    for s in reversed(lead):
        attr = s.attribution
        if (
            attr is not None
            and attr.speaker is not None
            and coref.entities[attr.speaker].type == ActorType.PER
        ):
            return attr.speaker
    return None


LABEL_WORDS = 4  # at most this many words before the colon of a speaker's label


def _labelled_paragraphs(analysis: Analysis, infos: list[SentenceInfo], coref: Coreference) -> None:
    """ "Кузьмин: Наоборот, самое время. …": a paragraph opened by a person's name and a colon
    is that person's words, as interview transcripts print them ("Forbes: …" asks)."""
    tokens = analysis.tokens
    for paragraph in _paragraphs(analysis.text):
        inside = _within(infos, paragraph)
        if not inside or inside[0].start != paragraph.start():
            continue
        s = inside[0]
        colon = next(
            (k for k in range(s.first, min(s.last, s.first + LABEL_WORDS) + 1) if tokens[k].text == ":"), None
        )
        m = coref.by_token.get(s.first)
        if (
            colon is None
            or m is None
            or m.last + 1 != colon
            or coref.entities[m.entity].type != ActorType.PER
        ):
            continue
        _direct_speech(Attribution(m.entity, None, -1), inside)


def _addressed(tokens: list[Token], question: SentenceInfo, coref: Coreference) -> int | None:
    """The person a question opens by calling by name: "— Тимур Рашидович, цены бьют рекорды"."""
    k = question.first
    while k <= question.last and tokens[k].pos == "PUNCT":
        k += 1
    m = coref.by_token.get(k)
    if m is None or coref.entities[m.entity].type != ActorType.PER or m.last + 1 > question.last:
        return None
    return m.entity if tokens[m.last + 1].text == "," else None


def _after_dash(tokens: list[Token], anchor: int, s: SentenceInfo) -> bool:
    """The speech verb follows ", –" inside its sentence: the attribution closing direct speech."""
    k = anchor - 1
    while k > s.first and tokens[k].pos != "PUNCT":
        k -= 1
    return tokens[k].text in _DASH and k > s.first


def _colon_speaker(
    tokens: list[Token], a: int, coref: Coreference, attributor: Attributor | None = None
) -> int | None:
    """ "Дмитриев: «…»": a name and a colon right before the quote; or the subject of the
    clause the colon ends: "он отправил Мэй письмо: «…»", "Косачев настроен мягче: «…»"."""
    k = bisect_left([t.start for t in tokens], a) - 1  # the opening mark
    while k >= 0 and tokens[k].pos == "PUNCT" and tokens[k].text != ":":
        k -= 1
    if k < 1 or tokens[k].text != ":" or tokens[k - 1].sent != tokens[k].sent:
        return None
    named = coref.resolve(k - 1)
    if named is not None or attributor is None:
        return named
    first = next(i for i in range(k, -1, -1) if i == 0 or tokens[i - 1].sent != tokens[k].sent)
    verbs = [i for i in range(first, k) if tokens[i].pos in ("VERB", "AUX") and _finite(tokens[i])]
    if not verbs:  # "Михаил Рябов, управляющий директор «Сферы»: «…»": the person introduced
        people = [i for i in range(first, k) if (m := coref.by_token.get(i)) and m.type == ActorType.PER]
        return _first_entity(people, coref)
    verb = min(verbs, key=lambda i: _depth(tokens, i))
    return attributor.subject_of(tokens, verb, coref)


def propagate(
    analysis: Analysis,
    infos: list[SentenceInfo],
    regions: list[tuple[int, int]],
    coref: Coreference,
    attributor: Attributor | None = None,
) -> None:
    """Attributions reach the sentences that carry no verb of their own, pass by pass: quotes
    over several sentences, paragraphs of dash-opened speech, first-person sentences before an
    inverted attribution, and the sentence before "Об этом сообщил X"."""
    for a, b in regions:
        _attribute_quote(analysis, infos, (a, b), coref, attributor)
    _dash_speech(analysis, infos)
    _interview_answers(analysis, infos, coref)
    _labelled_paragraphs(analysis, infos, coref)
    _lead_in(analysis, infos)
    _about_this(analysis, infos)


def _attribute_quote(
    analysis: Analysis,
    infos: list[SentenceInfo],
    region: tuple[int, int],
    coref: Coreference,
    attributor: Attributor | None,
) -> None:
    """A quote takes the attribution of the sentence that closes it, or opens it ("X заявил:
    «…»", "X: «…»", "X отметил:" as the paragraph before, "X отправил письмо: «…»"), or
    follows it ("— сказал он.", "Так заявил X.")."""
    tokens = analysis.tokens
    a, b = region
    inside = [s for s in infos if s.start < b and s.stop > a]
    if not inside:
        return
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
    elif interrupting := next((x for x in map(_attributed, inside) if x and _unquoted(x, coref)), None):
        attr = interrupting  # «…, — приводит его слова газета. — …»
    elif prev and _continues(tokens, prev, first, a, coref):
        attr = _attributed(prev)  # "X заявил, что … «…»": the quote goes on with the same person
    else:
        speaker = _colon_speaker(tokens, a, coref, attributor)
        if speaker is not None:
            attr = Attribution(speaker, None, -1)
    if attr is not None:
        _lend(attr, inside)


def _continues(
    tokens: list[Token], prev: SentenceInfo, first: SentenceInfo, a: int, coref: Coreference
) -> bool:
    """A quote that opens its sentence right after a person's reported speech, with no
    attribution of its own, continues that person's words."""
    said = _attributed(prev)
    if said is None or said.speaker is None or coref.entities[said.speaker].type != ActorType.PER:
        return False
    return tokens[first.first].start >= a - 1 and not prev.is_quote


def _unquoted(attr: Attribution, coref: Coreference) -> bool:
    return attr.anchor >= 0 and attr.anchor not in coref.quoted


def _lead_in(analysis: Analysis, infos: list[SentenceInfo]) -> None:
    """ "Мы не позволим заниматься вандализмом. Мы не позволим блокировать дороги, подчеркнул
    Хан.": unquoted first-person sentences right before speech closed by an inverted
    attribution, in the same paragraph, are the same speaker's words."""
    tokens, text = analysis.tokens, analysis.text
    for k, s in enumerate(infos):
        attr = _attributed(s)
        if attr is None or attr.anchor < 0 or not _inverted(tokens, attr.anchor, s):
            continue
        j = k - 1
        while j >= 0 and "\n" not in text[infos[j].stop : infos[j + 1].start]:
            before = infos[j]
            if _attributed(before) is not None or before.is_quote or not _first_person(tokens, before):
                break
            _lend(attr, [before])
            j -= 1


def _inverted(tokens: list[Token], anchor: int, s: SentenceInfo) -> bool:
    """The speech verb comes after the speech, behind a comma or dash, its subject after it:
    "…, подчеркнул Хан", "… - сказал Песков"."""
    k = anchor - 1
    while k > s.first and tokens[k].text in _DASH:
        k -= 1
    subjects = [c for c in tokens[anchor].children if tokens[c].rel.startswith("nsubj")]
    return k > s.first and tokens[k].text == "," and all(c > anchor for c in subjects)


def _first_person(tokens: list[Token], s: SentenceInfo) -> bool:
    """The sentence speaks as "я" or "мы": a first-person pronoun or verb."""
    return any(tokens[i].feats.get("Person") == "1" for i in range(s.first, s.last + 1))


def _about_this(analysis: Analysis, infos: list[SentenceInfo]) -> None:
    """ "Об этом сообщил X" attributes the sentence before it to X."""
    tokens = analysis.tokens
    for k in range(1, len(infos)):
        s, prev = infos[k], infos[k - 1]
        unattributed = prev.attribution is None or prev.attribution.speaker is None
        if s.attribution and s.attribution.speaker is not None and about_this(tokens, s) and unattributed:
            prev.attribution = Attribution(s.attribution.speaker, s.attribution.verb, s.attribution.anchor)
            prev.speech = True
