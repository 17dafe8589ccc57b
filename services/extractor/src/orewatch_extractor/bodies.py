"""Bodies the tagger does not name: "британское правительство", "министерство развития",
"канцелярия премьер-министра", "Госагентство по авиабезопасности", "лейбористы".

natasha tags names, not common-noun phrases, yet such a body is often who speaks ("Об этом
сообщили в канцелярии премьер-министра") and an actor the reader wants. A body noun from the
lexicon becomes an organisation mention only with what identifies it: a relational adjective
("британское"), a genitive complement ("развития", "Великобритании") or a "по" complement
("по авиабезопасности"). A bare "правительство" stays an anaphor, and a body introduced
with its own name ("профсоюз пилотов Cockpit") is that name. Party members in the plural
("лейбористы") speak as their party.
"""

from __future__ import annotations

from orewatch_common.contracts import ActorType
from orewatch_lexicon.stemming import stem

from orewatch_extractor.actors import Mention
from orewatch_extractor.morphology import name_endings
from orewatch_extractor.names import Canonicaliser, norm_key
from orewatch_extractor.nlp import Analysis, Token
from orewatch_extractor.shapes import text_shapes

_CHAIN_POS = ("NOUN", "PROPN", "ADJ", "DET", "NUM")


def find_bodies(
    analysis: Analysis,
    mentions: list[Mention],
    canon: Canonicaliser,
    bodies: frozenset[str],
    members: frozenset[str],
) -> list[Mention]:
    """The mentions with the article's unnamed bodies added, in text order."""
    tokens = analysis.tokens
    owner = {i: m for m in mentions for i in range(m.first, m.last + 1)}
    found: list[Mention] = []
    taken: set[int] = set()
    for tok in tokens:
        if tok.index in owner or tok.index in taken:
            continue
        span = None
        if tok.lemma in bodies and tok.feats.get("Number") != "Plur":
            span = _body_span(tokens, tok.index, owner)
        elif tok.lemma in members and tok.feats.get("Number") == "Plur" and tok.pos == "NOUN":
            span = (tok.index, tok.index)
        if span is None:
            continue
        first, last = span
        words = tokens[first : last + 1]
        if first == last and tok.lemma in members:
            name = canon.inflect(tok.text, tok.pos, tok.feats).lower()  # "лейбористами" -> "лейбористы"
        else:
            name = canon.nominative(words, ActorType.ORG)
        mention = Mention(first, last, ActorType.ORG, name, " ".join(t.text for t in words), unnamed=True)
        mention.key = tuple(stem(w) for w in norm_key(name).split())
        found.append(mention)
        taken.update(range(first, last + 1))
    # a name inside a body ("правительство Великобритании") stays a mention of its own: the
    # body is reported only when it speaks, the country in any case
    return sorted(mentions + found, key=lambda m: (m.first, -m.last))


def find_sites(analysis: Analysis, mentions: list[Mention]) -> list[Mention]:
    """The mentions with sites named by their domain added as organisations."""
    matches = list(text_shapes().site_domain.finditer(analysis.text))
    if not matches:
        return mentions
    tokens = analysis.tokens
    covered = {i for m in mentions for i in range(m.first, m.last + 1)}
    by_start = {t.start: t.index for t in tokens}
    by_stop = {t.stop: t.index for t in tokens}
    found = []
    for match in matches:
        first, last = by_start.get(match.start()), by_stop.get(match.end())
        if first is None or last is None or any(k in covered for k in range(first, last + 1)):
            continue
        name = match.group()
        mention = Mention(first, last, ActorType.ORG, name, name)
        mention.key = (name.lower(),)
        found.append(mention)
    return sorted(mentions + found, key=lambda m: (m.first, -m.last)) if found else mentions


def _body_span(tokens: list[Token], head: int, owner: dict[int, Mention]) -> tuple[int, int] | None:
    """Tokens of a body phrase around its noun, or None when nothing identifies the body."""
    after = owner.get(head + 1)
    if after is not None and after.type == ActorType.ORG:
        return None  # "агентство Reuters", "профсоюз Cockpit": the body has a name of its own
    first = head
    while first > 0 and _relational(tokens[first - 1]) and tokens[first - 1].sent == tokens[head].sent:
        first -= 1
    last = _complement_end(tokens, head, owner)
    if first == head and last == head:
        return None  # "правительство" alone: an anaphor, not a name
    after = owner.get(last + 1)
    if after is not None and after.type == ActorType.ORG:
        return None  # "профсоюз пилотов Cockpit"
    return first, last


def _relational(tok: Token) -> bool:
    return (
        tok.pos == "ADJ" and name_endings().place_adjective(tok.lemma) and tok.feats.get("Number") != "Plur"
    )


def _complement_end(tokens: list[Token], head: int, owner: dict[int, Mention]) -> int:
    """Last token of what identifies a body after its noun: a genitive name ("правительство
    Великобритании"), a genitive noun that depends on it ("министерство развития",
    "канцелярия премьер-министра", never the person after), or "по" and a noun that depends
    on it ("госагентство по авиабезопасности")."""
    k = head + 1
    if k >= len(tokens) or tokens[k].sent != tokens[head].sent:
        return head
    m = owner.get(k)
    if m is not None:
        gen = tokens[k].feats.get("Case") in (None, "Gen")
        return m.last if m.type in (ActorType.LOC, ActorType.ORG) and gen else head
    dependent = _noun_after(tokens, k + 1 if tokens[k].lemma == "по" else k)
    if dependent is None or tokens[dependent].head != head or dependent in owner:
        return head
    if tokens[k].lemma != "по" and tokens[dependent].feats.get("Case") != "Gen":
        return head
    if tokens[dependent].feats.get("Number") == "Plur":
        return head  # "правительство двух политиков": a genitive of people is not the body's field
    return _genitive_tail(tokens, dependent, owner)


def _genitive_tail(tokens: list[Token], word: int, owner: dict[int, Mention]) -> int:
    """The end of one more genitive that depends on the complement: "канцелярия главы
    правительства", "канцелярия премьер-министра Великобритании" (a place, never a person)."""
    nxt = owner.get(word + 1)
    if nxt is not None:
        genitive = tokens[word + 1].feats.get("Case") in (None, "Gen")
        return nxt.last if nxt.type in (ActorType.LOC, ActorType.ORG) and genitive else word
    more = _noun_after(tokens, word + 1)
    if more is None or more in owner or tokens[more].head != word:
        return word
    feats = tokens[more].feats
    return more if feats.get("Case") == "Gen" and feats.get("Number") != "Plur" else word


def _noun_after(tokens: list[Token], k: int) -> int | None:
    """The noun a complement starting at k ends on, past its adjectives."""
    while k < len(tokens) and tokens[k].pos == "ADJ":
        k += 1
    return k if k < len(tokens) and tokens[k].pos == "NOUN" else None
