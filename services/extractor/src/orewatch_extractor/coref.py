"""The one coreference step: which entity does a word refer to?

Names, pronouns ("он"), titles ("президент России", bound to the person the article
names with that title anywhere in the text, else to the office holder of the day whom the
article names: `offices`) and organisation anaphors ("ведомство")
are all resolved here, so statement attribution and actor counting agree. Anything
that cannot be tied to an entity the article names resolves to None: never guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from orewatch_common.contracts import ActorType
from orewatch_lexicon.stemming import stem

from orewatch_extractor.actors import Entity, Mention
from orewatch_extractor.nlp import Analysis
from orewatch_extractor.offices import Offices, names_holder

TITLE_WINDOW = 8  # words between a title and the name it introduces
ANAPHOR_SENTS = 6  # how far back "ведомство" may look for its organisation
PRONOUN_SENTS = 3  # how far back "он" may look for its person
_CHAIN_POS = ("NOUN", "PROPN", "ADJ")


@dataclass(frozen=True, slots=True)
class Lexicon:
    titles: frozenset[str]
    org_anaphors: frozenset[str]
    pronouns: dict[str, str]  # lemma -> grammatical gender
    org_kinds: frozenset[str] = frozenset()  # "газета", "агентство": the name follows
    contractions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "замминистра"
    org_voices: frozenset[str] = frozenset()  # "представитель", "аналитик": speak for their ORG
    agency_anaphors: frozenset[str] = frozenset()  # "ведомство": a state body, never a company
    agency_name_starts: tuple[str, ...] = ()  # "мин", "федеральн": how state bodies' names begin
    title_synonyms: dict[tuple[str, ...], str] = field(default_factory=dict)  # "глава государства"
    title_equivalents: dict[str, str] = field(default_factory=dict)  # "спикер" -> "председатель"
    kind_families: dict[str, str] = field(default_factory=dict)  # "лоукостер" -> "компания"
    feminine_titles: frozenset[str] = frozenset()  # "королева", "госпожа": the title gives the gender
    unnamed_sources: frozenset[str] = frozenset()  # "источник": speaks for the body it is "в"
    dominant_families: frozenset[str] = frozenset()  # "компания" alone: the one the article is about
    members: dict[str, str] = field(default_factory=dict)  # "судьи" speak as the "суд"
    citing_verbs: frozenset[str] = frozenset()  # "пишет The Guardian": an outlet's verbs
    head_titles: frozenset[str] = frozenset()  # "председатель", "президент": who heads a body
    generic_heads: frozenset[str] = frozenset()  # "глава X": any head title of X
    outlet_kinds: tuple[str, ...] = ()  # "газета": what a citing outlet is later called


class Coreference:
    """Built once per article from its mentions; `resolve` answers for any token."""

    def __init__(
        self,
        analysis: Analysis,
        mentions: list[Mention],
        entities: list[Entity],
        lex: Lexicon,
        offices: Offices | None = None,
        day: date | None = None,
    ):
        self.tokens = analysis.tokens
        self.offices = offices
        self.day = day  # the article's date: who held an office then
        self.mentions = mentions
        self.entities = entities
        self.lex = lex
        self.by_token: dict[int, Mention] = {}
        for m in mentions:
            for i in range(m.first, m.last + 1):
                self.by_token[i] = m
        # subjects of a clause's own verb, not of an infinitive ("призвали Хана подать в отставку")
        self.subjects = {
            i
            for i, t in enumerate(self.tokens)
            if t.rel.startswith("nsubj")
            and (t.head is None or self.tokens[t.head].feats.get("VerbForm") != "Inf")
        }
        # "Депутат … Дмитрий Исламов предложил": the name in apposition to the subject is one too,
        # however long the chain ("Основатель X, бывший замминистра Игорь Лапин станет")
        apposed = [t for t in self.tokens if t.rel in ("appos", "flat:name") and t.head is not None]
        for _ in range(3):
            self.subjects |= {t.index for t in apposed if t.head in self.subjects}
        self.titles: dict[tuple[str, ...], set[int]] = {}
        self.titled: set[int] = set()  # persons the text introduced with a role
        for m in mentions:
            if entities[m.entity].type == ActorType.PER:
                self._bind_title(m)
        self.kinds: dict[str, list[tuple[int, int]]] = {}  # family -> (token, entity), in text order
        for m in mentions:
            if entities[m.entity].type == ActorType.ORG:
                self._bind_kind(m)
        self.quoted: set[int] = set()  # tokens inside quotes: the quoted speaker's words
        self.speakers: list[tuple[int, int]] = []  # (anchor token, entity) of attributed speech
        self.documents: dict[str, int] = {}  # "сообщение" -> whose message the article named last

    def said(self, anchor: int, entity: int) -> None:
        """Record that an entity was found speaking at a token: later pronouns and role
        nouns prefer whoever was speaking (salience)."""
        self.speakers.append((anchor, entity))

    # ---- titles ---------------------------------------------------------------------
    def _chain(self, start: int, stop: int) -> tuple[str, ...]:
        """Modifiers of a title, names replaced by their canonical entity ("России" = "РФ")."""
        out: list[str] = []
        seen: set[int] = set()
        for i in range(start, stop):
            m = self.by_token.get(i)
            if m is not None:
                if m.entity not in seen:
                    seen.add(m.entity)
                    out.append(self.entities[m.entity].name)
            else:
                out.append(self.tokens[i].lemma)
        return tuple(out)

    def _org_at(self, i: int) -> bool:
        m = self.by_token.get(i)
        return m is not None and self.entities[m.entity].type == ActorType.ORG

    def _genitive_chain_end(self, title: int) -> int:
        """End (exclusive) of the genitive words after a title: "министр иностранных дел России"."""
        j = title + 1
        sent = self.tokens[title].sent
        while j < len(self.tokens) and self.tokens[j].sent == sent:
            tok = self.tokens[j]
            m = self.by_token.get(j)
            if m is not None and self.entities[m.entity].type == ActorType.PER:
                if tok.feats.get("Case") != "Gen" or self.tokens[title].feats.get("Case") == "Gen":
                    break  # the name the title introduces, not "уполномоченный Путина"
                j = m.last + 1
                continue
            if tok.text in '«»"„“”' and (self._org_at(j - 1) or self._org_at(j + 1)):
                j += 1  # "аналитик «БКС Мир инвестиций» Кирилл Соколов": the quoted name goes on
                continue
            genitive = tok.pos in _CHAIN_POS and tok.feats.get("Case") == "Gen"
            acronym = tok.pos in ("PROPN", "NOUN") and tok.text.isupper()
            joined = (
                tok.pos == "CCONJ"
                and j + 1 < len(self.tokens)
                and self.tokens[j + 1].feats.get("Case") == "Gen"
                and j > title + 1
            )  # "министр промышленности и торговли"
            if m is None and not genitive and not acronym and not joined:
                break
            j += 1
        return j

    def _bind_title(self, m: Mention) -> None:
        """Remember "заместитель министра иностранных дел России" -> the person it introduces;
        the outermost title whose genitive chain reaches the name is the person's title."""
        first = m.first
        sent = self.tokens[first].sent
        title = None
        for t in range(first - 1, max(-1, first - TITLE_WINDOW), -1):
            tok = self.tokens[t]
            if tok.sent != sent or (tok.pos == "PUNCT" and tok.text not in '«»"„“”'):
                break  # "Аналитик «БКС Мир инвестиций» Кирилл Соколов": quote marks go on
            if self.role(tok.lemma) and t not in self.by_token and self._genitive_chain_end(t) == first:
                title = t
        if title is None:
            return
        key = (self.role(self.tokens[title].lemma) or "", *self._chain(title + 1, first))
        keys = [key, key[:1]]
        for contracted, expansion in self.lex.contractions.items():
            if key[: len(expansion)] == expansion:  # "заместитель министра" is "замминистра"
                keys += [(contracted, *key[len(expansion) :]), (contracted,)]
        for k in keys:
            self.titles.setdefault(k, set()).add(m.entity)
        self.titled.add(m.entity)

    def role(self, lemma: str) -> str | None:
        """The title a word is, hyphenated compounds included: "судья-председатель" and
        "политик-голлист" are a judge and a politician, "экс-глава" a head."""
        if lemma in self.lex.titles:
            return lemma
        parts = lemma.split("-")
        if len(parts) > 1:
            for part in (parts[0], "-".join(parts[1:]), parts[-1]):
                if part in self.lex.titles:
                    return part
        return None

    def _title(self, i: int) -> int | None:
        end = self._genitive_chain_end(i)
        case = self.tokens[i].feats.get("Case")
        if end < len(self.tokens) and end in self.by_token and self.tokens[end].sent == self.tokens[i].sent:
            m = self.by_token[end]
            if self.entities[m.entity].type == ActorType.PER:
                # "адвокат Биби Саиф уль-Малук": an indeclinable client, then the name in apposition
                after = self.by_token.get(m.last + 1)
                other = after.entity if after is not None and after.entity != m.entity else None
                if other is not None and self.entities[other].type == ActorType.PER:
                    return other
                if not (self.tokens[end].rel == "nmod" and self.tokens[end].head == i):
                    return m.entity  # appositive: "президент России Владимир Путин"
                # "юрист Саифа-ул-Мулука": the tagger's nominative, yet his client, not him
        for c in self.tokens[i].children:  # "уполномоченный … Кирилл Дмитриев"
            child = self.by_token.get(c)
            if (
                child is not None
                and self.entities[child.entity].type == ActorType.PER
                and self.tokens[c].feats.get("Case") == case
            ) and self.tokens[c].rel in ("appos", "flat:name", "flat", "nmod"):
                return child.entity
        key = (self.role(self.tokens[i].lemma) or self.tokens[i].lemma, *self._chain(i + 1, end))
        found = self.titles.get(key, set())
        if not found and len(key) > 1:  # "пресс-секретарь президента" of "… президента России Дмитрий Песков"
            found = set().union(*(p for title, p in self.titles.items() if title[: len(key)] == key))
        equivalent = self.lex.title_equivalents.get(key[0])
        if not found and equivalent is not None and len(key) > 1:
            found = self.titles.get((equivalent, *key[1:]), set())
        if not found and len(key) > 1 and key[0] in self.lex.generic_heads:
            found = self._headed_by(key[1:])
        synonym = self.lex.title_synonyms.get(key)
        if synonym is not None:  # "глава государства": the one president the article names
            found = set().union(*(people for title, people in self.titles.items() if title[0] == synonym))
        if found:
            return next(iter(found)) if len(found) == 1 else None
        return self._office_holder(i, end)

    def _headed_by(self, body: tuple[str, ...]) -> set[int]:
        """Everyone the text gave a head title of this body: "глава «Нафтогаза»" is the
        "председатель правления «Нафтогаза»" it named."""
        return {
            person
            for title, people in self.titles.items()
            if title[0] in self.lex.head_titles and len(title) > len(body) and title[-len(body) :] == body
            for person in people
        }

    def _office_holders(self, i: int, end: int) -> list[str]:
        """Who held the office a title names ("лидер США", "российский президент") on the
        article's date, by the office table; empty when the table does not know it."""
        if self.offices is None:
            return []
        country: str | None = None
        words = [self.tokens[i].lemma]
        for part in self._chain(i + 1, end):
            if country is None and part in self.offices.countries:
                country = part
            else:
                words.append(part)
        if country is None:
            known = self.offices.adjectives
            adjectives = [
                t.lemma for t in (self.tokens[c] for c in self.tokens[i].children) if t.rel == "amod"
            ]
            country = next((known[a] for a in adjectives if a in known), None)
        if country is None:
            return []
        return self.offices.holders(country, " ".join(words), self.day)

    def _office_holder(self, i: int, end: int) -> int | None:
        """The office holder of the article's day, if the article names exactly one such person."""
        holders = self._office_holders(i, end)
        found = {
            e
            for e, ent in enumerate(self.entities)
            if ent.type == ActorType.PER and any(names_holder(ent.name, h) for h in holders)
        }
        return next(iter(found)) if len(found) == 1 else None

    def title_mentions(self) -> list[tuple[int, int]]:
        """(token, entity) for titles standing alone for a person the article names."""
        out = []
        for i, tok in enumerate(self.tokens):
            if self.role(tok.lemma) and i not in self.by_token and tok.pos == "NOUN":
                end = self._genitive_chain_end(i)
                if end < len(self.tokens) and end in self.by_token:
                    continue  # the name follows: already a mention
                # a bare title counts only with its country's adjective ("американский лидер")
                entity = self._title(i) if end > i + 1 else self._office_holder(i, end)
                if entity is not None:
                    out.append((i, entity))
        return out

    # ---- kinds of organisation -----------------------------------------------------
    def _family(self, lemma: str) -> str | None:
        """The family a kind word belongs to ("лоукостер" and "авиакомпания" are companies)."""
        if lemma in self.lex.kind_families:
            return self.lex.kind_families[lemma]
        return lemma if lemma in self.lex.org_kinds else None

    def _bind_kind(self, m: Mention) -> None:
        """Remember "авиакомпания Ryanair", "лоукостер Ryanair", "Ryanair, ирландская авиакомпания":
        the kind the text gave a name, so that the kind word alone later stands for it."""
        tokens = self.tokens
        inside = range(m.first, m.last + 1)
        kinds = [
            t.head
            for t in (tokens[k] for k in inside)
            if t.rel in ("appos", "flat", "flat:name", "nmod") and t.head is not None and t.head not in inside
        ]
        kinds += [c for k in inside for c in tokens[k].children if tokens[c].rel == "appos"]
        k = m.first - 1
        while k >= 0 and (tokens[k].pos == "ADJ" or tokens[k].text in '«"„“'):
            k -= 1
        if k >= 0 and tokens[k].sent == tokens[m.first].sent:
            kinds.append(k)
        head = next((tokens[k] for k in inside if tokens[k].head not in inside), tokens[m.first])
        if head.rel.startswith("nsubj") and head.head is not None:
            verb = tokens[head.head]
            if verb.lemma in self.lex.citing_verbs and verb.feats.get("Tense") == "Pres":
                for outlet in self.lex.outlet_kinds[:1]:  # "пишет The Guardian", for a later "газета"
                    self.kinds.setdefault(self._family(outlet) or outlet, []).append((m.first, m.entity))
        for k in kinds:
            family = self._family(tokens[k].lemma)
            case, head_case = tokens[k].feats.get("Case"), head.feats.get("Case")
            # "авиакомпании Ryanair", "партией «Яблоко»": neither declines (but "в банке «Интерфаксу»"
            # is a dative of its own)
            quoted = m.first > 0 and tokens[m.first - 1].text in '«"„“' and head_case == "Nom"
            if quoted or not any("а" <= c <= "я" for c in head.text.lower()):
                head_case = None
            if family is None or k in self.by_token or (case and head_case and case != head_case):
                continue  # "работников авиакомпании Рижский аэропорт": no apposition across cases
            self.kinds.setdefault(family, []).append((m.first, m.entity))

    def _kind_referent(self, i: int, lemma: str | None = None) -> int | None:
        """ "Компания уверяет", "в авиакомпании пояснили", "Суд заявил": the organisation the
        text gave that kind, else the one whose name holds the word ("Верховный суд Пакистана")."""
        lemma = lemma or self.tokens[i].lemma
        family = self._family(lemma)
        bound = self.kinds.get(family or "", [])
        before = [entity for pos, entity in bound if pos < i]
        if before:
            return before[-1]
        if len({entity for _, entity in bound}) == 1:
            return bound[0][1]
        holder = self._name_holding(i, lemma)
        if holder is None and not bound and family in self.lex.dominant_families:
            return self._dominant_organisation()  # "в банке сообщили" after "Дальневосточный банк": that bank
        return holder

    def _name_holding(self, i: int, lemma: str) -> int | None:
        """The organisation named just before whose name holds the kind word."""
        root = stem(lemma)
        for m in reversed(self.mentions):
            if m.last >= i or self.tokens[i].sent - self.tokens[m.first].sent > ANAPHOR_SENTS:
                continue
            ent = self.entities[m.entity]
            words = ent.name.lower().split()
            if ent.type == ActorType.ORG and any(stem(w) == root or w.endswith(lemma) for w in words):
                return m.entity
        return None

    def _dominant_organisation(self) -> int | None:
        """ "Компания уверяет" in an article that never says which company: the organisation
        the article is about, named clearly more often than any other and given no other kind."""
        other_kinds = {entity for bindings in self.kinds.values() for _, entity in bindings}
        counts: dict[int, int] = {}
        for m in self.mentions:
            if self.entities[m.entity].type == ActorType.ORG and m.entity not in other_kinds:
                counts[m.entity] = counts.get(m.entity, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        if not ranked or (len(ranked) > 1 and (ranked[0][1] < 2 or ranked[1][1] * 2 > ranked[0][1])):
            return None  # the only organisation named, or one named twice as often as any other
        return ranked[0][0]

    # ---- salience ---------------------------------------------------------------------
    def _agrees(self, entity: int, gender: str | None) -> bool:
        known = self.entities[entity].gender
        return not gender or not known or known == gender

    def _speaking_gender(self, i: int) -> str | None:
        """The gender the sentence gives a role noun: its verb's ("премьер добавила"), or the
        title's own where it has one ("королева")."""
        tok = self.tokens[i]
        if tok.lemma in self.lex.feminine_titles:
            return "Fem"
        if tok.head is not None and tok.rel.startswith("nsubj"):
            return self.tokens[tok.head].feats.get("Gender")
        return None

    def _salient_person(
        self, i: int, gender: str | None, sents: int = PRONOUN_SENTS, others: frozenset[int] = frozenset()
    ) -> int | None:
        """The person most recently speaking or acting as a subject before token i, outside
        quotes, who agrees in gender: whom "он", "политик" or "министр" refers to."""
        sent = self.tokens[i].sent
        people = [
            (pos, entity) for pos, entity in self.speakers if self.entities[entity].type == ActorType.PER
        ]
        events = [(pos, entity, True) for pos, entity in people if pos < i]
        events += [
            (m.last, m.entity, any(k in self.subjects for k in range(m.first, m.last + 1)))
            for m in self.mentions
            if m.last < i and self.entities[m.entity].type == ActorType.PER and m.first not in self.quoted
        ]
        events = [
            e
            for e in events
            if sent - self.tokens[e[0]].sent <= sents and self._agrees(e[1], gender) and e[1] not in others
        ]
        events.sort(reverse=True)
        subject = next((entity for _, entity, is_subject in events if is_subject), None)
        return subject if subject is not None else (events[0][1] if events else None)

    # ---- pronouns and anaphors ------------------------------------------------------
    def _last(
        self, i: int, type_: ActorType, gender: str | None = None, accept: Callable[[int], bool] | None = None
    ) -> int | None:
        """The last entity of a type named before token i, preferring subjects (salience)."""
        limit = PRONOUN_SENTS if type_ == ActorType.PER else ANAPHOR_SENTS
        best: int | None = None
        for m in reversed(self.mentions):
            if m.last >= i or self.entities[m.entity].type != type_:
                continue
            if self.tokens[i].sent - self.tokens[m.first].sent > limit:
                break
            if accept is not None and not accept(m.entity):
                continue
            if gender:
                g = self.entities[m.entity].gender
                if g and g != gender:
                    continue
            if type_ != ActorType.PER or any(k in self.subjects for k in range(m.first, m.last + 1)):
                return m.entity
            if best is None:
                best = m.entity
        return best

    def _named_with(self, i: int) -> int | None:
        """The name a role noun or a kind of organisation has in apposition, whatever the
        role ("аким области Ермек Кошербаев", "лоукостер Ryanair", "профсоюз пилотов Cockpit")."""
        tok = self.tokens[i]
        if tok.pos not in ("NOUN", "PROPN"):
            return None
        wanted = (ActorType.ORG,) if self._family(tok.lemma) is not None else (ActorType.PER,)
        heads = [i]
        if wanted == (ActorType.ORG,):  # the name may hang on the genitive: "профсоюз пилотов Cockpit"
            heads += [c for c in tok.children if self.tokens[c].rel == "nmod"]
        case = tok.feats.get("Case")
        for head in heads:
            for c in self.tokens[head].children:
                m = self.by_token.get(c)
                if (
                    m is not None
                    and self.tokens[c].rel in ("appos", "flat:name", "flat")
                    and self.entities[m.entity].type in wanted
                    and self.tokens[c].feats.get("Case") in (None, case)  # "юрист Саифа": his client
                ):
                    return m.entity
        return None

    def _spokesperson(self, i: int) -> int | None:
        """ "— добавил представитель Кремля" right after the press secretary spoke: the person
        just speaking, if the text introduced them as someone's voice."""
        voices = {p for key, people in self.titles.items() if key[0] in self.lex.org_voices for p in people}
        person = self._salient_person(i, self._speaking_gender(i), sents=2)
        return person if person in voices else None

    def _voiced_org(self, i: int) -> int | None:
        """The organisation a spokesperson or analyst speaks for: the ORG of its genitive
        ("представитель Минфина", "аналитики Goldman Sachs"), not one after a preposition
        ("эксперт из МГУ" is a person of his own)."""
        end = self._genitive_chain_end(i)
        for k in range(end, min(end + 3, len(self.tokens))):
            m = self.by_token.get(k)
            if m is not None and self.entities[m.entity].type == ActorType.PER:
                return None  # a person is named with the role, though not recognised as such
        for c in self.tokens[i].children:
            tok = self.tokens[c]
            if tok.rel != "nmod" or self._prepositional(c):
                continue
            # the name itself, or the name its legal form introduces ("ПАО «ГМК «Норильский никель»")
            for k in (c, *(k for k in tok.children if self.tokens[k].rel in ("appos", "flat", "flat:name"))):
                m = self.by_token.get(k)
                if m is not None and self.entities[m.entity].type in (ActorType.ORG, ActorType.LOC):
                    return m.entity  # "представитель Минфина", "пресс-секретарь Даунинг-стрит"
            if self._family(tok.lemma) is not None:  # "представитель компании"
                return self._kind_referent(c)
        return None

    def resolve(self, i: int) -> int | None:
        """Entity a token refers to, or None."""
        m = self.by_token.get(i)
        if m is not None:
            return m.entity
        tok = self.tokens[i]
        if tok.lemma in self.lex.pronouns and tok.pos in ("PRON", "DET"):
            return self._salient_person(i, self.lex.pronouns[tok.lemma])
        plural = tok.feats.get("Number") == "Plur"  # "аналитики компании": never one named person
        role = self.role(tok.lemma)
        person = self._person_by_role(i) if role and not plural else None
        if person is None and not plural:
            person = self._named_with(i)
        if person is not None:
            return person
        if tok.lemma in self.lex.unnamed_sources:
            return self._source_body(i)
        if plural and tok.lemma in self.lex.members:  # "отметили судьи": the court speaks
            return self._kind_referent(i, self.lex.members[tok.lemma])
        if role and role not in self.lex.org_voices:
            return None
        if tok.lemma in self.lex.org_voices:
            return self._voiced_org(i)
        return self._organisation(i)

    def _person_by_role(self, i: int) -> int | None:
        """ "министр подчеркнул": the person the text gave that role; else, when no office
        table says who holds it, the person just speaking who agrees in gender."""
        person = self._title(i)
        if person is not None:
            return person
        if self.tokens[i].lemma in self.lex.org_voices:
            return self._spokesperson(i)
        end = self._genitive_chain_end(i)
        if self._office_holders(i, end):
            return None  # the table knows the office, and its holder is not named: never guess
        gender = self._speaking_gender(i)
        if end == i + 1:
            return self._salient_person(i, gender)
        # "адвокат Асии", "юрист Саифа-ул-Мулука": a role of someone named is somebody else
        dependents = [c for c in self.tokens[i].children if self.tokens[c].rel == "nmod"]
        others = frozenset(
            m.entity for k in [*range(i + 1, end), *dependents] if (m := self.by_token.get(k)) is not None
        )
        person = self._salient_person(i, gender, sents=2, others=others)
        if person is not None and self._serves_elsewhere(person, i, end):
            return None
        return person

    def _serves_elsewhere(self, person: int, i: int, end: int) -> bool:
        """The person's own titles name other bodies or countries than this one ("глава МИД
        Турции" after "президент России Владимир Путин")."""
        names = {e.name for e in self.entities}
        here = set(self._chain(i + 1, end)) & names
        theirs = {part for key, people in self.titles.items() if person in people for part in key} & names
        return bool(here and theirs and not here & theirs)

    def _source_body(self, i: int) -> int | None:
        """ "источник в авиакомпании": an unnamed source speaks for the body it is in, never for
        the outlet that quotes it ("источник CNN")."""
        for c in self.tokens[i].children:
            cases = {self.tokens[k].lemma for k in self.tokens[c].children if self.tokens[k].rel == "case"}
            if cases & {"в", "во"}:
                entity = self.resolve(c)
                if entity is not None and self.entities[entity].type in (ActorType.ORG, ActorType.LOC):
                    return entity
        return None

    def _organisation(self, i: int) -> int | None:
        """A kind of organisation or an anaphor: "газета «Коммерсантъ»", "ведомство", "компания"."""
        tok = self.tokens[i]
        if tok.lemma in self.lex.org_kinds or tok.lemma in self.lex.org_anaphors:
            for c in tok.children:  # "газета «Коммерсантъ» сообщила", not "компании на бирже"
                if self._prepositional(c):
                    continue
                m = self.by_token.get(c)
                if m is not None and self.entities[m.entity].type == ActorType.ORG:
                    return m.entity
        if tok.lemma in self.lex.agency_anaphors:
            return self._last(i, ActorType.ORG, accept=self._is_agency)
        if tok.lemma in self.lex.org_anaphors:
            return self._last(i, ActorType.ORG)
        if self._family(tok.lemma) is not None and tok.feats.get("Number") != "Plur":
            return self._kind_referent(i)
        return None

    def _prepositional(self, i: int) -> bool:
        """The word has a preposition of its own ("на бирже", "из МГУ")."""
        return any(self.tokens[k].rel == "case" for k in self.tokens[i].children)

    def _is_agency(self, entity: int) -> bool:
        """A state body by its name ("Минфин США", "Федеральная служба …"), not a company."""
        ent = self.entities[entity]
        names = {ent.name, *ent.aliases}
        return any(name.lower().startswith(self.lex.agency_name_starts) for name in names)
