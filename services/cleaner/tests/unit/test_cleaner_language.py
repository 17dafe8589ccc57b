"""Language detection: the `language` pass, the policy of data/language.toml, and its file.

The detector is the packaged one (lingua, restricted to the file's languages, loaded once per
process); the policy's rules are also tested on hand-made confidences, so a threshold's effect
is seen without a model.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orewatch_cleaner.core import PASSES, PassName, clean_article, language, run_passes
from orewatch_cleaner.draft import Draft, Line
from orewatch_cleaner.language import (
    FILE_NAME,
    Script,
    Verdict,
    detect_language,
    language_policy,
    parse_language_policy,
    script_share,
)
from orewatch_common.contracts import ContentType, Language, RawArticle, SourceKind, sha256_hex
from orewatch_lexicon.rules import packaged

RU = "Норильский никель увеличил добычу палладия на 5% по итогам квартала, сообщила компания."
UK = "Верховна Рада ухвалила закон про видобуток корисних копалин, повідомляє пресслужба."
BE = "Міністр прамысловасці заявіў, што вытворчасць калійных угнаенняў павялічыцца."
KK = "Қазақстан Үкіметі жаңа кен орнын игеру туралы шешім қабылдады."
EN = "Shares of Norilsk Nickel fell three percent in Moscow trading on Tuesday."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RU, Language.RU),
        (UK, Language.UK),
        (BE, Language.BE),
        (KK, Language.KK),
        (EN, Language.EN),
        # mixed: the main language wins over a quoted one
        ("Как сообщает агентство «Українські Новини», переговоры продолжатся в понедельник.", Language.RU),
        ("Як повідомляє РБК-Україна, «Норникель» призупинив поставки нікелю до Європи.", Language.UK),
        ("Компания Norilsk Nickel (Nornickel) сообщила о росте продаж палладия на 5%.", Language.RU),
        # a Russian sentence whose letters are two thirds Latin, in names
        (
            "Забастовка затронула рейсы авиакомпаний Air Baltic, Aer lingus, Air Europa, Air Serbia, "
            "Nippon Airways, easyJet, FlyEgypt, Etihad Airways, KLM, Ryanair, Tunisair и ряд других.",
            Language.RU,
        ),
        # very short: Russian unless another language is confident
        ("Никель подорожал.", Language.RU),
        ("Путин приехал в Минск.", Language.RU),
        ("Новости экономики", Language.RU),
        # empty-ish: too few letters to tell
        ("", Language.UNKNOWN),
        ("   \n\n ", Language.UNKNOWN),
        ("12.03.2025, 15:00 — 5%", Language.UNKNOWN),
        ("Да.", Language.UNKNOWN),
    ],
)
def test_detect_language(text: str, expected: Language) -> None:
    assert detect_language(text).language is expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"ru": 0.9, "uk": 0.1}, Language.RU),
        ({"uk": 0.85, "ru": 0.15}, Language.UK),  # confident: another language wins
        ({"uk": 0.6, "ru": 0.4}, Language.RU),  # not confident enough: Russian
        ({"be": 0.79, "uk": 0.2}, Language.RU),  # just under min_confidence (0.80)
        ({}, Language.UNKNOWN),  # the detector had nothing to say
    ],
)
def test_russian_unless_another_language_is_confident(scores: dict[str, float], expected: Language) -> None:
    assert language_policy().decide("Достаточно букв в тексте", scores).language is expected


@pytest.mark.parametrize(
    ("sample", "scores", "expected"),
    [
        ("Сьогодні уряд України заявив, що видобуток літію зросте.", {"kk": 1.0}, Language.UK),
        ("Міністр сказав, що нові родовища відкриють.", {"kk": 0.9, "uk": 0.1}, Language.RU),
        ("Қазақстан үкіметі литий өндіруді арттырады.", {"kk": 0.95}, Language.KK),
        ("Урад заявіў, што здабыча літыю вырасце.", {"be": 0.9}, Language.BE),
        ("Урад заявил, что добыча лития вырастет.", {"be": 0.9}, Language.RU),  # no ў: not Belarusian
        ("Міністр сказав, що нові родовища відкриють.", {"uk": 0.9}, Language.UK),  # uk needs no ї
    ],
)
def test_a_pick_that_needs_its_own_letters(sample: str, scores: dict[str, float], expected: Language) -> None:
    assert language_policy().decide(sample, scores).language is expected


def test_another_script_does_not_win_on_confidence_alone() -> None:
    mostly_cyrillic = "Рейсы Air Baltic и KLM отменены из-за забастовки грузчиков"
    assert script_share(mostly_cyrillic, Script.LATIN) < language_policy().min_script_share
    verdict = language_policy().decide(mostly_cyrillic, {"en": 0.99, "ru": 0.01})
    assert verdict == Verdict(Language.RU, 0.01)


def test_the_detector_reads_only_the_first_max_chars_cut_at_a_space() -> None:
    policy = language_policy()
    sample = policy.sample(("слово " * 1000) + EN)
    assert len(sample) <= policy.max_chars
    assert set(sample.split()) == {"слово"}


def draft_of(*texts: str, title: str | None = None) -> Draft:
    raw = RawArticle(
        article_id="l" * 32,
        source_kind=SourceKind.FILE,
        source_uri="notes/1.txt",
        source_name="seeds",
        fetched_at=datetime(2025, 9, 3, 9, 0, tzinfo=UTC),
        content_type=ContentType.TEXT,
        content="\n\n".join(texts),
        encoding="utf-8",
        content_sha256=sha256_hex(*texts),
    )
    draft = Draft(raw=raw, lines=[Line(text, followed_by_break=True) for text in texts])
    draft.title = title
    return draft


@pytest.mark.parametrize(
    ("title", "lines", "expected"),
    [
        ("Никель подорожал", [RU], Language.RU),
        ("Рада ухвалила закон", [UK, "Про це йдеться в повідомленні пресслужби компанії."], Language.UK),
        (None, [BE], Language.BE),
        ("Nickel falls", [EN], Language.EN),
        (None, [], Language.UNKNOWN),
    ],
)
def test_the_language_pass_reads_the_title_and_the_lines(
    title: str | None, lines: list[str], expected: Language
) -> None:
    assert language(draft_of(*lines, title=title)).language is expected


def test_the_language_pass_is_registered_after_the_text_is_final() -> None:
    names = [p.name for p in PASSES]
    assert names.index(PassName.LANGUAGE) == names.index(PassName.INNER) + 1
    untouched = run_passes(draft_of(UK), passes=PASSES, skip=frozenset({PassName.LANGUAGE}))
    assert untouched.language is Language.UNKNOWN


@pytest.mark.parametrize(("body", "expected"), [(RU, Language.RU), (UK, Language.UK), (EN, Language.EN)])
def test_clean_article_carries_the_language(body: str, expected: Language) -> None:
    raw = draft_of(body).raw
    cleaned = clean_article(raw)
    assert (cleaned.schema_version, cleaned.language) == (2, expected)


def _policy_text() -> str:
    return packaged("orewatch_cleaner", "data", FILE_NAME).read_text("utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("min_confidence = 0.80", "min_confidense = 0.80", "min_confidense: Extra inputs"),
        ("min_confidence = 0.80", "min_confidence = 1.5", "min_confidence: Input should be less than"),
        ('default = "ru"', 'default = "de"', "default: Input should be"),
        ('default = "ru"', 'default = "unknown"', "'unknown' is not one of `languages`"),
        ('languages = ["ru",', 'languages = ["unknown", "ru",', "'unknown' is no language to detect"),
        ('accuracy = "high"', 'accuracy = "best"', "accuracy: Input should be 'high' or 'low'"),
        ('kk = "CYRILLIC"', 'kk = "ARABIC"', "scripts.kk: Input should be"),
        ('en = "LATIN"', "", "scripts: no script for en"),
    ],
)
def test_a_typo_in_the_language_file_fails_with_its_key(old: str, new: str, message: str) -> None:
    text = _policy_text()
    assert old in text
    with pytest.raises(ValueError, match=message) as refused:
        parse_language_policy(text.replace(old, new))
    assert str(refused.value).startswith("language.toml: ")


def test_the_packaged_file_reads() -> None:
    policy = language_policy()
    assert policy.default is Language.RU
    assert Language.UNKNOWN not in policy.languages
    assert set(policy.languages) == set(Language) - {Language.UNKNOWN}
