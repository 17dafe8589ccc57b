"""No function in services/*/src is longer than 60 lines: each is a small named step that a
reader takes in at once and a table-driven test covers alone."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_LINES = 60

# A function that must be longer, with its length: it may shrink, never grow. None today.
ALLOWED: dict[str, int] = {}


def functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Qualified name and length in lines (def line to last line) of every function, nested ones too."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = prefix + node.name
            yield name, (node.end_lineno or node.lineno) - node.lineno + 1
            yield from functions(node, name + ".")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, prefix + node.name + ".")
        else:
            yield from functions(node, prefix)


def lengths(root: Path) -> dict[str, int]:
    """`path:qualified name` -> lines, for every function of the services' sources under root."""
    found: dict[str, int] = {}
    for path in sorted(root.glob("services/*/src/**/*.py")):
        relative = path.relative_to(root).as_posix()
        for name, length in functions(ast.parse(path.read_text(encoding="utf-8"))):
            found[f"{relative}:{name}"] = max(length, found.get(f"{relative}:{name}", 0))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    return 1\n", {"f": 2}),
        ("class A:\n    def m(self):\n        pass\n", {"A.m": 2}),
        ("async def f():\n    def inner():\n        pass\n    return inner\n", {"f": 4, "f.inner": 2}),
        ("if True:\n    def g(): pass\n", {"g": 1}),
    ],
)
def test_functions_are_named_and_measured(source: str, expected: dict[str, int]) -> None:
    assert dict(functions(ast.parse(source))) == expected


def test_no_service_function_is_longer_than_60_lines() -> None:
    too_long = {
        where: length
        for where, length in lengths(REPO).items()
        if length > max(MAX_LINES, ALLOWED.get(where, 0))
    }
    assert not too_long, f"functions over {MAX_LINES} lines (or grown past their allowance): {too_long}"
