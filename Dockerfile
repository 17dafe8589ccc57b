# One image per orewatch service, from one file: the build argument SERVICE names it.
# Build from the repository root (the uv workspace):
#   docker build --build-arg SERVICE=extractor -t orewatch-extractor .
# SERVICE is one of fetcher, cleaner, extractor, store (orewatch_common.launch.Service);
# compose's `migrate` job runs in the store image.

# --- build: resolve from uv.lock into /app/.venv, no dev tools, workspace members as wheels
FROM python:3.11-slim AS build
ARG SERVICE

# The same uv range as the Makefile; uv.lock is read with --frozen, never re-resolved.
RUN test -n "${SERVICE}" || { echo "--build-arg SERVICE=<fetcher|cleaner|extractor|store> is required" >&2; exit 1; } \
    && pip install --no-cache-dir --disable-pip-version-check "uv>=0.8,<0.14"

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11
WORKDIR /app

# Third-party dependencies first: this layer is rebuilt only when a lock or manifest changes.
# Every library's manifest is copied; uv installs only those the service depends on.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY libs/lexicon/pyproject.toml libs/lexicon/
COPY services/${SERVICE}/pyproject.toml services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "orewatch-${SERVICE}" --no-install-workspace

# Then the workspace libraries and the service itself, installed (not editable) into the venv.
COPY libs/common libs/common
COPY libs/lexicon libs/lexicon
COPY services/${SERVICE} services/${SERVICE}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "orewatch-${SERVICE}" --no-editable

# --- runtime: the venv alone, as an unprivileged user; no uv, pip or setuptools
FROM python:3.11-slim AS runtime
ARG SERVICE

RUN python -m pip uninstall --quiet --yes pip setuptools wheel \
    && groupadd --system --gid 10001 orewatch \
    && useradd --system --uid 10001 --gid orewatch --home-dir /app --no-create-home orewatch
WORKDIR /app
COPY --from=build /app/.venv /app/.venv

# OREWATCH_SERVICE: which service orewatch_common.launch runs (exec form cannot expand it).
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OREWATCH_SERVICE=${SERVICE}
USER 10001:10001

CMD ["python", "-m", "orewatch_common.launch"]
