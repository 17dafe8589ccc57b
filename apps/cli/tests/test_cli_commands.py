"""The orewatch command as a user calls it: offline clean/extract, AsyncAPI docs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.factories import make_extracted_article

ARTICLE = (
    "Литий подорожал\n\n"
    "Министр промышленности заявил, что добыча лития вырастет.\n"
    "Читайте также: Курс рубля снова снизился\n"
)


def orewatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )


def test_clean_prints_one_line_per_file_in_order_and_flags_bad_files(tmp_path: Path):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="koi8_r")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    navigation = tmp_path / "nav.html"
    navigation.write_text("<html><body><nav>Главная | Экономика</nav></body></html>", encoding="utf-8")
    result = orewatch("clean", str(good), str(empty), str(navigation), str(good))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1
    assert [line.get("error") for line in lines] == [None, "empty file", None, None]
    assert lines[2]["body"] == ""  # no article text: reported on stderr, the line stays aligned
    assert "nav.html: no article text left after cleaning" in result.stderr
    assert "1 of 4 file(s) could not be read" in result.stderr
    assert lines[0]["title"] == "Литий подорожал"
    assert "добыча лития" in lines[0]["body"]
    assert "Читайте также" not in lines[0]["body"]


def test_clean_stops_quietly_when_the_reader_closes_the_pipe(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    command = [sys.executable, "-m", "orewatch_cli.main", "clean", *[str(path)] * 200]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(10)  # one line is enough for this reader
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_extract_prints_article_actors_minerals_statements(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    result = orewatch("extract", str(path))
    assert result.returncode == 0, result.stderr
    [line] = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"article", "actors", "minerals", "statements"} <= line.keys()
    assert "lithium" in {m["key"] for m in line["minerals"]}


def test_docs_writes_asyncapi_of_every_service(tmp_path: Path):
    result = orewatch("docs", str(tmp_path))
    assert result.returncode == 0, result.stderr
    channels = {}
    for service in ("fetcher", "cleaner", "extractor", "store"):
        schema = json.loads((tmp_path / f"{service}.json").read_text())
        assert schema["asyncapi"].startswith("3.")
        channels[service] = {channel["address"] for channel in schema["channels"].values()}
    assert channels["fetcher"] == {"raw.article", "dead.letter"}
    assert channels["cleaner"] == {"raw.article", "clean.article", "dead.letter"}
    assert channels["extractor"] == {"clean.article", "extracted.statement", "dead.letter"}
    assert channels["store"] == {
        "raw.article",
        "clean.article",
        "extracted.statement",
        "dead.letter",
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.OREWATCH.*",  # a message its handler never finished
    }


def test_committed_asyncapi_documents_are_current(tmp_path: Path):
    """docs/asyncapi/ is what readers see without running anything; `make docs` refreshes it."""
    committed = Path(__file__).parents[3] / "docs" / "asyncapi"
    result = orewatch("docs", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for service in ("fetcher", "cleaner", "extractor", "store"):
        generated = json.loads((tmp_path / f"{service}.json").read_text())
        assert json.loads((committed / f"{service}.json").read_text()) == generated, (
            f"docs/asyncapi/{service}.json is stale: run `make docs`"
        )


def test_extract_goes_on_past_a_file_it_refuses(tmp_path: Path, monkeypatch, capsys):
    """A refused file (an extractor bug turned into a permanent error) gets its error line in
    its place, the next file its extraction, and the run exits 1 at the end."""
    from datetime import UTC, datetime

    import orewatch_extractor.core
    from orewatch_cli.offline import print_documents
    from orewatch_common.contracts import CleanArticle, ExtractedArticle
    from orewatch_extractor.core import ExtractionFailed

    class Extractor:
        def extract(self, article: CleanArticle) -> ExtractedArticle:
            if "сбой" in article.body:
                raise ExtractionFailed(ValueError("max() arg is an empty sequence"))
            return make_extracted_article(article, extracted_at=datetime(2026, 1, 1, tzinfo=UTC))

    monkeypatch.setattr(orewatch_extractor.core, "Extractor", Extractor)
    files = []
    for name, body in (
        ("a.txt", ARTICLE),
        ("b.txt", "Заголовок\n\nЗдесь сбой экстрактора.\n"),
        ("c.txt", ARTICLE),
    ):
        files.append(tmp_path / name)
        files[-1].write_text(body, encoding="utf-8")
    status = print_documents([*files, tmp_path / "missing.txt"], extract=True)
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert [line.get("error", "") for line in lines][:3] == [
        "",
        "ExtractionFailed: ValueError: max() arg is an empty sequence",
        "",
    ]
    assert lines[1]["file"] == str(files[1])
    assert [line["article"]["source_uri"] for line in (lines[0], lines[2])] == [str(files[0]), str(files[2])]
    assert lines[3]["file"] == str(tmp_path / "missing.txt")
    assert "2 of 4 file(s) could not be read or processed" in err
