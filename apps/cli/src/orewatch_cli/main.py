"""`orewatch`: run the pipeline, serve one service, migrate, or clean/extract files offline."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

SERVICES = ("fetcher", "cleaner", "extractor", "store")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orewatch", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start NATS, PostgreSQL and the four services; Ctrl-C stops")
    run.add_argument("--seeds", type=Path, default=None, help="folder to watch (default: ./seeds)")
    run.add_argument("--state", type=Path, default=None, help="server data folder (default: ./.orewatch)")

    serve = commands.add_parser(
        "serve", help="run one service in the foreground (one process = one container)"
    )
    serve.add_argument("service", choices=SERVICES)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply Alembic migrations (alembic upgrade head)")
    db_commands.add_parser("url", help="print the database URL of the running pipeline, for psql")

    clean = commands.add_parser("clean", help="print the clean article of each file, one JSON per line")
    clean.add_argument("files", nargs="+", type=Path)
    extract = commands.add_parser("extract", help="print the extraction of each file, one JSON per line")
    extract.add_argument("files", nargs="+", type=Path)

    docs = commands.add_parser("docs", help="write the AsyncAPI document of every service")
    docs.add_argument("out", type=Path, nargs="?", default=Path("docs/asyncapi"))

    args = parser.parse_args(argv)
    if args.command == "run":
        from orewatch_cli.supervisor import run_pipeline

        return run_pipeline(seeds_dir=args.seeds, state_dir=args.state)
    if args.command == "serve":
        return serve_service(args.service)
    if args.command == "db":
        return db_command(args.db_command)
    if args.command in ("clean", "extract"):
        from orewatch_cli.offline import print_documents

        return print_documents(args.files, extract=args.command == "extract")
    if args.command == "docs":
        return write_docs(args.out)
    parser.error(f"unknown command {args.command}")
    return 2


def serve_service(service: str) -> int:
    """Run one service until SIGINT/SIGTERM: the same as `python -m orewatch_<service>`."""
    from orewatch_common.serving import serve

    serve(service, importlib.import_module(f"orewatch_{service}.app").build_app)
    return 0


def db_command(command: str) -> int:
    from orewatch_common.settings import get_settings

    if command == "upgrade":
        from orewatch_store.migrations_runner import upgrade_to_head

        upgrade_to_head(get_settings().sqlalchemy_url())
        return 0
    from orewatch_cli.supervisor import running_database_url

    url = running_database_url()
    if url is None:
        print("no running pipeline found: start it with `make run` (or set DATABASE_URL)", file=sys.stderr)
        return 1
    print(url)
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
