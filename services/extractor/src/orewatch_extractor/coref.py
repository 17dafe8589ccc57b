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
        self.subjects = {i for i, t in enumerate(self.tokens) if t.rel.startswith("nsubj")}
        # "Депутат … Дмитрий Исламов предложил": the name in apposition to the subject is one too
        self.subjects |= {
            i
            for i, t in enumerate(self.tokens)
            if t.rel in ("appos", "flat:name") and t.head is not None and t.head in self.subjects
        }
        self.titles: dict[tuple[str, ...], set[int]] = {}
        for m in mentions:
            if entities[m.entity].type == "PER":
                self._bind_title(m)

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

    def _genitive_chain_end(self, title: int) -> int:
        """End (exclusive) of the genitive words after a title: "министр иностранных дел России"."""
        j = title + 1
        sent = self.tokens[title].sent
        while j < len(self.tokens) and self.tokens[j].sent == sent:
            tok = self.tokens[j]
            m = self.by_token.get(j)
            if m is not None and self.entities[m.entity].type == "PER":
                if tok.feats.get("Case") != "Gen" or self.tokens[title].feats.get("Case") == "Gen":
                    break  # the name the title introduces, not "уполномоченный Путина"
                j = m.last + 1
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
            if tok.sent != sent or tok.pos == "PUNCT":
                break
            if (
                tok.lemma in self.lex.titles
                and t not in self.by_token
                and self._genitive_chain_end(t) == first
            ):
                title = t
        if title is None:
            return
        key = (self.tokens[title].lemma, *self._chain(title + 1, first))
        keys = [key, key[:1]]
        for contracted, expansion in self.lex.contractions.items():
            if key[: len(expansion)] == expansion:  # "заместитель министра" is "замминистра"
                keys += [(contracted, *key[len(expansion) :]), (contracted,)]
        for k in keys:
            self.titles.setdefault(k, set()).add(m.entity)

    def _title(self, i: int) -> int | None:
        end = self._genitive_chain_end(i)
        case = self.tokens[i].feats.get("Case")
        if end < len(self.tokens) and end in self.by_token and self.tokens[end].sent == self.tokens[i].sent:
            m = self.by_token[end]
            if self.entities[m.entity].type == "PER":
                return m.entity  # appositive: "президент России Владимир Путин"
        for c in self.tokens[i].children:  # "уполномоченный … Кирилл Дмитриев"
            child = self.by_token.get(c)
            if (
                child is not None
                and self.entities[child.entity].type == "PER"
                and self.tokens[c].feats.get("Case") == case
            ) and self.tokens[c].rel in ("appos", "flat:name", "flat", "nmod"):
                return child.entity
        key = (self.tokens[i].lemma, *self._chain(i + 1, end))
        found = self.titles.get(key, set())
        equivalent = self.lex.title_equivalents.get(key[0])
        if not found and equivalent is not None and len(key) > 1:
            found = self.titles.get((equivalent, *key[1:]), set())
        synonym = self.lex.title_synonyms.get(key)
        if synonym is not None:  # "глава государства": the one president the article names
            found = set().union(*(people for title, people in self.titles.items() if title[0] == synonym))
        if found:
            return next(iter(found)) if len(found) == 1 else None
        return self._office_holder(i, end)

    def _office_holder(self, i: int, end: int) -> int | None:
        """ "лидер США", "российский президент": the holder of that office on the article's
        date, if the article names exactly one such person."""
        if self.offices is None:
            return None
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
            return None
        holders = self.offices.holders(country, " ".join(words), self.day)
        found = {
            e
            for e, ent in enumerate(self.entities)
            if ent.type == "PER" and any(names_holder(ent.name, h) for h in holders)
        }
        return next(iter(found)) if len(found) == 1 else None

    def title_mentions(self) -> list[tuple[int, int]]:
        """(token, entity) for titles standing alone for a person the article names."""
        out = []
        for i, tok in enumerate(self.tokens):
            if tok.lemma in self.lex.titles and i not in self.by_token and tok.pos == "NOUN":
                end = self._genitive_chain_end(i)
                if end < len(self.tokens) and end in self.by_token:
                    continue  # the name follows: already a mention
                # a bare title counts only with its country's adjective ("американский лидер")
                entity = self._title(i) if end > i + 1 else self._office_holder(i, end)
                if entity is not None:
                    out.append((i, entity))
        return out

    # ---- pronouns and anaphors ------------------------------------------------------
    def _last(
        self, i: int, type_: str, gender: str | None = None, accept: Callable[[int], bool] | None = None
    ) -> int | None:
        """The last entity of a type named before token i, preferring subjects (salience)."""
        limit = PRONOUN_SENTS if type_ == "PER" else ANAPHOR_SENTS
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
            if type_ != "PER" or any(k in self.subjects for k in range(m.first, m.last + 1)):
                return m.entity
            if best is None:
                best = m.entity
        return best

    def _named_with(self, i: int) -> int | None:
        """The person a role noun names in apposition, whatever the role ("аким области
        Ермек Кошербаев", "омбудсмен Татьяна Москалькова")."""
        if self.tokens[i].pos not in ("NOUN", "PROPN"):
            return None
        for c in self.tokens[i].children:
            m = self.by_token.get(c)
            if (
                m is not None
                and self.tokens[c].rel in ("appos", "flat:name")
                and self.entities[m.entity].type == "PER"
            ):
                return m.entity
        return None

    def _voiced_org(self, i: int) -> int | None:
        """The organisation a spokesperson or analyst speaks for: the ORG of its genitive
        ("представитель Минфина", "аналитики Goldman Sachs"), not one after a preposition
        ("эксперт из МГУ" is a person of his own)."""
        end = self._genitive_chain_end(i)
        for k in range(end, min(end + 3, len(self.tokens))):
            m = self.by_token.get(k)
            if m is not None and self.entities[m.entity].type == "PER":
                return None  # a person is named with the role, though not recognised as such
        for c in self.tokens[i].children:
            tok = self.tokens[c]
            if tok.rel != "nmod" or any(self.tokens[k].rel == "case" for k in tok.children):
                continue
            # the name itself, or the name its legal form introduces ("ПАО «ГМК «Норильский никель»")
            for k in (c, *(k for k in tok.children if self.tokens[k].rel in ("appos", "flat", "flat:name"))):
                m = self.by_token.get(k)
                if m is not None and self.entities[m.entity].type == "ORG":
                    return m.entity
        return None

    def resolve(self, i: int) -> int | None:
        """Entity a token refers to, or None."""
        m = self.by_token.get(i)
        if m is not None:
            return m.entity
        tok = self.tokens[i]
        if tok.lemma in self.lex.pronouns and tok.pos in ("PRON", "DET"):
            return self._last(i, "PER", self.lex.pronouns[tok.lemma])
        plural = tok.feats.get("Number") == "Plur"  # "аналитики компании": never one named person
        person = self._title(i) if tok.lemma in self.lex.titles and not plural else None
        if person is None and not plural:
            person = self._named_with(i)
        if person is not None:
            return person
        if tok.lemma in self.lex.titles and tok.lemma not in self.lex.org_voices:
            return None
        if tok.lemma in self.lex.org_voices:
            return self._voiced_org(i)
        if tok.lemma in self.lex.org_kinds or tok.lemma in self.lex.org_anaphors:
            for c in tok.children:  # "газета «Коммерсантъ» сообщила"
                m = self.by_token.get(c)
                if m is not None and self.entities[m.entity].type == "ORG":
                    return m.entity
        if tok.lemma in self.lex.agency_anaphors:
            return self._last(i, "ORG", accept=self._is_agency)
        if tok.lemma in self.lex.org_anaphors:
            return self._last(i, "ORG")
        return None

    def _is_agency(self, entity: int) -> bool:
        """A state body by its name ("Минфин США", "Федеральная служба …"), not a company."""
        ent = self.entities[entity]
        names = {ent.name, *ent.aliases}
        return any(name.lower().startswith(self.lex.agency_name_starts) for name in names)
