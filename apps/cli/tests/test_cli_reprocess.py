"""`orewatch reprocess`: the pure parts from hand-written values, then the command on a real
`orewatch run` (its own nats-server and PostgreSQL): a file's rows are replaced by a new
processing version, never added to, and the old version stays in v_article_versions."""

from __future__ import annotations

import argparse
import shutil
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from orewatch_cli.reprocess import Outcome, Scope, Selection, Sent, outcome, summary, tally
from orewatch_store.versions import ArticleVersion

from tests.support.cli import orewatch, poll

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
SENT = Sent(article_id="a" * 32, source_uri="news/nickel.txt", fetched_at=MONDAY)


@pytest.mark.parametrize(
    ("stored", "dead_lettered", "expected"),
    [
        (None, False, Outcome.PENDING),  # not stored before, not yet now
        (ArticleVersion(MONDAY, 0), False, Outcome.PENDING),  # still the first processing
        (ArticleVersion(MONDAY, 2), False, Outcome.PENDING),  # an earlier run
        (ArticleVersion(MONDAY, 3), False, Outcome.STORED),
        (ArticleVersion(MONDAY, 3), True, Outcome.STORED),  # an older dead letter of its file matters no more
        (ArticleVersion(MONDAY, 4), False, Outcome.SUPERSEDED),  # a later run got there
        (ArticleVersion(TUESDAY, 0), False, Outcome.SUPERSEDED),  # the file changed meanwhile
        (ArticleVersion(MONDAY, 0), True, Outcome.DEAD_LETTERED),
        (None, True, Outcome.DEAD_LETTERED),  # the cleaner found no text again
    ],
)
def test_outcome_of_an_article_sent_as_version_3(
    stored: ArticleVersion | None, dead_lettered: bool, expected: Outcome
) -> None:
    assert outcome(SENT, 3, stored, dead_lettered) is expected


def test_tally_and_summary() -> None:
    counts = tally([Outcome.STORED, Outcome.STORED, Outcome.DEAD_LETTERED, Outcome.STORED])
    assert counts == {Outcome.PENDING: 0, Outcome.STORED: 3, Outcome.DEAD_LETTERED: 1, Outcome.SUPERSEDED: 0}
    assert summary(7, counts) == (
        "processing version 7: 4 article(s) sent, 3 stored, 1 dead-lettered, 0 superseded by a newer version"
    )
    waiting = tally([Outcome.PENDING, Outcome.SUPERSEDED])
    assert summary(8, waiting) == (
        "processing version 8: 2 article(s) sent, 0 stored, 0 dead-lettered, 1 superseded by a newer version,"
        " 1 still pending"
    )


@pytest.mark.parametrize(
    ("options", "selection", "described", "where"),
    [
        ({"every": True}, Selection(Scope.ALL), "--all", ("true", ())),
        (
            {"since": MONDAY},
            Selection(Scope.SINCE, since=MONDAY),
            "--since 2026-12-07T09:00:00+00:00",
            ("fetched_at >= %s", (MONDAY,)),
        ),
        (
            {"article": "b" * 32},
            Selection(Scope.ARTICLE, article_id="b" * 32),
            "--article " + "b" * 32,
            ("article_id = %s", ("b" * 32,)),
        ),
    ],
)
def test_selection(
    options: dict[str, Any], selection: Selection, described: str, where: tuple[str, tuple[object, ...]]
) -> None:
    args = argparse.Namespace(**{"every": False, "since": None, "article": None, **options})
    assert Selection.of(args) == selection
    assert selection.describe() == described
    assert selection.where() == where


# --- on a running pipeline --------------------------------------------------------------------

COUNTS = (
    "SELECT (SELECT count(*) FROM raw_articles), (SELECT count(*) FROM articles),"
    " (SELECT count(*) FROM article_removals), (SELECT count(*) FROM statements),"
    " (SELECT count(*) FROM article_actors), (SELECT count(*) FROM article_minerals)"
)


def versions(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[int, bool]]]:
    """Each article's processing versions in v_article_versions, oldest first, with `current`."""
    found: dict[str, list[tuple[int, bool]]] = {}
    for article_id, version, current in conn.execute(
        "SELECT article_id, processing_version, current FROM v_article_versions"
        " ORDER BY article_id, processing_version"
    ):
        found.setdefault(article_id, []).append((version, current))
    return found


def reprocess(env: dict[str, str], cwd: Path, *args: str) -> str:
    result = orewatch(env, cwd, "reprocess", *args, "--idle-timeout", "120")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.strip()


@pytest.mark.slow
def test_reprocess_replaces_rows_with_a_new_version_on_a_running_pipeline(
    tmp_path: Path, sample_articles: list[Path], orewatch_run: Callable[..., Any]
) -> None:
    started = orewatch_run()
    run, env = started.process, started.env
    try:
        url = poll(lambda: orewatch(env, tmp_path, "db", "url").stdout.strip(), 120, "no database URL")
        for sample in sample_articles[:2]:
            shutil.copy(sample, started.seeds / sample.name)
        with psycopg.connect(url, autocommit=True) as conn:
            poll(
                lambda: (
                    conn.execute("SELECT count(*) FROM v_articles WHERE statements > 0").fetchone() == (2,)
                ),
                120,
                "both articles' rows",
            )
            app_url = orewatch(env, tmp_path, "db", "url", "--role", "app").stdout.strip()
            with psycopg.connect(app_url, autocommit=True) as app:
                before = app.execute(COUNTS).fetchone()
                first, second = (row[0] for row in app.execute("SELECT article_id FROM articles ORDER BY 1"))
                extracted = dict(app.execute("SELECT article_id, extracted_at FROM articles").fetchall())

                one = reprocess(env, tmp_path, "--article", first)
                after_one = versions(conn)
                counts_one = app.execute(COUNTS).fetchone()
                rows_one = dict(app.execute("SELECT article_id, extracted_at FROM articles").fetchall())

                every = reprocess(env, tmp_path, "--all")
                after_all = versions(conn)
                counts_all = app.execute(COUNTS).fetchone()
                current = app.execute(
                    "SELECT processing_version FROM articles ORDER BY article_id"
                ).fetchall()
                replaced = app.execute(
                    "SELECT count(*) FROM article_versions WHERE replaced_at IS NOT NULL"
                ).fetchone()
    finally:
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    assert run.returncode == 0, output.decode(errors="replace")[-3000:]

    stored = "0 dead-lettered, 0 superseded by a newer version"
    assert one == f"processing version 1: 1 article(s) sent, 1 stored, {stored}"
    assert after_one == {first: [(0, False), (1, True)], second: [(0, True)]}
    assert counts_one == before  # replaced, not added
    assert rows_one[first] > extracted[first]  # extracted again
    assert rows_one[second] == extracted[second]  # not selected, not touched

    assert every == f"processing version 2: 2 article(s) sent, 2 stored, {stored}"
    assert after_all == {first: [(0, False), (1, False), (2, True)], second: [(0, False), (2, True)]}
    assert counts_all == before
    assert current == [(2,), (2,)]
    assert replaced == (3,)  # every older version kept, with when it was replaced


def test_a_pipeline_started_without_the_reprocess_user_is_told_to_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An `orewatch run` from before the reprocess user: its nats-server knows no such user."""
    import json
    import os

    from orewatch_cli.supervisor import NoPipeline, running_nats_login
    from orewatch_common.permissions import NatsUser

    monkeypatch.delenv("NATS_URL", raising=False)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "nats-admin").write_text("admin-password\n")
    runtime = {
        "pid": os.getpid(),
        "state_dir": str(tmp_path),
        "nats_admin_password_file": str(secrets / "nats-admin"),
    }
    (tmp_path / "runtime.json").write_text(json.dumps(runtime))
    assert running_nats_login(tmp_path) == ("admin", "admin-password")
    with pytest.raises(NoPipeline, match=r"no NATS user reprocess .* restart it with `make run`"):
        running_nats_login(tmp_path, NatsUser.REPROCESS)
    (secrets / "nats-reprocess").write_text("its-password\n")
    assert running_nats_login(tmp_path, NatsUser.REPROCESS) == ("reprocess", "its-password")
