"""Which language an article is in: lingua-language-detector, restricted and thresholded by
`data/language.toml`.

The extractor's models read Russian only, so the cleaner labels each article with an ISO
639-1 code (`orewatch_common.contracts.Language`) and the extractor skips the rest. The
detector is restricted to the file's few languages (fewer languages, fewer confusions and a
smaller model in memory), loaded once per process, and reads only the text's first
`max_chars`: its cost stays small beside natasha's (benchmarks/README.md). The policy is
"Russian unless another language is confident", because a Russian article labelled otherwise
loses its extraction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Literal, Protocol

from orewatch_common.contracts import Language
from orewatch_lexicon.rules import packaged
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orewatch_cleaner.rulebook import PACKAGE
from orewatch_cleaner.thresholds import parse_toml_model

FILE_NAME = "language.toml"


class Script(StrEnum):
    """The alphabet a language is written in, as Unicode names its letters."""

    CYRILLIC = "CYRILLIC"
    LATIN = "LATIN"


@dataclass(frozen=True)
class Verdict:
    """The language decided on, and the detector's confidence in it (None: not asked)."""

    language: Language
    confidence: float | None = None


class LanguagePolicy(BaseModel):
    """The detector's languages and the thresholds that turn its confidences into a label."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: tuple[Language, ...] = Field(min_length=1)
    accuracy: Literal["high", "low"]
    default: Language
    min_confidence: float = Field(ge=0, le=1)
    scripts: dict[Language, Script]
    min_script_share: float = Field(ge=0, le=1)
    min_letters: int = Field(ge=1)
    max_chars: int = Field(gt=0)
    letters: dict[Language, str] = Field(default_factory=dict)
    needs_letters: tuple[Language, ...] = ()

    @model_validator(mode="after")
    def _default_is_detected(self) -> LanguagePolicy:
        """`unknown` is what no detector says, and the default must be one it can say."""
        if Language.UNKNOWN in self.languages:
            raise ValueError("languages: 'unknown' is no language to detect")
        if self.default not in self.languages:
            raise ValueError(f"default: {self.default.value!r} is not one of `languages`")
        if missing := [language.value for language in self.languages if language not in self.scripts]:
            raise ValueError(f"scripts: no script for {', '.join(missing)}")
        if lacking := [language.value for language in self.needs_letters if language not in self.letters]:
            raise ValueError(f"needs_letters: no letters for {', '.join(lacking)}")
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(language.value for language in self.languages)

    def sample(self, text: str) -> str:
        """The part of `text` the detector reads: its first `max_chars`, cut at a space."""
        text = " ".join(text.split())
        if len(text) <= self.max_chars:
            return text
        cut = text[: self.max_chars]
        return cut.rsplit(" ", 1)[0] if " " in cut else cut

    def decide(self, sample: str, scores: Mapping[str, float]) -> Verdict:
        """The label for `sample` given the detector's confidence per language code."""
        if sum(ch.isalpha() for ch in sample) < self.min_letters or not scores:
            return Verdict(Language.UNKNOWN)
        best = max(scores, key=lambda code: scores[code])
        if best != self.default.value and scores[best] >= self.min_confidence:
            language = self.by_letters(sample, Language(best))
            if language is not None and script_share(sample, self.scripts[language]) >= self.min_script_share:
                return Verdict(language, scores[best])
        return Verdict(self.default, scores.get(self.default.value, 0.0))

    def by_letters(self, sample: str, language: Language) -> Language | None:
        """The detector's pick, unless it `needs_letters` and the sample has none of the letters
        only it writes (`letters`): then the one language whose own letters the sample has
        ("України" is Ukrainian however sure the detector is of Kazakh), or None (the default)."""
        lowered = sample.lower()
        own = self.letters.get(language, "")
        if language not in self.needs_letters or any(ch in lowered for ch in own):
            return language
        shown = [other for other, chars in self.letters.items() if any(ch in lowered for ch in chars)]
        return shown[0] if len(shown) == 1 else None


def script_share(text: str, script: Script) -> float:
    """The share of the letters of `text` written in `script`, counting only its words that do
    not start with a capital when it has such words (0 when it has no letters): a Russian
    sentence naming "Air Baltic, Aer Lingus, Nippon Airways, KLM" is Cyrillic where it is not
    naming, and an English one quoting «Норильский никель» is Latin."""
    words = text.split()
    plain = [word for word in words if not word.lstrip("\"'«(“„").istitle() and not word.isupper()]
    letters = [ch for word in plain or words for ch in word if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(unicodedata.name(ch, "").startswith(script.value) for ch in letters) / len(letters)


def parse_language_policy(text: str, file: str = FILE_NAME) -> LanguagePolicy:
    """The policy in `text`, the contents of a file named `file` (for error messages)."""
    return parse_toml_model(LanguagePolicy, text, file)


@cache
def language_policy() -> LanguagePolicy:
    """The packaged policy, read and checked once per process."""
    return parse_language_policy(packaged(PACKAGE, "data", FILE_NAME).read_text("utf-8"))


class Scorer(Protocol):
    """A detector: confidence per language code of the policy, for a text."""

    def __call__(self, text: str) -> dict[str, float]: ...


def lingua_scorer(policy: LanguagePolicy) -> Scorer:
    """lingua restricted to the policy's languages, its models loaded now rather than on first use."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder
    from lingua import Language as LinguaLanguage

    languages = [LinguaLanguage.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in policy.codes]
    builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
    detector = (builder.with_low_accuracy_mode() if policy.accuracy == "low" else builder).build()

    def scores(text: str) -> dict[str, float]:
        values = detector.compute_language_confidence_values(text)
        return {value.language.iso_code_639_1.name.lower(): value.value for value in values}

    return scores


@cache
def _scorer() -> Scorer:
    return lingua_scorer(language_policy())


def load_detector() -> None:
    """Load the packaged detector now (seconds, once per process): the cleaner's startup calls
    it, so its first article does not wait for the models."""
    _scorer()


def detect_language(text: str, policy: LanguagePolicy | None = None, scorer: Scorer | None = None) -> Verdict:
    """The language of `text` under `policy` (the packaged one unless given)."""
    policy = policy or language_policy()
    sample = policy.sample(text)
    if sum(ch.isalpha() for ch in sample) < policy.min_letters:
        return Verdict(Language.UNKNOWN)
    return policy.decide(sample, (scorer or _scorer())(sample))
