"""`orewatch ingest` on a real `orewatch run` (its own nats-server and PostgreSQL): a folder of
good articles and two files the fetcher refuses goes through, the summary counts each outcome,
and a second ingest of the same folder finds everything already known. Without a pipeline the
command says so and exits 1 (test_cli_running_pipeline.py)."""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from orewatch_cli.ingest import Ingest, IngestError, Outcome, Planned, files_of, plan, summary
from orewatch_common.contracts import SourceKind, article_id_for

from tests.support.cli import orewatch

EMPTY = "empty.txt"
BINARY = "blob.txt"


def batch(folder: Path, articles: list[Path]) -> Path:
    """Good articles, an empty file and a binary one: what a real folder of downloads holds."""
    folder.mkdir()
    for article in articles:
        shutil.copy(article, folder / article.name)
    (folder / EMPTY).write_bytes(b"")
    (folder / BINARY).write_bytes(bytes(range(256)) * 8)
    (folder / ".hidden.txt").write_text("skipped, as the watcher skips it", encoding="utf-8")
    return folder


def test_a_folder_keeps_its_name_under_seeds_and_hidden_files_stay_out(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    (folder / "2025" / ".git").mkdir(parents=True)
    (folder / "2025" / "a.txt").write_text("a", encoding="utf-8")
    (folder / "2025" / ".git" / "config").write_text("x", encoding="utf-8")
    (folder / ".draft.txt").write_text("x", encoding="utf-8")
    (tmp_path / "one.html").write_text("<p>b</p>", encoding="utf-8")
    found = [relative for _, relative in files_of([folder, tmp_path / "one.html"])]
    assert found == ["downloads/2025/a.txt", "one.html"]
    with pytest.raises(IngestError, match="no such file or folder"):
        list(files_of([tmp_path / "missing"]))


def test_plan_says_what_the_fetcher_will_make_of_each_file(tmp_path: Path) -> None:
    """The article id the watcher will give the copy (its path under seeds/), or the refusal
    its dead letter will carry; None for what the watcher skips."""
    seeds, source = tmp_path / "seeds", tmp_path / "in"
    seeds.mkdir()
    source.mkdir()
    files = {"good.txt": "Текст статьи.".encode(), EMPTY: b"", "scan.pdf": b"%PDF", "a.txt.part": b"x"}
    for name, data in files.items():
        (source / name).write_bytes(data)
    good = plan(source / "good.txt", "in/good.txt", seeds, 1000)
    assert good is not None and good.article_id == article_id_for(SourceKind.FILE, "in/good.txt")
    assert good.content_sha256 and good.outcome is Outcome.PENDING
    empty = plan(source / EMPTY, f"in/{EMPTY}", seeds, 1000)
    assert empty is not None and (empty.article_id, empty.reason) == (None, "empty file")
    pdf = plan(source / "scan.pdf", "in/scan.pdf", seeds, 1000)
    assert pdf is not None and pdf.reason.startswith("unsupported file type '.pdf'")
    big = plan(source / "good.txt", "in/good.txt", seeds, 3)
    assert big is not None and "over the 3-byte hard limit" in big.reason
    assert plan(source / "a.txt.part", "in/a.txt.part", seeds, 1000) is None


def test_summary_counts_each_outcome_with_the_dead_letters_reasons(tmp_path: Path) -> None:
    run = Ingest(tmp_path / "seeds", "postgresql://unused")
    run.files = [
        Planned(tmp_path / "a", "d/a.txt", outcome=Outcome.STORED),
        Planned(tmp_path / "b", "d/b.txt", outcome=Outcome.DEAD_LETTERED, reason="fetcher: empty file"),
        Planned(tmp_path / "c", "d/c.txt", outcome=Outcome.KNOWN),
        Planned(tmp_path / "e", "d/e.txt"),
    ]
    assert summary(run).splitlines() == [
        f"4 file(s) ingested into {tmp_path / 'seeds'}",
        "  stored         1",
        "  dead-lettered  1",
        "    d/b.txt: fetcher: empty file",
        "  already known  1",
        "  in flight      1",
    ]


@pytest.mark.slow
def test_ingest_a_folder_into_a_running_pipeline(
    tmp_path: Path, sample_articles: list[Path], orewatch_run: Callable[..., Any]
) -> None:
    folder = batch(tmp_path / "downloads", sample_articles[:3])
    started = orewatch_run()
    run, env = started.process, started.env
    try:
        deadline = time.monotonic() + 120
        while orewatch(env, tmp_path, "db", "url").returncode != 0:
            assert time.monotonic() < deadline, "the pipeline did not come up in 120 s"
            time.sleep(0.5)
        first = orewatch(env, tmp_path, "ingest", str(folder), "--timeout", "240", timeout=300)
        again = orewatch(env, tmp_path, "ingest", str(folder), "--timeout", "60", timeout=120)
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output.decode(errors="replace")[-3000:]

    assert first.returncode == 0, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == f"5 file(s) ingested into {started.seeds}"
    assert "  stored         3" in lines
    assert "  dead-lettered  2" in lines
    assert f"    downloads/{EMPTY}: fetcher: empty file" in lines
    assert (
        f"    downloads/{BINARY}: fetcher: binary content (control bytes), not a text or HTML document"
        in lines
    )
    assert "  already known  0" in lines
    for article in sample_articles[:3]:
        assert (started.seeds / "downloads" / article.name).read_bytes() == article.read_bytes()
    assert not (started.seeds / "downloads" / ".hidden.txt").exists()

    assert again.returncode == 0, again.stdout + again.stderr
    assert "  already known  5" in again.stdout.splitlines()
    assert "  stored         0" in again.stdout.splitlines()
