"""Bounded cost: long sentences reach the parser in chunks, NER reads pieces of whole sentences."""

from __future__ import annotations

from itertools import pairwise

import pytest
from natasha.doc import DocSent
from orewatch_extractor.nlp import MAX_SENTENCE_TOKENS, chunk_bounds, ner_pieces


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("", 4, [(0, 0)]),
        ("a b c d", 4, [(0, 4)]),
        # no boundary anywhere: hard splits at the limit
        ("a b c d e f g h i j", 4, [(0, 4), (4, 8), (8, 10)]),
        # after the last punctuation mark in the chunk's second half
        ("a b , c d e f", 4, [(0, 3), (3, 7)]),
        ("a b c ; d e f", 4, [(0, 4), (4, 7)]),
        # before a conjunction when there is no mark
        ("a b c и d e f", 4, [(0, 3), (3, 7)]),
        ("a b c Но d e f", 4, [(0, 3), (3, 7)]),
        # a mark wins over a later conjunction
        ("a b , c и d e", 4, [(0, 3), (3, 7)]),
        # a boundary in the first half would leave tiny chunks: the limit instead
        ("a , b c d e f g", 4, [(0, 4), (4, 8)]),
    ],
)
def test_a_long_sentence_is_chunked_at_a_sensible_boundary(text, limit, expected):
    assert chunk_bounds(words(text), limit) == expected


def test_chunks_cover_a_50000_word_line_within_the_cap():
    line = [f"w{i}" if i % 37 else "и" for i in range(50_000)]
    bounds = chunk_bounds(line)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(line)
    assert all(end == start for (_, end), (start, _) in pairwise(bounds))
    assert all(0 < end - start <= MAX_SENTENCE_TOKENS for start, end in bounds)
    assert all(line[end] == "и" for _, end in bounds[:-1])  # before a conjunction, not a hard cut


def sents(*lengths: int) -> list[DocSent]:
    """Sentences of the given token counts, ten characters apart."""
    out = []
    for k, length in enumerate(lengths):
        sent = DocSent(10 * k, 10 * k + 9, "")
        sent.tokens = [None] * length
        out.append(sent)
    return out


@pytest.mark.parametrize(
    ("lengths", "limit", "expected"),
    [
        ((), 10, []),
        ((3, 4, 2), 10, [(0, 29)]),  # an article: one piece
        ((6, 4, 1), 10, [(0, 19), (20, 29)]),
        ((12, 3, 12), 10, [(0, 9), (10, 19), (20, 29)]),  # a sentence over the limit alone
    ],
)
def test_ner_reads_whole_sentences_in_pieces(lengths, limit, expected):
    assert ner_pieces(sents(*lengths), limit) == expected


def test_no_sentence_reaches_the_parser_over_the_cap(extractor):
    line = " ".join(["Министр", "заявил", "что", "добыча", "лития", "вырастет"] * 120)  # 720 words
    analysis = extractor.models.analyse(f"Заголовок\n\n{line}.")
    # each chunk ends before a "что" (every sixth word): 200, 198, 198 words, then the rest and "."
    assert [s.last - s.first + 1 for s in analysis.sents] == [1, 200, 198, 198, 125]
    assert all(tok.head is None or analysis.tokens[tok.head].sent == tok.sent for tok in analysis.tokens)


@pytest.mark.parametrize(
    "body",
    [
        "Ё ЁЁ \U00017000 Ё",  # a Tangut ideograph: a letter Python's Unicode table has no name for
        "Путин \U00017001\U00018d00 заявил, что переговоры идут.",
        "Министр Ab\U00018d08 сообщил о добыче лития.",
    ],
)
def test_a_letter_without_a_unicode_name_is_no_failure(extract, body):
    assert extract(body).article.body == body


def test_the_dictionary_runs_on_the_compiled_dawg():
    """pymorphy2 falls back to pure-Python dawg_python without a word; lemmas stay the same,
    but each new word costs several times more."""
    import pymorphy2.dawg

    assert pymorphy2.dawg.DAWG.__module__ == "dawg"
