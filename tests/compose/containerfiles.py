"""Readers of the container files, so tests/compose can check them without a Docker engine.

* `docker-compose.yml` is loaded with PyYAML (anchors and `<<` merges resolved) and
  interpolated the way Compose does, with the values of `.env.example`.
* The one `Dockerfile` is split into stages and instructions for each service's build
  argument (comments, line continuations, `--flags`, `${ARG}` and the JSON form handled;
  enough for what we write).
* `.dockerignore` patterns are matched the way the Docker builder does: a path is sent
  unless the last pattern that matches it or one of its parent folders excludes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERIGNORE = REPO / ".dockerignore"

# The four services with their own image; `migrate` reuses the store's.
IMAGE_SERVICES = ("fetcher", "cleaner", "extractor", "store")
PYTHON_SERVICES = (*IMAGE_SERVICES, "migrate")


# --- .env files -------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped. Quotes are not used in ours."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
            raise ValueError(f"{path.name}:{number}: not a KEY=VALUE line: {line!r}")
        values[key] = value
    return values


# --- Compose interpolation --------------------------------------------------------------------


class InterpolationError(ValueError):
    """A `${VAR:?message}` whose variable is missing, as `docker compose` reports it."""


@dataclass(frozen=True)
class Reference:
    """One `${NAME...}` in the compose file: whether it has a default or is required."""

    name: str
    operator: str  # "", ":-", "-", ":?", "?", ":+", "+"

    @property
    def has_default(self) -> bool:
        return self.operator in (":-", "-", ":+", "+")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(text: str, env: dict[str, str], seen: list[Reference] | None = None) -> str:
    """Compose substitution: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            out.append(_substitute(text[i + 2 : end], env, seen))
            i = end + 1
            continue
        match = _NAME.match(text, i + 1)
        if not match:
            raise InterpolationError(f"invalid interpolation format in {text!r}")
        if seen is not None:
            seen.append(Reference(match.group(), ""))
        out.append(env.get(match.group(), ""))
        i = match.end()
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for i in range(start, len(text)):
        if text.startswith("${", i):
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise InterpolationError(f"unclosed ${{ in {text!r}")


def _substitute(body: str, env: dict[str, str], seen: list[Reference] | None) -> str:
    match = _NAME.match(body)
    if not match:
        raise InterpolationError(f"invalid variable name in ${{{body}}}")
    name, rest = match.group(), body[match.end() :]
    operator = next((op for op in (":-", ":?", ":+", "-", "?", "+") if rest.startswith(op)), "")
    if rest and not operator:
        raise InterpolationError(f"invalid interpolation format ${{{body}}}")
    if seen is not None:
        seen.append(Reference(name, operator))
    argument = interpolate(rest[len(operator) :], env, seen) if operator else ""
    value, is_set = env.get(name), name in env
    usable = bool(value) if operator.startswith(":") else is_set
    if operator in (":-", "-"):
        return value if usable and value is not None else argument
    if operator in (":?", "?"):
        if not usable:
            raise InterpolationError(f"required variable {name} is missing a value: {argument}")
        return value or ""
    if operator in (":+", "+"):
        return argument if usable else ""
    return value or ""


def interpolate_tree(node: Any, env: dict[str, str], seen: list[Reference] | None = None) -> Any:
    """Interpolate every string value (not keys) of a loaded compose document."""
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env, seen) for value in node]
    if isinstance(node, str):
        return interpolate(node, env, seen)
    return node


def load_compose(env: dict[str, str]) -> dict[str, Any]:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return interpolate_tree(raw, env)


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, as a dict whatever form it was written in."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def volume_mounts(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(source, target, mode) of each short-syntax volume of a service."""
    mounts = []
    for spec in service.get("volumes", []):
        source, target, *mode = spec.split(":")
        mounts.append((source, target, mode[0] if mode else "rw"))
    return mounts


SECRETS_TARGET = "/run/secrets"


def build_args(service: dict[str, Any]) -> dict[str, str]:
    """A service's `build.args`, as a dict whatever form it was written in."""
    args = (service.get("build") or {}).get("args") or {}
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    return {key: str(value) for key, value in args.items()}


def image_of(service: dict[str, Any]) -> str:
    """Which service's image a compose service runs: its SERVICE build argument."""
    return build_args(service)["SERVICE"]


def config_files(service: dict[str, Any]) -> dict[str, str]:
    """Where each config of a service appears in its container -> the config's name."""
    mounted = {}
    for entry in service.get("configs", []):
        name = entry if isinstance(entry, str) else entry["source"]
        target = f"/{name}" if isinstance(entry, str) else entry.get("target", f"/{name}")
        mounted[target] = name
    return mounted


def secret_files(compose: dict[str, Any], service: dict[str, Any]) -> dict[str, str]:
    """Where each secret of a service appears in its container -> the host file compose reads it from."""
    mounted = {}
    for entry in service.get("secrets", []):
        name = entry if isinstance(entry, str) else entry["source"]
        target = name if isinstance(entry, str) else entry.get("target", name)
        path = target if target.startswith("/") else f"{SECRETS_TARGET}/{target}"
        mounted[path] = compose["secrets"][name]["file"]
    return mounted


# --- Dockerfiles ------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    flags: dict[str, str]
    args: list[str]  # JSON form: the array; shell form: whitespace-split words
    text: str  # everything after the keyword and flags, as written (continuations joined)
    json_form: bool


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        """ENV of this stage (KEY=VALUE form), later ones winning."""
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in instruction.args:
                key, sep, value = word.partition("=")
                assert sep, f"ENV {instruction.text!r}: use the KEY=VALUE form"
                values[key] = value.strip('"')
        return values


KEYWORDS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def logical_lines(text: str) -> list[str]:
    """Instructions one a line: comment lines dropped, backslash continuations joined."""
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    if pending:
        raise ValueError(f"Dockerfile ends in a line continuation: {pending!r}")
    return lines


def with_build_args(line: str, build_args: dict[str, str]) -> str:
    """`${NAME}` and `$NAME` of each build argument replaced by its value, as the builder does."""
    for name, value in build_args.items():
        line = re.sub(rf"\$(\{{{name}\}}|{name}\b)", lambda _, value=value: value, line)
    return line


def parse_dockerfile(path: Path, build_args: dict[str, str] | None = None) -> list[Stage]:
    stages: list[Stage] = []
    for line in logical_lines(path.read_text(encoding="utf-8")):
        line = with_build_args(line, build_args or {})
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword not in KEYWORDS:
            raise ValueError(f"{path}: unknown instruction {keyword!r}")
        flags: dict[str, str] = {}
        rest = rest.strip()
        while keyword in ("RUN", "COPY", "ADD", "FROM") and rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.strip()
        json_form = rest.startswith("[")
        args = json.loads(rest) if json_form else rest.split()
        instruction = Instruction(keyword, flags, args, rest, json_form)
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            if len(words) not in (1, 3) or (len(words) == 3 and name is None):
                raise ValueError(f"{path}: FROM {rest!r} is not `FROM image [AS name]`")
            stages.append(Stage(base=words[0], name=name))
        elif not stages:
            if keyword != "ARG":
                raise ValueError(f"{path}: {keyword} before the first FROM")
            continue
        stages[-1].instructions.append(instruction)
    return stages


# --- .dockerignore ----------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class DockerIgnore:
    """The builder's rule: the last pattern matching a path or any of its parents decides."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line[1:].strip() if negated else line
            pattern = pattern.strip("/")
            self.rules.append((negated, _pattern_regex(pattern)))

    def excludes(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negated, regex in self.rules:
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not negated
        return excluded
