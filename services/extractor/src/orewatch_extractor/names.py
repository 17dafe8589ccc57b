"""Names: nominative forms, comparison keys and the table of known canonical names.

Canonical names must be the same string in every article (the store keeps one row per
actor), so names are looked up in an alias table built from pycountry's Russian country
names and `data/actor_aliases.yaml` before any article-local merging happens; what the
table does not know is put in the nominative from natasha's tags and pymorphy.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, ClassVar

import pycountry
from natasha.norm import inflect_word
from natasha.shape import recover_shape
from orewatch_common.contracts import ActorType
from orewatch_lexicon import Gender
from orewatch_lexicon.rules import (
    Check,
    LemmaRule,
    Rule,
    RuleFileSpec,
    RuleSet,
    WordRule,
    packaged,
    read_rules,
)
from orewatch_lexicon.stemming import stem
from pydantic import Field

from orewatch_extractor.morphology import name_endings
from orewatch_extractor.nlp import Models, Token

# quote marks, but not an apostrophe inside a name ("О’Лири", "Д'Артаньян")
_QUOTES = re.compile(r"[«»\"“”„`]|(?<![^\W\d_])['’](?![^\W\d_])|^['’]|['’]$|(?<=\s)['’]|['’](?=\s)")
_SPACES = re.compile(r"\s+")
_INITIAL = re.compile(r"^[А-ЯЁA-Z]\.?$")
_LATIN = re.compile(r"[A-Za-z]")
_PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr"})


@lru_cache(maxsize=100_000)
def norm_key(name: str) -> str:
    """Comparison key: case, ё, quotes and spacing do not distinguish two names."""
    name = _QUOTES.sub("", name.lower().replace("ё", "е"))
    name = re.sub(r"[\u2010-\u2015]", "-", name)
    return _SPACES.sub(" ", name).strip()


@dataclass(frozen=True, slots=True)
class Known:
    name: str
    type: ActorType


class AliasSection(StrEnum):
    """The sections of actor_aliases.yaml (what each holds: the comments at its top)."""

    COUNTRIES = "countries"
    ORGANISATIONS = "organisations"
    INDECLINABLE = "indeclinable"
    JUNK = "junk"
    ORG_PREFIXES = "org_prefixes"
    QUOTED_NAME_KINDS = "quoted_name_kinds"
    BODIES = "bodies"
    PARTY_MEMBERS = "party_members"


class CountryRule(Rule):
    """A country's canonical name where pycountry's is not the reader's, and its short forms."""

    check: ClassVar[Check] = Check.FINDER
    section: AliasSection
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        return (self.code,)


class OrganisationRule(Rule):
    """An organisation's canonical name and the other names it goes by."""

    check: ClassVar[Check] = Check.FINDER
    section: AliasSection
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        return (self.name,)


class NameWord(WordRule):
    """A word the extractor compares with a name as written (junk, indeclinable bodies)."""

    check: ClassVar[Check] = Check.FINDER
    section: AliasSection


class NameLemma(LemmaRule):
    section: AliasSection


ALIAS_FILE = "actor_aliases.yaml"
ALIAS_SPEC = RuleFileSpec(
    sections=AliasSection,
    default=NameLemma,
    models={
        AliasSection.COUNTRIES: CountryRule,
        AliasSection.ORGANISATIONS: OrganisationRule,
        AliasSection.INDECLINABLE: NameWord,
        AliasSection.JUNK: NameWord,
    },
    every_section=True,
)


class AliasTable:
    """Known canonical names: countries from pycountry plus the rule file's short forms."""

    def __init__(self, rules: RuleSet) -> None:
        self.version = rules.version
        words = rules.words
        self.junk = frozenset(norm_key(j) for j in words[AliasSection.JUNK])
        self.org_prefixes = frozenset(norm_key(j) for j in words[AliasSection.ORG_PREFIXES])
        self.quoted_name_kinds = frozenset(norm_key(j) for j in words[AliasSection.QUOTED_NAME_KINDS])
        self.indeclinable = frozenset(norm_key(j) for j in words[AliasSection.INDECLINABLE])
        self.bodies = words[AliasSection.BODIES]
        self.party_members = words[AliasSection.PARTY_MEMBERS]
        self.by_key: dict[str, Known] = {}
        self.by_stem: dict[str, Known | None] = {}
        self.spelled: dict[str, str] = {}  # norm_key or stem_key of a name -> the name as the data spells it
        overrides = {r.code: r for r in rules.of(AliasSection.COUNTRIES) if isinstance(r, CountryRule)}
        for canonical, names in _countries(overrides):
            self._add(Known(canonical.replace("ё", "е"), ActorType.LOC), names)
        for org in rules.of(AliasSection.ORGANISATIONS):
            assert isinstance(org, OrganisationRule)
            self._add(Known(org.name, ActorType.ORG), [org.name, *org.aliases])

    def _add(self, known: Known, names: list[str]) -> None:
        for name in names:
            self.by_key.setdefault(norm_key(name), known)
            self.spelled.setdefault(norm_key(name), name.replace("ё", "е"))
            self.spelled.setdefault("~" + stem_key(name), name.replace("ё", "е"))
            key = stem_key(name)
            # a stem shared by two actors identifies neither
            self.by_stem[key] = known if self.by_stem.get(key, known) == known else None

    @classmethod
    def load(cls) -> AliasTable:
        return _packaged_aliases()

    def spelling(self, *names: str) -> str | None:
        """The data's nominative spelling of the first of `names` it knows ("Евросоюза" -> "Евросоюз")."""
        for name in names:
            if norm_key(name) in self.spelled:
                return self.spelled[norm_key(name)]
        for name in names:
            if "~" + stem_key(name) in self.spelled:
                return self.spelled["~" + stem_key(name)]
        return None

    def get(self, *names: str) -> Known | None:
        """Exact names first, then word stems: the nominative of "Соединенного Королевства"
        may come out half-inflected."""
        for name in names:
            known = self.by_key.get(norm_key(name))
            if known:
                return known
        for name in names:
            known = self.by_stem.get(stem_key(name))
            if known:
                return known
        return None


def _countries(overrides: dict[str, CountryRule]) -> Iterator[tuple[str, list[str]]]:
    """Every ISO 3166 country with a Russian name: its canonical name and all its names."""
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)
    for country in pycountry.countries:
        given = (getattr(country, "common_name", None), country.name, getattr(country, "official_name", None))
        names = [ru.gettext(n) for n in given if n]
        names = [n.replace("\u0301", "") for n in names if not _LATIN.search(n)]
        extra = overrides.get(country.alpha_2)
        canonical = (extra.name if extra else None) or (names[0] if names else None)
        if canonical:
            yield canonical, [canonical, *names, *(extra.aliases if extra else ())]


@cache
def _packaged_aliases() -> AliasTable:
    """The packaged alias table, read and checked once per process."""
    return AliasTable(read_rules(packaged("orewatch_extractor", "data", ALIAS_FILE), ALIAS_SPEC))


class _Inflectable:
    """Adapter giving natasha's inflect_word the attributes it reads."""

    __slots__ = ("feats", "pos", "text")

    def __init__(self, text: str, pos: str, feats: dict[str, str]) -> None:
        self.text, self.pos, self.feats = text, pos, feats


def stem_key(name: str) -> str:
    return " ".join(stem(w) for w in norm_key(name).split())


def same_word(a: str, b: str) -> bool:
    a, b = a.lower().replace("ё", "е"), b.lower().replace("ё", "е")
    return a == b or stem(a) == stem(b) or stem(a) == b or a == stem(b)


def close(a: str, b: str) -> bool:
    """Levenshtein distance at most 1 ("Мэй"/"Мей", "Центрнальная"/"Центральная")."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]


class Canonicaliser:
    """Puts a mention in the nominative and finds its canonical name."""

    def __init__(self, models: Models, aliases: AliasTable) -> None:
        self.models = models
        self.aliases = aliases
        self._cache: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}
        self._common: dict[str, bool] = {}

    def inflect(self, text: str, pos: str, feats: dict[str, str]) -> str:
        key = (text, pos, tuple(sorted(feats.items())))
        word = self._cache.get(key)
        if word is None:
            word = self._inflect(text, pos, feats)
            self._cache[key] = word
        return word

    def _inflect(self, text: str, pos: str, feats: dict[str, str]) -> str:
        case = feats.get("Case", "Nom")
        if case == "Nom" or not re.search(r"[а-яё]", text.lower()) or text.isupper():
            return text  # an abbreviation does not decline in writing ("АРМЗ", never "АРМЗЫ")
        if "-" in text and not self.models.vocab.word_is_known(text.lower()):
            return text  # "Даунинг-стрит": the guesser would invent an ending
        word = inflect_word(self.models.vocab, _Inflectable(text, pos, feats))
        if word == text.lower():
            # the tagger's gender or number does not match the dictionary ("Нидерландов"):
            # accept any reading of the word in the same case
            for form in self.models.vocab.parse(text.lower()):
                if form.feats.get("Case") == case and form.pos in ("NOUN", "ADJ", "PROPN"):
                    inflected = form.inflect({"Nom"})
                    if inflected:
                        word = str(inflected.word)
                        break
        return str(recover_shape(word.replace("ё", "е"), text))

    def surname(self, text: str, case: str | None) -> str:
        """Masculine surname the dictionary does not know, by its case ending ("Рааба", "Скрипаля")."""
        low = text.lower()
        if self.models.vocab.word_is_known(low) or len(low) < 4:
            return text
        return name_endings().bare_surname(text, case)

    def common_word(self, text: str) -> bool:
        """A dictionary word with no reading as a proper name ("Курс", "Диалогам")."""
        low = text.lower()
        if low in self._common:
            return self._common[low]
        vocab = self.models.vocab
        forms = vocab.parse(low)
        proper = any(_PROPER & set(f.tag.grammemes) for f in forms)
        self._common[low] = result = vocab.word_is_known(low) and not proper
        return result

    def person_gender(self, name: str, heads: list[Token]) -> str | None:
        """Gender of a canonical person name: the dictionary's reading of the first name,
        else its ending ("Асия", "Тереза"), else the surname's, else what the tagger said."""
        words = person_words(name, split=False)
        by_surname = name_endings().surname_gender(words[-1]) if len(words) > 1 else None
        if by_surname:  # "Акмаль Юнусов": a Russian surname ending is surer than a foreign first name
            return by_surname
        if len(words) > 1:
            first = words[0].lower()
            genders = {
                f.feats.get("Gender")
                for f in self.models.vocab.parse(first)
                if "Name" in f.tag and f.feats.get("Case") == "Nom"
            }
            if len(genders) == 1:
                return str(genders.pop())
            if not first.endswith("."):
                return Gender.FEM if name_endings().feminine_first_name(first) else Gender.MASC
        by_surname = name_endings().surname_gender(words[-1])
        if by_surname:
            return by_surname
        tagged = [t.feats.get("Gender") for t in heads if t.feats.get("Gender")]
        return max(dict.fromkeys(tagged), key=tagged.count) if tagged else None

    def with_country(self, org: str, country: str) -> str:
        """ "МИД" + "Великобритания" -> "МИД Великобритании"."""
        words = []
        for word in country.split():
            form = None
            if not word.isupper():
                for parsed in self.models.vocab.parse(word.lower()):
                    if parsed.feats.get("Case") == "Nom" and parsed.pos in ("NOUN", "ADJ", "PROPN"):
                        form = parsed.inflect({"Gen"})
                        break
            words.append(recover_shape(form.word, word) if form else word)
        return f"{org[:1].upper()}{org[1:]} {' '.join(words)}".replace("ё", "е")

    def patronymic(self, word: str) -> bool:
        """Only a patronymic in the dictionary ("Григорьевич"), never also a surname ("Абрамович")."""
        grammemes = {g for form in self.models.vocab.parse(word.lower()) for g in form.tag.grammemes}
        return "Patr" in grammemes and "Surn" not in grammemes

    def first_name(self, word: str) -> bool:
        """A first name in the dictionary ("Николай", "Анна")."""
        return any("Name" in form.tag.grammemes for form in self.models.vocab.parse(word.lower()))

    def person_noun(self, text: str) -> bool:
        """A common noun for a person ("христианка", "папа"), which natasha may tag PER."""
        low = text.lower()
        if "-" in low.strip("-") and not self.common_word(low):
            # "Политик-голлист", "судья-председатель": a role compound is a role
            return self.person_noun(low.split("-")[0])
        return self.common_word(low) and any(
            f.pos == "NOUN" and "anim" in f.tag for f in self.models.vocab.parse(low)
        )

    def name_gender(self, tokens: list[Token]) -> str | None:
        """Gender of a full name, from a first name the dictionary knows."""
        for tok in tokens[:-1]:
            genders = {
                f.feats.get("Gender") for f in self.models.vocab.parse(tok.text.lower()) if "Name" in f.tag
            }
            if len(genders) == 1:
                return str(genders.pop())
        return None

    def _first_name_as_is(self, word: str, patronymic: str) -> bool:
        """Whether the word is the nominative first name its nominative patronymic gives the
        gender of: "Евгения Павловна" is a woman, "Евгения Павловича" a man's genitive."""

        def nominative_singular(form: Any, grammeme: str) -> bool:
            return (
                grammeme in form.tag
                and form.feats.get("Case") == "Nom"
                and form.feats.get("Number") == "Sing"
            )

        genders = {
            f.feats.get("Gender")
            for f in self.models.vocab.parse(patronymic.lower())
            if nominative_singular(f, "Patr")
        }
        return len(genders) == 1 and any(
            nominative_singular(f, "Name") and f.feats.get("Gender") in genders
            for f in self.models.vocab.parse(word.lower())
        )

    def nominative(
        self, tokens: list[Token], type_: ActorType, after_prep: bool = False, verb_gender: str | None = None
    ) -> str:
        """Nominative of a mention.

        Persons: every word is inflected ("Кирилла Дмитриева"), in the gender of the first
        name. Organisations and places: only the head noun and the adjectives agreeing
        with it before it are inflected, genitive dependents stay as written
        ("Министерства иностранных дел России" -> "Министерство иностранных дел России"),
        which natasha's own normaliser gets wrong whenever the parse is off. `after_prep`:
        the mention follows a preposition, so "-ии" may be a masculine locative ("о Дмитрии").
        `verb_gender`: that of the verb the person is the subject of; a feminine verb keeps a
        surname in "-ова" as written ("Айжан Бижанова рассказала", which the tagger may read
        as a masculine genitive when it does not know the first name).
        """
        if type_ == ActorType.PER:
            words = self._person_words(tokens, after_prep, verb_gender)
        else:
            words = self._body_words(tokens)
        return join_words(tokens, words)

    def _person_words(self, tokens: list[Token], after_prep: bool, verb_gender: str | None) -> list[str]:
        """Each word of a person's name in the nominative, in the gender of the first name."""
        gender = self.name_gender(tokens) if len(tokens) > 1 else None
        words = []
        for k, t in enumerate(tokens):
            feats = dict(t.feats)
            by_ending = name_endings().surname_gender(t.text)
            if verb_gender == "Fem" and gender != "Masc" and by_ending == Gender.FEM:
                feats["Case"], feats["Gender"] = "Nom", "Fem"
            if k and feats.get("Number") == "Plur" and by_ending == Gender.MASC:
                feats["Case"] = "Nom"  # "Нагаспаев" read as a plural genitive: one person's surname
            if gender and feats.get("Gender") and feats["Gender"] != gender:
                feats["Gender"] = gender
            if k and "-" in t.text.strip("-") and feats.get("Case", "Nom") != "Nom":
                # a double surname declines part by part: "Бутиной-Красновой", "Рис-Могга"
                parts = [self._surname_part(part, t.pos, feats, gender) for part in t.text.split("-")]
                words.append("-".join(parts))
                continue
            if k == 0 and len(tokens) > 2 and self._first_name_as_is(t.text, tokens[1].text):
                words.append(t.text)  # "Евгения Павловна": a woman's name, not a man's genitive
                continue
            word = self.inflect(t.text, t.pos, feats)
            if k == 0 and len(tokens) > 1 and not after_prep:
                masc_dative = name_endings().marks_case(tokens[-1].text, "Dat")
                word = name_endings().ia_first_name(t.text, "Dat" if masc_dative else "Acc") or word
            elif word == t.text and (k or len(tokens) == 1) and (gender or feats.get("Gender")) == "Masc":
                word = self.surname(t.text, feats.get("Case"))
            words.append(word)
        return words

    def _body_words(self, tokens: list[Token]) -> list[str]:
        """An organisation's or place's head noun and the adjectives agreeing with it before it
        in the nominative; its dependents as written."""
        head = next((i for i, t in enumerate(tokens) if t.pos in ("NOUN", "PROPN")), None)
        words = [t.text for t in tokens]
        if head is not None:
            case = tokens[head].feats.get("Case")
            words[head] = self._head_nominative(tokens[head])
            if coordinated(tokens):
                words[head] = self._singular(tokens[head]) or words[head]  # "Полтавской областях"
            for i in range(head):
                t = tokens[i]
                if t.pos in ("ADJ", "DET", "NUM", "VERB") and t.feats.get("Case") == case:
                    words[i] = self.inflect(t.text, t.pos, t.feats)
        return words

    def _singular(self, tok: Token) -> str | None:
        """Nominative singular of a plural noun whose adjectives are singular (coordinated)."""
        for form in self.models.vocab.parse(tok.text.lower()):
            if form.feats.get("Number") == "Plur" and form.feats.get("Case") == tok.feats.get("Case"):
                single = form.inflect({"Nom", "Sing"})
                if single:
                    return str(recover_shape(str(single.word), tok.text))
        return None

    def _surname_part(self, part: str, pos: str, feats: dict[str, str], gender: str | None) -> str:
        """One part of a double surname in the nominative."""
        word = self.inflect(part, pos, feats)
        if word == part and (gender or feats.get("Gender")) == "Masc":
            word = self.surname(part, feats.get("Case"))
        return word

    def _head_nominative(self, tok: Token) -> str:
        """Nominative of an organisation's or place's head word. A masculine name the
        dictionary lacks loses its case ending ("«Русале»" -> "Русал", "Финама" -> "Финам"):
        the guesser would take it for a neuter or feminine word ("Русало")."""
        if norm_key(tok.text) in self.aliases.indeclinable:
            return tok.text
        if tok.pos == "PROPN" and tok.feats.get("Gender") == "Masc":
            bare = self.surname(tok.text, tok.feats.get("Case"))
            if bare != tok.text:
                return bare
        return self.inflect(tok.text, tok.pos, tok.feats)


def coordinated(tokens: list[Token]) -> bool:
    """A singular adjective before a plural head noun ("Черниговская области"): one of
    coordinated names that share the noun, each of them singular."""
    head = next((i for i, t in enumerate(tokens) if t.pos in ("NOUN", "PROPN")), None)
    return (
        head is not None
        and tokens[head].feats.get("Number") == "Plur"
        and any(t.pos == "ADJ" and t.feats.get("Number") == "Sing" for t in tokens[:head])
    )


def join_words(tokens: list[Token], words: list[str]) -> str:
    out = []
    for i, (tok, word) in enumerate(zip(tokens, words, strict=False)):
        if i and tok.start > tokens[i - 1].stop:
            out.append(" ")
        out.append(word)
    return _QUOTES.sub("", "".join(out)).strip()


def person_words(name: str, split: bool = True) -> list[str]:
    """Words of a person's name, a patronymic dropped; to compare names, "Дж.Хант" and
    "Азия-Биби" are two words (`split`), to show one they stay as written."""
    words = re.sub(r"(?<=\.)(?=\S)|-", " ", name).split() if split else name.split()
    if len(words) == 3 and (name_endings().patronymic(words[1]) or _INITIAL.match(words[1])):
        words = [words[0], words[2]]
    return words


def is_initial(word: str) -> bool:
    return (word.endswith(".") and len(word) <= 4) or bool(_INITIAL.match(word))
