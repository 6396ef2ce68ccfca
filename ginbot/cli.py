"""The `ginbot` command line: wiring only, no business rules."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from ginbot.settings import Settings, SettingsError, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"today": getattr(args, "today", None)}
    return load_settings(**overrides)


# --- db -------------------------------------------------------------------------------------------------

async def _db_upgrade(settings: Settings) -> int:
    from ginbot.db.migrate import current_revision, upgrade
    from ginbot.db.session import Database

    db = Database(settings.database_url)
    try:
        await upgrade(db)
        print(f"database schema at revision {await current_revision(db)}")
    finally:
        await db.close()
    return 0


async def _import(settings: Settings, kind: str, path: Path) -> int:
    from ginbot.db.csv_import import ImportFailed, import_file
    from ginbot.db.migrate import upgrade
    from ginbot.db.session import Database

    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.session() as session:
            summary = await import_file(session, kind, path)
    except ImportFailed as exc:
        print(f"import of {path} failed, nothing was changed ({len(exc.errors)} problems):", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"imported {kind} from {path}: {summary}")
    return 0


async def _seed(settings: Settings) -> int:
    """Schema plus the bundled data/: what `make run` does on a fresh clone."""
    await _db_upgrade(settings)
    for kind in ("cohorts", "agencies"):
        code = await _import(settings, kind, settings.data_dir / f"{kind}.csv")
        if code:
            return code
    return 0


# --- serve ----------------------------------------------------------------------------------------------

def _serve(settings: Settings) -> int:
    from aiohttp import web

    from ginbot.web.app import create_app

    print(f"ginbot serving on http://{settings.host}:{settings.port}", flush=True)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ginbot", description="GIN Conference v9 migration helpdesk bot")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("serve", help="run the web server (webhooks, web chat, admin, health)")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the schema")
    db_sub.add_parser("seed", help="upgrade, then import data/cohorts.csv and data/agencies.csv")

    imp = sub.add_parser("import", help="import an official list (all-or-nothing)")
    imp.add_argument("kind", choices=["agencies", "cohorts"])
    imp.add_argument("file", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"ginbot: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings)
    if args.command == "db":
        return asyncio.run(_db_upgrade(settings) if args.db_command == "upgrade" else _seed(settings))
    if args.command == "import":
        return asyncio.run(_import(settings, args.kind, args.file))
    raise AssertionError(args.command)
