"""`orewatch`: run the pipeline, serve one service, migrate, or clean/extract files offline."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orewatch_common.permissions import DbRole

SERVICES = ("fetcher", "cleaner", "extractor", "store")

if TYPE_CHECKING:
    # what add_subparsers returns; argparse gives it no public name
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    return run_command(parser, parser.parse_args(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orewatch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_pipeline_commands(commands)
    _add_admin_commands(commands)
    _add_offline_commands(commands)
    _add_export_command(commands)
    _add_reprocess_command(commands)
    return parser


def _add_pipeline_commands(commands: Commands) -> None:
    """run and serve: the pipeline on this machine, or one service of it."""
    run = commands.add_parser("run", help="start NATS, PostgreSQL and the four services; Ctrl-C stops")
    run.add_argument("--seeds", type=Path, default=None, help="folder to watch (default: ./seeds)")
    run.add_argument("--state", type=Path, default=None, help="server data folder (default: ./.orewatch)")

    serve = commands.add_parser(
        "serve", help="run one service in the foreground (one process = one container)"
    )
    serve.add_argument("service", choices=SERVICES)

    ingest = commands.add_parser(
        "ingest",
        help="copy files or folders into the running pipeline's seeds/ and follow them until stored",
        description="Copies each file into the watched seeds folder (a folder keeps its name there), "
        "shows a progress bar until each is stored or dead-lettered, then a summary. Exit 1 without "
        "a running pipeline, or with files still in flight at --timeout.",
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    ingest.add_argument(
        "--seeds", type=Path, default=None, help="seeds folder (default: the running pipeline's)"
    )
    ingest.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help="stop following after this long"
    )


def _add_admin_commands(commands: Commands) -> None:
    """db, status, bus and secrets: what an operator needs around a running pipeline."""
    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply Alembic migrations (alembic upgrade head)")
    db_url = db_commands.add_parser("url", help="print a database URL of the running pipeline, for psql")
    db_url.add_argument(
        "--role",
        choices=[role.value for role in DbRole],
        default=DbRole.READER.value,
        help="reader (default: SELECT on the v_* views), app (the store's DML) or owner (migrations)",
    )

    status = commands.add_parser(
        "status", help="how the running pipeline is doing: services, consumer backlogs, dead letters"
    )
    status.add_argument("--json", action="store_true", help="print one JSON object instead of tables")

    bus = commands.add_parser("bus", help="NATS commands")
    bus_commands = bus.add_subparsers(dest="bus_command", required=True)
    bus_commands.add_parser("url", help="print the NATS URL of the running pipeline (no credentials)")

    secrets = commands.add_parser("secrets", help="generated passwords")
    secrets_commands = secrets.add_subparsers(dest="secrets_command", required=True)
    init = secrets_commands.add_parser(
        "init",
        help="generate ./secrets/ for docker compose (passwords and nats-server.conf), kept if present",
    )
    init.add_argument("dir", type=Path, nargs="?", default=Path("secrets"))


def _add_offline_commands(commands: Commands) -> None:
    """clean, extract and docs: no servers needed."""
    clean = commands.add_parser("clean", help="print the clean article of each file, one JSON per line")
    clean.add_argument("files", nargs="+", type=Path)
    extract = commands.add_parser("extract", help="print the extraction of each file, one JSON per line")
    extract.add_argument("files", nargs="+", type=Path)

    docs = commands.add_parser("docs", help="write the AsyncAPI document of every service")
    docs.add_argument("out", type=Path, nargs="?", default=Path("docs/asyncapi"))
    commands.add_parser("settings", help="print the table of every setting (the README's Configuration)")


def _add_export_command(commands: Commands) -> None:
    """export: the public views as files, for analysts who do not write SQL."""
    from orewatch_cli.export import SINCE_HELP, Dataset, Format, parse_since

    export = commands.add_parser(
        "export",
        help="write statements, actors or minerals (the v_* views) as csv, jsonl or parquet",
        description="Reads the public views as the reader role of the running pipeline "
        "(or DATABASE_URL), streaming rows; prints the row count on stderr.",
    )
    export.add_argument(
        "dataset",
        choices=[dataset.value for dataset in Dataset],
        help="statements: v_statements with its article's source, url, author and fetched_at; "
        "actors: v_actor_minerals (an actor and a mineral); minerals: one row per mineral",
    )
    export.add_argument(
        "--format",
        choices=[form.value for form in Format],
        default=Format.CSV.value,
        help="csv (default; RFC 4180, UTF-8, lists as JSON arrays), jsonl or parquet",
    )
    export.add_argument("--since", type=parse_since, default=None, metavar="DATE", help=SINCE_HELP)
    export.add_argument(
        "--output", type=Path, default=None, metavar="FILE", help="default: stdout (parquet needs a file)"
    )


def _add_reprocess_command(commands: Commands) -> None:
    """reprocess: stored articles through an improved cleaner or extractor, under a new version."""
    from orewatch_cli.export import parse_since
    from orewatch_cli.reprocess import IDLE_TIMEOUT_S

    reprocess = commands.add_parser(
        "reprocess",
        help="run stored raw articles through the cleaner and extractor again (a new processing version)",
        description="Sends stored raw articles to the running pipeline again; the store replaces each "
        "article's rows with the new version and keeps the old one in v_article_versions. Waits, with a "
        "progress bar, until each is stored or dead-lettered, then prints the count.",
    )
    which = reprocess.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", dest="every", action="store_true", help="every stored raw article")
    which.add_argument(
        "--since",
        type=parse_since,
        default=None,
        metavar="DATE",
        help="the raw articles fetched from DATE on (ISO date or datetime; UTC unless it names a zone)",
    )
    which.add_argument("--article", default=None, metavar="ID", help="one article, by its article_id")
    reprocess.add_argument(
        "--idle-timeout",
        type=float,
        default=IDLE_TIMEOUT_S,
        metavar="SECONDS",
        help=f"give up (exit 1) when no article was stored for this long (default {IDLE_TIMEOUT_S:.0f})",
    )


def run_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The parsed command, run; services and servers are imported only by the commands that use them."""
    if args.command == "run":
        from orewatch_cli.supervisor import run_pipeline

        return run_pipeline(seeds_dir=args.seeds, state_dir=args.state)
    if args.command == "serve":
        return serve_service(args.service)
    if args.command == "db":
        return db_command(args.db_command, DbRole(getattr(args, "role", DbRole.READER.value)))
    if args.command == "status":
        from orewatch_cli.status import show_status

        return show_status(as_json=args.json)
    if args.command == "bus":
        return bus_url()
    if args.command == "secrets":
        return init_secrets(args.dir)
    if args.command in ("clean", "extract"):
        from orewatch_cli.offline import print_documents

        return print_documents(args.files, extract=args.command == "extract")
    if args.command == "docs":
        return write_docs(args.out)
    if args.command == "export":
        return export_command(parser, args)
    if args.command == "reprocess":
        from orewatch_cli.reprocess import Selection, reprocess

        return reprocess(Selection.of(args), idle_timeout_s=args.idle_timeout)
    if args.command == "ingest":
        from orewatch_cli.ingest import ingest

        return ingest(args.paths, seeds=args.seeds, timeout=args.timeout)
    if args.command == "settings":
        from orewatch_cli.settings_doc import settings_table

        print(settings_table())
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


def export_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from orewatch_cli.export import Dataset, Format, export

    form = Format(args.format)
    if form is Format.PARQUET and args.output is None:
        parser.error("--format parquet needs --output FILE (it is binary)")
    return export(Dataset(args.dataset), form, since=args.since, output=args.output)


def serve_service(service: str) -> int:
    """Run one service until SIGINT/SIGTERM: the same as `python -m orewatch_<service>`."""
    from orewatch_common.serving import serve

    serve(service, importlib.import_module(f"orewatch_{service}.app").build_app)
    return 0


def db_command(command: str, role: DbRole = DbRole.READER) -> int:
    from orewatch_common.settings import get_settings

    if command == "upgrade":
        from orewatch_store.migrations_runner import upgrade_to_head

        upgrade_to_head(get_settings().sqlalchemy_url())
        return 0
    from orewatch_cli.supervisor import NoPipeline, running_database_url

    try:
        url = running_database_url(role)
    except NoPipeline as reason:
        print(f"{reason} (or set DATABASE_URL)", file=sys.stderr)
        return 1
    print(url)
    return 0


def bus_url() -> int:
    from orewatch_cli.supervisor import NoPipeline, running_nats_url

    try:
        url = running_nats_url()
    except NoPipeline as reason:
        print(f"{reason} (or set NATS_URL)", file=sys.stderr)
        return 1
    print(url)
    return 0


def init_secrets(directory: Path) -> int:
    """Compose's secrets: readable inside the containers (their users differ from yours), so the
    files are 0644 in a folder only you may enter (0700)."""
    from orewatch_cli.credentials import write_nats_config

    print(write_nats_config(directory, mode=0o644).parent)
    return 0


def write_docs(out: Path) -> int:
    """AsyncAPI 3.0 of each service, from the apps themselves (same as `faststream docs gen`)."""
    out.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        module = importlib.import_module(f"orewatch_{service}.app")
        schema = module.app.schema.to_specification().to_jsonable()
        path = out / f"{service}.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
