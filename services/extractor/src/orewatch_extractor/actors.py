"""Actors: NER spans -> mentions -> entities with one canonical name each.

Junk spans are dropped, organisations joined with their country, person names grouped
by surname (so "Дмитриев" is "Кирилл Дмитриев"), abbreviations and spelling variants
merged. Name forms and the alias table are in `names.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from orewatch_common.contracts import ActorType
from orewatch_lexicon.stemming import stem

from orewatch_extractor.morphology import name_endings
from orewatch_extractor.names import (
    Canonicaliser,
    Known,
    close,
    coordinated,
    is_initial,
    join_words,
    norm_key,
    person_words,
    same_word,
    stem_key,
)
from orewatch_extractor.nlp import Analysis, Span, Token
from orewatch_extractor.shapes import text_shapes

_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9.&'\-]*$")
_OPENING_QUOTES = frozenset({"«", '"', "„", "“"})


@dataclass(slots=True)
class Mention:
    first: int
    last: int  # inclusive token index
    type: ActorType
    name: str  # nominative form of this mention
    surface: str = ""
    nominative_votes: int = 0  # evidence the surface form is already nominative
    link: int | None = None  # index of the mention this one abbreviates: "… (ТЛП)"
    entity: int = -1
    key: tuple[str, ...] = ()  # merge key: word stems, a country by its canonical name
    stable: str | None = None  # "МИД Британии" -> "МИД Великобритании": same name in every article
    by_patronymic: bool = False  # "Александр Григорьевич": a first name and a patronymic, no surname
    unnamed: bool = False  # a body the tagger did not name ("министерство развития"): bodies.py


@dataclass(slots=True)
class Entity:
    name: str  # canonical: the same in every article ("Великобритания")
    type: ActorType
    key: str
    aliases: list[str] = field(default_factory=list)
    mentions: int = 0
    gender: str | None = None  # persons: for "он"/"она"
    display: str = ""  # the canonical name when the article uses it, else the article's own ("Британия")

    @property
    def shown(self) -> str:
        return self.display or self.name


def _is_junk(tokens: list[Token], type_: ActorType, canon: Canonicaliser, sent_first: bool) -> bool:
    text = " ".join(t.text for t in tokens)
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or not any(c.isupper() for c in letters):
        return True
    junk = canon.aliases.junk
    if norm_key(text) in junk or _junk_word(tokens[0], canon):
        return True  # "Читайте", "Telegram-канале"
    if len(tokens) == 1 and tokens[0].lemma in canon.aliases.quoted_name_kinds:
        return True  # "Компания" alone: the kind of an organisation, not its name
    first = tokens[0]
    if first.pos in ("ADV", "ADP", "CCONJ", "SCONJ", "PRON", "DET", "PART") or (
        first.pos == "VERB" and first.feats.get("VerbForm") != "Part"
    ):
        return True  # "Читайте", "После", "Если вы"; not "Соединенные Штаты"
    if len(tokens) == 1:
        tok = tokens[0]
        if tok.pos == "ADJ":
            return True  # "Московский"
        if (
            type_ == ActorType.PER
            and (tok.feats.get("Number") == "Plur" or tok.feats.get("Animacy") == "Inan")
            and canon.common_word(tok.text)
        ):
            return True  # "Диалогам"
        if (type_ == ActorType.PER or "-" in tok.text) and canon.person_noun(tok.text):
            return True  # "Христианка", "Папа", "Политик-голлист": a role, not a name
        if (sent_first or type_ == ActorType.PER) and tok.text[:1].isupper() and not tok.text.isupper():
            # a capital at the start of a sentence proves nothing, and a person is not
            # named by a common noun ("Диалогам"): keep only proper names
            return tok.pos != "PROPN" and canon.common_word(tok.text)
    return False


_NOMINATIVE_RELS = frozenset({"nsubj", "nsubj:pass", "root", "conj", "parataxis"})
# in apposition, a name is as nominative as the word it names: "адвокат Саиф уль-Малук" yes,
# "министра Фавада Чаудхри" no
_APPOSITIVE_RELS = frozenset({"appos", "flat:name"})
_ROMAN = re.compile(r"^[IVXLC]+$")


def _junk_word(tok: Token, canon: Canonicaliser) -> bool:
    """Site furniture by its lemma, alone or before a hyphen ("Читайте", "Telegram-канале")."""
    junk = canon.aliases.junk
    return tok.lemma in junk or tok.lemma.split("-")[0] in junk


def _trim_person(tokens: list[Token], first: int, last: int, canon: Canonicaliser) -> tuple[int, int]:
    """Drop words a person span ran on into ("христианке Асии Биби", "Джонсон Совсем")."""
    while first < last and (
        tokens[first].text[:1].islower()
        or (canon.common_word(tokens[first].text) and not _short_surname(tokens, first, canon))
    ):
        first += 1
    while (
        last > first
        and not _ROMAN.match(tokens[last].text)
        and not _name_part(tokens, last)
        and (
            tokens[last].pos not in ("PROPN", "NOUN", "X")
            or tokens[last].text[:1].islower()
            or (tokens[last].pos != "PROPN" and canon.common_word(tokens[last].text))
        )
    ):
        last -= 1
    return first, last


_PARTICLE_NAME = re.compile(r"^[a-zа-яё]{1,4}-[A-ZА-ЯЁ]")


def _name_part(tokens: list[Token], i: int) -> bool:
    """Lowercase words that are still part of a name: a particle joined to the name
    ("уль-Малук", "аль-Асад") or the rest of a word after an apostrophe ("О’лири")."""
    tok = tokens[i]
    if _PARTICLE_NAME.match(tok.text):
        return True
    if tok.text in "'’":
        return i + 1 < len(tokens) and tokens[i + 1].start == tok.stop and tokens[i - 1].stop == tok.start
    prev = tokens[i - 1] if i else None
    return prev is not None and prev.text in "'’" and prev.stop == tok.start and tok.text[:1].isalpha()


def _with_shared_head(tokens: list[Token], toks: list[Token]) -> list[Token]:
    """ "в Харьковской и Полтавской областях": the first adjective names a place with the
    noun the two share ("Харьковская область")."""
    if len(toks) != 1:
        return toks
    adj = toks[0]
    if adj.pos != "ADJ" or adj.head is None or adj.feats.get("Number") != "Sing":
        return toks  # "Пакистанские" alone is not a place
    after = tokens[adj.index + 1] if adj.index + 1 < len(tokens) else None
    if after is None or (after.pos != "CCONJ" and after.text != ","):
        return toks
    noun = tokens[adj.head]
    if noun.pos == "NOUN" and noun.index > toks[0].index and noun.feats.get("Number") == "Plur":
        return [*toks, noun]
    return toks


def _verb_gender(tokens: list[Token], head: Token) -> str | None:
    """Gender of the past-tense verb whose subject the mention is, or is in apposition to
    ("вице-министр … Айжан Бижанова рассказала"): a name's gender where the dictionary
    does not know the first name."""
    subject = head
    if head.rel in ("appos", "flat:name") and head.head is not None:
        subject = tokens[head.head]
    if not subject.rel.startswith("nsubj") or subject.head is None:
        return None
    return tokens[subject.head].feats.get("Gender")


def _spoken_gender(tokens: list[Token], mentions: list[Mention]) -> str | None:
    """The gender the person's own past-tense verbs give ("Марианн Тиссен заявила"), when they
    agree: better evidence for a foreign name than its ending."""
    genders = {g for m in mentions if (g := _own_verb_gender(tokens, m)) in ("Masc", "Fem")}
    return genders.pop() if len(genders) == 1 else None


def _own_verb_gender(tokens: list[Token], m: Mention) -> str | None:
    """Gender of the past-tense verb the mention alone is the subject of, through its
    appositions ("лидер Хадим Хусейн Ризви заявил"); none for a coordinated subject
    ("Ризви и его партия"), whose verb agrees with the group."""
    subject = tokens[m.first]
    for _ in range(3):
        if subject.rel.startswith("nsubj") or subject.head is None:
            break
        if subject.rel not in ("appos", "flat:name", "flat"):
            return None
        subject = tokens[subject.head]
    if not subject.rel.startswith("nsubj") or subject.head is None:
        return None
    if any(tokens[c].rel == "conj" for c in subject.children):
        return None
    return tokens[subject.head].feats.get("Gender")


def _short_surname(tokens: list[Token], i: int, canon: Canonicaliser) -> bool:
    """ "Линь Цзянь", "Си Цзиньпин": a one-syllable surname the dictionary also knows as a
    word, before a given name it does not know (Chinese and Korean names)."""
    tok, nxt = tokens[i], tokens[i + 1]
    return (
        tok.pos == "PROPN"
        and len(tok.text) <= 4
        and nxt.pos == "PROPN"
        and not canon.models.vocab.word_is_known(nxt.text.lower())
    )


def settle_dateline(analysis: Analysis, start: int) -> None:
    """The dateline's city is a place and its agency an organisation, whatever the tagger
    guessed ("Бишкек" as an organisation, "Кабар" as a person, "АСТАНА. КАЗИНФОРМ –
    Национальная атомная компания" as one name)."""
    found = text_shapes().dateline.match(analysis.text, start)
    if found is None or (not found.group("agency") and "," not in found.group(0)):
        return
    city = found.span("city")
    agency = found.span("agency") if found.group("agency") else (found.end(), found.end())
    tokens = analysis.tokens
    inside = [t.index for t in tokens if city[0] <= t.start and t.stop <= city[1]]
    if not inside:
        return
    after = max(city[1], agency[1])
    spans = [Span(ActorType.LOC, inside[0], inside[-1])]
    credited = [
        t.index for t in tokens if agency[0] <= t.start and t.stop <= agency[1] and t.text[:1].isalpha()
    ]
    if credited:
        spans.append(Span(ActorType.ORG, credited[0], credited[-1]))  # the agency is an organisation
    for span in analysis.spans:
        if tokens[span.last].stop <= city[0] or tokens[span.first].start >= after:
            spans.append(span)
        elif tokens[span.last].start >= after:  # "КАЗИНФОРМ – Национальная атомная компания …"
            first = next(i for i in range(span.first, span.last + 1) if tokens[i].start >= after)
            spans.append(Span(span.type, first, span.last))
    analysis.replace_spans(sorted(spans, key=lambda s: s.first))


def settle_patronymics(analysis: Analysis, canon: Canonicaliser) -> None:
    """A name with a patronymic is one person from first name to surname, whatever the tagger
    cut: "Тимур Рашидович" + "Назаров" join, "Егорович Винокуров" takes back its "Прокопий"
    (from an organisation's span too), and "Росуглепроф Николай Петрович Щербаков" drops the
    union before the first name."""
    tokens, spans = analysis.tokens, list(analysis.spans)
    out: list[Span] = []
    for span in spans:
        prev = out[-1] if out else None
        first_name_before = prev is not None and _first_name_before(tokens, prev, span, canon)
        if prev is not None and (
            _cut_after_patronymic(tokens, prev, span, canon)
            or (first_name_before and prev.first == prev.last)
        ):
            out[-1] = Span(
                ActorType.PER, prev.first, span.last
            )  # "Тимур Рашидович" + "Назаров", "Прокопий" + …
            continue
        first = span.first
        if (
            span.type == ActorType.PER
            and canon.patronymic(tokens[first].text)
            and _bare_name_before(tokens, first)
        ):
            first -= 1
        elif prev is not None and first_name_before:
            out[-1] = Span(prev.type, prev.first, prev.last - 1)  # "Ассоциации … Сибири Роман" + "Игоревич"
            first -= 1
        if span.type == ActorType.PER:
            first = next(
                (
                    k
                    for k in range(first + 1, span.last)
                    if canon.first_name(tokens[k].text) and canon.patronymic(tokens[k + 1].text)
                ),
                first,
            )
        out.append(Span(span.type, first, span.last))
    analysis.replace_spans(out)


def _adjacent(tokens: list[Token], prev: Span, span: Span) -> bool:
    """The span follows the other directly, in the same sentence."""
    return span.first == prev.last + 1 and tokens[span.first].sent == tokens[prev.last].sent


def _cut_after_patronymic(tokens: list[Token], prev: Span, span: Span, canon: Canonicaliser) -> bool:
    """Two person spans cut between patronymic and surname: "Тимур Рашидович" + "Назаров"."""
    return (
        prev.type == span.type == ActorType.PER
        and _adjacent(tokens, prev, span)
        and canon.patronymic(tokens[prev.last].text)
    )


def _first_name_before(tokens: list[Token], prev: Span, span: Span, canon: Canonicaliser) -> bool:
    """Whether the span before a name that opens with its patronymic ends in its first name:
    a lone "Прокопий" + "Егорович Винокуров", or "Ассоциации … Сибири Роман" + "Игоревич Плетнев"."""
    return (
        span.type == ActorType.PER
        and _adjacent(tokens, prev, span)
        and canon.patronymic(tokens[span.first].text)
        and canon.first_name(tokens[prev.last].text)
    )


def _bare_name_before(tokens: list[Token], i: int) -> bool:
    """A capitalised word of the same sentence, in no span, just before token i."""
    if i == 0:
        return False
    tok = tokens[i - 1]
    return tok.span is None and tok.sent == tokens[i].sent and tok.text[:1].isupper() and tok.text.isalpha()


def find_mentions(analysis: Analysis, canon: Canonicaliser) -> list[Mention]:
    """NER spans cleaned up: junk dropped, "МИД" + "России" joined into one organisation,
    "Техрик-э-Лабаик Пакистан (ТЛП)" split into a name and its abbreviation."""
    tokens = analysis.tokens
    sent_starts = {s.first for s in analysis.sents}
    mentions: list[Mention] = []
    spans = analysis.spans
    i = 0
    while i < len(spans):
        span = spans[i]
        first, type_ = span.first, span.type
        if first == span.last and _junk_word(tokens[first], canon):
            i += 1  # "Telegram-канале", before it joins the next name ("… Минэнерго")
            continue
        last, country, i = _joined_span(tokens, spans, i)
        i += 1
        for a, b, link in _parts(tokens, first, last, len(mentions)):
            bounds = _trimmed(tokens, a, b, type_, canon)
            if bounds is None:
                continue
            a, b = bounds
            toks = tokens[a : b + 1]
            named = _with_shared_head(tokens, toks)
            if not toks or _is_junk(named, type_, canon, a in sent_starts):
                continue
            if link is not None and (link >= len(mentions) or mentions[link].first != first):
                link = None
            mention = _mention(tokens, toks, a, type_, named, link, canon)
            if country and a < country[0] and country[1] == b:
                _key_with_country(tokens, mention, a, country, canon)
            mentions.append(mention)
    return mentions


def _joined_span(tokens: list[Token], spans: list[Span], i: int) -> tuple[int, tuple[int, int] | None, int]:
    """An organisation is named with its country: "МИД РФ", "Госдеп США", "Верховный суд
    Пакистана", or with the body it belongs to: "Департамент консульской службы МИД Украины".
    The joined span's last token, the country's tokens and the last span taken."""
    span = spans[i]
    last, type_ = span.last, span.type
    country: tuple[int, int] | None = None
    while type_ == ActorType.ORG and i + 1 < len(spans):
        nxt = spans[i + 1]
        nxt_tok = tokens[nxt.first]
        if (
            nxt.type in (ActorType.LOC, ActorType.ORG)
            and nxt.first == last + 1
            and nxt_tok.sent == tokens[last].sent
            and (nxt_tok.feats.get("Case") == "Gen" or nxt_tok.text.isupper())
            and tokens[last].text not in ')»"'
            and not _verb_dependent(tokens, nxt_tok)
        ):
            if nxt.type == ActorType.LOC:
                country = (nxt.first, nxt.last)
            last = nxt.last
            i += 1
        else:
            break
    return last, country, i


def _parts(tokens: list[Token], first: int, last: int, count: int) -> list[tuple[int, int, int | None]]:
    """The span, or its name and each alias in its brackets ("«Техрик-э-Лабаик» (Tehreek-i-Labaik,
    TLP)"), each alias linked to the mention the name will be (number `count`)."""
    paren = next((k for k in range(first + 1, last + 1) if tokens[k].text == "("), None)
    if paren is None:
        return [(first, last, None)]
    close_ = next((k for k in range(paren + 1, last + 1) if tokens[k].text == ")"), last + 1)
    commas = [k for k in range(paren + 1, close_) if tokens[k].text == ","]
    bounds = zip([paren, *commas], [*commas, close_], strict=True)
    return [(first, paren - 1, None)] + [(a + 1, b - 1, count) for a, b in bounds]


def _alnum(tok: Token) -> bool:
    return any(c.isalnum() for c in tok.text)


def _trimmed(
    tokens: list[Token], a: int, b: int, type_: ActorType, canon: Canonicaliser
) -> tuple[int, int] | None:
    """The name's own tokens: punctuation, run-on words and kind words around it dropped."""
    while a <= b and not _alnum(tokens[a]):
        a += 1
    while b >= a and not _alnum(tokens[b]):
        b -= 1
    if type_ == ActorType.PER and a <= b:
        a, b = _trim_person(tokens, a, b, canon)
    if a > b:
        return None
    if (
        type_ != ActorType.PER
        and a < b
        and canon.common_word(tokens[a].text)
        and all(_LATIN.match(t.text) for t in tokens[a + 1 : b + 1])
    ):
        a += 1  # "Бортпроводники Ryanair": a Russian word glued to a foreign name
    if type_ == ActorType.ORG:
        a, b = _trimmed_organisation(tokens, a, b, canon)
    while a <= b and not _alnum(tokens[a]):
        a += 1
    return a, b


def _trimmed_organisation(tokens: list[Token], a: int, b: int, canon: Canonicaliser) -> tuple[int, int]:
    if b + 1 < len(tokens) and tokens[b + 1].text == "+" and tokens[b + 1].start == tokens[b].stop:
        b += 1  # "ОПЕК+"
    while a < b and tokens[a].lemma in canon.aliases.org_prefixes:
        a += 1  # "ИА REGNUM", "газета «Известия»": the name is what follows
    a = _past_described_kind(tokens, a, b, canon.aliases.quoted_name_kinds)
    while (
        a + 1 < b
        and tokens[a].lemma in canon.aliases.quoted_name_kinds
        and tokens[a + 1].text in _OPENING_QUOTES
    ):
        a += 1  # "госкорпорация «Росатом»": the name is the quoted part
    return a, b


def _mention(
    tokens: list[Token],
    toks: list[Token],
    a: int,
    type_: ActorType,
    named: list[Token],
    link: int | None,
    canon: Canonicaliser,
) -> Mention:
    """The mention of tokens a..b: its nominative name, its votes that the text's form is
    the nominative, and its merge key. `toks` are its tokens, from a; `named` the words
    that name it (`toks` itself unless they share a head with the next name)."""
    b = a + len(toks) - 1
    head = next((t for t in toks if t.head is None or not a <= t.head <= b), toks[0])
    nominative = all(t.feats.get("Case") == "Nom" for t in toks) and _nominative_place(tokens, head)
    # a subject tagged oblique is the tagger's slip, not a vote ("Карима уль-Хасана сопроводили")
    subject = head.rel.startswith("nsubj") and head.feats.get("Case", "Nom") == "Nom"
    votes = 2 * subject + nominative
    if named is not toks or coordinated(named):
        votes = 0  # "Сумская и Черниговская области": the text's form is not the name
    after_prep = a > 0 and tokens[a - 1].pos == "ADP"
    name = canon.nominative(named, type_, after_prep, _verb_gender(tokens, head))
    mention = Mention(a, b, type_, name, join_words(toks, [t.text for t in toks]), votes, link)
    mention.key = tuple(stem(w) for w in norm_key(mention.name).split())
    return mention


def _key_with_country(
    tokens: list[Token], mention: Mention, a: int, country: tuple[int, int], canon: Canonicaliser
) -> None:
    """ "МИД Британии" and "МИД Великобритании" are one body: keyed and named by the
    country's canonical name."""
    loc = tokens[country[0] : country[1] + 1]
    known = canon.aliases.get(canon.nominative(loc, ActorType.LOC), join_words(loc, [t.text for t in loc]))
    if known:
        org_name = canon.nominative(tokens[a : country[0]], ActorType.ORG)
        # keyed like the same name in one span ("Совета ЕС"): word stems throughout
        mention.key = tuple(stem_key(f"{org_name} {known.name}").split())
        mention.stable = canon.with_country(org_name, known.name)


def _verb_dependent(tokens: list[Token], tok: Token) -> bool:
    """A name hung on a verb is no part of the name before it: "В Минфине РБК подтвердили"
    (the outlet told, the ministry is not "Минфин РБК")."""
    return tok.head is not None and tokens[tok.head].pos in ("VERB", "AUX")


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if len(w) > 2 or w.isupper()]
    return "".join(w[0] for w in words).upper()


@dataclass(slots=True)
class _Group:
    type: ActorType
    mentions: list[Mention] = field(default_factory=list)
    first: str = ""  # persons: first name
    last: str = ""  # persons: surname
    known: Known | None = None
    fixed: str | None = None  # name decided before shorter mentions were merged in

    def best_name(self, full_only: bool) -> str:
        """The form most often seen as a subject or tagged nominative, else the most frequent
        inflected form: the tagger is often wrong on foreign names, the text rarely is."""
        named = [m for m in self.mentions if not m.by_patronymic] or self.mentions
        pool = [m for m in named if not full_only or len(person_words(m.surface)) >= 2]
        pool = [m for m in pool if not is_initial(person_words(m.surface)[0])] or pool or self.mentions
        votes: dict[str, int] = {}
        counts: dict[str, int] = {}
        for m in pool:
            oblique = name_endings().oblique_ia_name(m.surface.split()[0]) and len(m.surface.split()) > 1
            votes[m.surface] = votes.get(m.surface, 0) + (0 if oblique else m.nominative_votes)
            counts[m.name] = counts.get(m.name, 0) + 1
        # on a tie a Russian form wins: "«Техрик-э-Лабаик» (Tehreek-i-Labaik)"
        surface, vote = max(votes.items(), key=lambda kv: (kv[1], _cyrillic(kv[0]), len(kv[0])))
        name = (
            surface
            if vote > 0
            else max(counts.items(), key=lambda kv: (kv[1], _cyrillic(kv[0]), len(kv[0])))[0]
        )
        if self.type == ActorType.PER:
            name = " ".join(person_words(name, split=False))
        if name.isupper() and " " not in name and len(name) >= (5 if self.type == ActorType.LOC else 6):
            name = name.title()  # a dateline's "МОСКВА", "МИНСК" (not "КНДР")
        return name


def _past_described_kind(tokens: list[Token], a: int, b: int, kinds: frozenset[str]) -> int:
    """Past the adjectives that describe a kind before a quoted name: "Пермская региональная
    авиакомпания «ПермьАвиа»" is named «ПермьАвиа» (the kind itself is dropped later)."""
    k = a
    while k < b and tokens[k].pos == "ADJ":
        k += 1
    if k > a and k + 1 < b and tokens[k].lemma in kinds and tokens[k + 1].text in _OPENING_QUOTES:
        return k
    return a


def _nominative_place(tokens: list[Token], head: Token) -> bool:
    """Whether the mention's head stands where a nominative goes."""
    if head.rel in _APPOSITIVE_RELS and head.head is not None:
        return tokens[head.head].feats.get("Case") == "Nom"
    return head.rel in _NOMINATIVE_RELS


def _cyrillic(name: str) -> bool:
    return any("а" <= c <= "я" or c == "ё" for c in name.lower())


class Merger:
    """Groups an article's mentions into entities with one canonical name each."""

    def __init__(self, canon: Canonicaliser) -> None:
        self.canon = canon

    def _name_words(self, m: Mention) -> list[str]:
        """Words that identify a person; "Александр Григорьевич" is a first name and a
        patronymic, so it names the Александр of the article, not a surname "Григорьевич"."""
        words = person_words(m.name)
        if len(words) == 2 and self.canon.patronymic(words[1]):
            m.by_patronymic = True
            return words[:1]
        return words

    def _persons(self, mentions: list[Mention]) -> list[_Group]:
        groups: list[_Group] = []
        singles: list[Mention] = []
        for m in mentions:
            words = self._name_words(m)
            if len(words) >= 2 and not is_initial(words[0]):
                first, last = words[0], words[-1]
                g = next(
                    (
                        g
                        for g in groups
                        if same_word(g.last, last) or (close(g.last.lower(), last.lower()) and len(last) > 3)
                        if same_word(g.first, first) or close(stem(g.first), stem(first))
                    ),
                    None,
                )
                if g is None:
                    g = _Group(ActorType.PER, first=first, last=last)
                    groups.append(g)
                g.mentions.append(m)
            else:
                singles.append(m)
        full = list(groups)
        for m in singles:
            words = self._name_words(m)
            word = words[-1]
            by_last = [g for g in full if same_word(g.last, word)]
            if len(words) > 1:  # "Т. Мэй": the initial must fit
                by_last = [g for g in by_last if g.first[:1].lower() == words[0][:1].lower()] or by_last
            by_first = [
                g
                for g in full
                if len(words) == 1
                and (same_word(g.first, word) or (len(word) > 3 and close(stem(g.first), stem(word))))
            ]
            if by_last:
                g = max(by_last, key=lambda g: len(g.mentions))
            elif len(by_first) == 1:
                g = by_first[0]
            else:
                g = next((g for g in groups if g not in full and same_word(g.last, word)), None)
                if g is None:
                    g = _Group(ActorType.PER, last=word)
                    groups.append(g)
            g.mentions.append(m)
        return groups

    def merge(self, analysis: Analysis, mentions: list[Mention]) -> list[Entity]:
        """Mentions of one actor become one entity: known names first, then persons by their
        names, short organisation names into the long ones, abbreviations and typos."""
        groups, known_groups, others, persons, linked = self._sort(mentions)
        person_groups = self._persons(persons)
        groups.extend(person_groups)
        _surnames_as_places(others, person_groups)
        _join_countryless(others, known_groups)
        live, names = _join_linked(mentions, groups, linked)
        _join_short_forms(live, names)
        entities: list[Entity] = []
        for g in groups:
            if g.mentions:
                entities.append(self._entity(analysis, g, len(entities)))
        return entities

    def _sort(
        self, mentions: list[Mention]
    ) -> tuple[list[_Group], dict[str, _Group], dict[tuple[str, ...], _Group], list[Mention], list[Mention]]:
        """Known names grouped by their canonical name, others by their key; persons and
        abbreviations that point at their name are set aside."""
        aliases = self.canon.aliases
        groups: list[_Group] = []
        known_groups: dict[str, _Group] = {}
        others: dict[tuple[str, ...], _Group] = {}
        persons: list[Mention] = []
        linked: list[Mention] = []
        for m in mentions:
            known = aliases.get(m.name, m.surface)
            if known:
                g = known_groups.get(known.name)
                if g is None:
                    g = known_groups[known.name] = _Group(known.type, known=known)
                    groups.append(g)
                g.mentions.append(m)
            elif m.link is not None:
                linked.append(m)
            elif m.type == ActorType.PER:
                persons.append(m)
            else:
                key = m.key
                g = others.get(key)
                if g is None:
                    g = others[key] = _Group(m.type)
                    groups.append(g)
                g.mentions.append(m)
        return groups, known_groups, others, persons, linked

    def _entity(self, analysis: Analysis, g: _Group, index: int) -> Entity:
        """The group's entity: its name, type, gender and aliases; its mentions point at it."""
        stable = [m.stable for m in g.mentions if m.stable]
        name = (
            g.known.name
            if g.known
            else g.fixed
            or (max(dict.fromkeys(stable), key=stable.count) if stable else None)
            or g.best_name(g.type == ActorType.PER and bool(g.first))
        )
        types = [m.type for m in g.mentions]
        type_ = g.known.type if g.known else max(dict.fromkeys(types), key=types.count)
        ent = Entity(name, type_, norm_key(name), display=self._display(g, name))
        if type_ == ActorType.PER:
            ent.gender = _spoken_gender(analysis.tokens, g.mentions) or self.canon.person_gender(
                name, [analysis.tokens[m.last] for m in g.mentions]
            )
        for m in g.mentions:
            m.entity = index
            ent.mentions += 1
            if norm_key(m.name) != norm_key(ent.shown) and m.name not in ent.aliases:
                ent.aliases.append(m.name)
        return ent

    def _display(self, g: _Group, canonical: str) -> str:
        """The name this article gives a known or re-spelled actor: the canonical one when the
        article uses it, else the article's most frequent form ("Британия", "МИД Соединенного
        Королевства"). Readers recognise the article's wording; the store links by the canonical."""
        if not (g.known or any(m.stable for m in g.mentions)):
            return canonical
        forms: list[str] = []
        for m in g.mentions:
            if g.known and self.canon.aliases.get(m.name, m.surface) == g.known:
                forms.append(self.canon.aliases.spelling(m.name, m.surface) or m.name)
            elif m.stable:
                forms.append(m.name)
        if not forms or any(norm_key(f) == norm_key(canonical) for f in forms):
            return canonical
        return max(dict.fromkeys(forms), key=lambda f: (forms.count(f), len(f)))


def one_actor_per_key(
    entities: list[Entity], mentions: list[Mention], keys: Callable[[Entity], tuple[Hashable, ...]]
) -> list[Entity]:
    """Entities sharing any of their keys become one, with all their mentions (re-pointed).

    The merge groups mentions by how they are written, and two groups can still come out
    under one name ("Совета ЕС" in one span and "Совет" + "Европейского союза" in two), while
    the store keeps one actor per canonical name and type and statements refer to an actor by
    its name and type: both must name exactly one entity.
    """
    parent = list(range(len(entities)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[Hashable, int] = {}
    for i, entity in enumerate(entities):
        for key in keys(entity):
            a, b = root(i), root(first_with.setdefault(key, i))
            parent[max(a, b)] = min(a, b)
    roots = [root(i) for i in range(len(entities))]
    if len(set(roots)) == len(entities):
        return entities
    members: dict[int, list[Entity]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, []).append(entities[i])
    position = {r: k for k, r in enumerate(members)}
    for m in mentions:
        m.entity = position[roots[m.entity]]
    return [_united(group) for group in members.values()]


def _united(group: list[Entity]) -> Entity:
    """One entity of several: named as the most mentioned one, the others' names its aliases."""
    if len(group) == 1:
        return group[0]
    main = max(group, key=lambda e: e.mentions)  # the first of equals: the article's first
    united = Entity(main.name, main.type, main.key, display=main.display, gender=main.gender)
    shown = norm_key(main.shown)
    for entity in group:
        united.mentions += entity.mentions
        united.gender = united.gender or entity.gender
        for alias in (entity.shown, *entity.aliases):
            if norm_key(alias) != shown and alias not in united.aliases:
                united.aliases.append(alias)
    return united


def recover_mentions(analysis: Analysis, mentions: list[Mention], entities: list[Entity]) -> list[Mention]:
    """Occurrences of an article's one-word names the tagger missed ("Путин" in a headline).

    natasha tags the same name in one sentence and not in the next; a proper noun that is
    a case form of a name already found in the article is that actor too.
    """
    covered = {i for m in mentions for i in range(m.first, m.last + 1)}
    by_stem: dict[str, set[int]] = {}
    for m in mentions:
        entity = entities[m.entity]
        words = person_words(entity.name, split=False)
        if entity.type == ActorType.PER and len(words) > 1:
            words = words[-1:]
        if len(words) == 1 and len(words[0]) >= 4:
            by_stem.setdefault(stem(words[0]), set()).add(m.entity)
    added = []
    for tok in analysis.tokens:
        if tok.index in covered or tok.pos != "PROPN" or not tok.text[:1].isupper():
            continue
        found = by_stem.get(stem(tok.text))
        if found and len(found) == 1:
            ent = next(iter(found))
            added.append(Mention(tok.index, tok.index, entities[ent].type, tok.text, tok.text, 0, None, ent))
            entities[ent].mentions += 1
    return sorted(mentions + added, key=lambda m: m.first)


def _surnames_as_places(others: dict[tuple[str, ...], _Group], person_groups: list[_Group]) -> None:
    """The tagger calls the same surname a person here and a place there ("Дэвис")."""
    for key, g in list(others.items()):
        if len(key) != 1:
            continue
        targets = [p for p in person_groups if p.first and same_word(p.last, key[0])]
        if len(targets) == 1:
            targets[0].mentions.extend(g.mentions)
            g.mentions = []
            del others[key]


def _longer_names(
    key: tuple[str, ...], g: _Group, others: dict[tuple[str, ...], _Group], known_groups: dict[str, _Group]
) -> list[_Group]:
    """Organisations whose names begin or end with this one's ("МИД" in "МИД Великобритании")."""
    longer = [
        h
        for k, h in others.items()
        if h is not g and len(k) > len(key) and (k[: len(key)] == key or k[-len(key) :] == key)
    ]
    longer += [
        h
        for h in known_groups.values()
        if h.type == ActorType.ORG
        and h.known is not None
        and len(norm_key(h.known.name).split()) > len(key)
        and tuple(stem(w) for w in norm_key(h.known.name).split()[: len(key)]) == key
    ]
    return longer


def _nearest_before(g: _Group, longer: list[_Group]) -> _Group | None:
    """Of several longer names, the one named last before this one, if any is."""
    if len(longer) == 1:
        return longer[0]
    pos = g.mentions[0].first
    before = [(max((x.first for x in h.mentions if x.first < pos), default=-1), h) for h in longer]
    dist, target = max(before, key=lambda b: b[0])
    return None if dist < 0 else target


def _absorb_short_name(target: _Group, g: _Group) -> None:
    long_name = target.known.name if target.known else target.best_name(False)
    short_name = g.best_name(False)
    extra = long_name.split()[len(short_name.split()) :]
    if not target.fixed:
        # "Ryanair Holdings" is "Ryanair" when that is what the article mostly says;
        # "МИД" is not "МИД Великобритании"'s better name
        latin_suffix = extra and all(_LATIN.match(w) for w in extra)
        more = len(g.mentions) > len(target.mentions)
        target.fixed = short_name if latin_suffix and more and not target.known else long_name
    target.mentions.extend(g.mentions)
    g.mentions = []


def _join_countryless(others: dict[tuple[str, ...], _Group], known_groups: dict[str, _Group]) -> None:
    """An organisation named without its country goes with the one naming it ("МИД" ->
    "МИД Великобритании"), the nearest before it when there are several."""
    keyed = [(k, g) for k, g in others.items() if g.type == ActorType.ORG]
    for key, g in keyed:
        longer = _longer_names(key, g, others, known_groups)
        target = _nearest_before(g, longer) if longer else None
        if target is None:
            continue
        _absorb_short_name(target, g)
        # absorbed: no longer a name of its own that a shorter one could join ("Vale" must
        # not pick "Vale Resources" once that is "Swiss Vale Resources")
        del others[key]


def _join_linked(
    mentions: list[Mention], groups: list[_Group], linked: list[Mention]
) -> tuple[list[_Group], dict[int, str]]:
    """An abbreviation after its name ("(ТЛП)") joins the name's group."""
    live = [g for g in groups if g.mentions]
    names = {id(g): (g.known.name if g.known else g.best_name(g.type == ActorType.PER)) for g in live}
    for m in linked:
        outer = mentions[m.link] if m.link is not None else None
        owner = next((g for g in live if any(x is outer for x in g.mentions)), None)
        if owner is None:
            owner = _Group(m.type)
            groups.append(owner)
            live.append(owner)
            names[id(owner)] = m.name
        owner.mentions.append(m)
    return live, names


def _join_short_forms(live: list[_Group], names: dict[int, str]) -> None:
    """Initials join their name ("ЦА" for "Центральная Азия"), a typo the name it misspells."""
    for g in live:
        name = names[id(g)]
        if g.known or not g.mentions:
            continue
        if name.isupper() and 2 <= len(name) <= 6:
            targets = [h for h in live if h is not g and h.mentions and _initials(names[id(h)]) == name]
            if len(targets) == 1:
                targets[0].mentions.extend(g.mentions)
                g.mentions = []
                continue
        if len(name) >= 8:
            targets = [
                h
                for h in live
                if h is not g
                and h.mentions
                and h.type == g.type
                and close(norm_key(names[id(h)]), norm_key(name))
            ]
            if targets and len(targets[0].mentions) >= len(g.mentions):
                targets[0].mentions.extend(g.mentions)
                g.mentions = []
