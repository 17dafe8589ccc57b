"""The README documents every setting: its table is the one `orewatch settings` generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from orewatch_cli.settings_doc import BEGIN, END, default_text, readme_table, settings_table, variables
from orewatch_common.settings import Settings

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_is_described_and_in_the_readme(name: str, readme: str) -> None:
    info = Settings.model_fields[name]
    assert info.description, f"{name}: no description, so the README would say nothing about it"
    row = next(
        (line for line in readme_table(readme).splitlines() if f"`{variables(name, info)[0]}`" in line), ""
    )
    assert row, (
        f"{name} ({', '.join(variables(name, info))}) is missing from README.md: run `orewatch settings`"
    )


def test_the_readme_table_is_the_generated_one(readme: str) -> None:
    assert readme_table(readme) == settings_table(), "README.md is stale: paste `orewatch settings` over it"


def test_orewatch_settings_prints_the_table() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orewatch_cli.main", "settings"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == settings_table() + "\n"


def test_a_missing_setting_fails_the_check(readme: str) -> None:
    """The check is not vacuous: the README without one row no longer matches."""
    table = readme_table(readme)
    row = next(line for line in table.splitlines() if "`OREWATCH_STREAM_MAX_BYTES`" in line)
    assert readme_table(readme.replace(row + "\n", "")) != settings_table()
    assert readme_table("no markers here") == ""
    assert readme_table(f"{END}\n{BEGIN}") == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        (False, "`false`"),
        (True, "`true`"),
        (300.0, "`300`"),
        (0.5, "`0.5`"),
        (5432, "`5432`"),
        (Path("seeds"), "`seeds`"),
        ("INFO", "`INFO`"),
    ],
)
def test_defaults_are_written_as_the_environment_takes_them(value: Any, text: str) -> None:
    assert default_text(value) == text


@pytest.mark.parametrize(
    ("name", "names"),
    [
        ("nats_url", ["NATS_URL", "OREWATCH_NATS_URL"]),
        ("postgres_host", ["POSTGRES_HOST"]),
        ("stream_max_age_s", ["OREWATCH_STREAM_MAX_AGE_S"]),
    ],
)
def test_the_variable_names_are_those_pydantic_reads(name: str, names: list[str]) -> None:
    assert variables(name, Settings.model_fields[name]) == names


def test_a_pipe_in_a_description_does_not_break_the_row() -> None:
    feeds = next(line for line in settings_table().splitlines() if line.startswith("| `OREWATCH_FEEDS` |"))
    assert feeds.count(" | ") == 2
    assert "`url\\|60`" in feeds
