"""The `ginbot` command line: wiring only, no business rules."""

from __future__ import annotations

import argparse
import asyncio
import errno
import io
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ginbot.db.migrate import SchemaNotCurrent, require_current_schema, upgrade
from ginbot.db.session import Database, DatabaseUnavailable
from ginbot.errors import DataFileError
from ginbot.observability.logging import configure_logging
from ginbot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:  # imported where used: `ginbot parse` and `db` commands need neither the core nor its NLU
    from ginbot.core.catalog import Catalog
    from ginbot.core.dialogue import Bot
    from ginbot.core.messages import Reply


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"today": getattr(args, "today", None)}
    return load_settings(**overrides)


# --- db -------------------------------------------------------------------------------------------------

async def _db_upgrade(settings: Settings) -> int:
    from ginbot.db.migrate import current_revision, upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db)
        print(f"database schema at revision {await current_revision(db)}")
    finally:
        await db.close()
    return 0


async def _import(settings: Settings, kind: str, path: Path) -> int:
    from ginbot.db.csv_import import ImportFailed, import_file

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


async def _seed(settings: Settings, if_empty: bool = False) -> int:
    """Schema plus the bundled data/: what `make run` does on a fresh clone. ``if_empty``: only into empty
    tables, so a container's start (compose's seed step) never overwrites what staff imported since."""
    code = await _db_upgrade(settings)
    if code:
        return code
    for kind in ("cohorts", "agencies"):
        if if_empty and await _has_rows(settings, kind):
            print(f"{kind}: already in the database, not imported (--if-empty)")
            continue
        code = await _import(settings, kind, settings.data_dir / f"{kind}.csv")
        if code:
            return code
    return 0


async def _has_rows(settings: Settings, kind: str) -> bool:
    from ginbot.db import queries

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            return bool(await (queries.cohorts(session) if kind == "cohorts" else queries.agencies(session)))
    finally:
        await db.close()


# --- conversation ---------------------------------------------------------------------------------------

def _print_replies(replies: list[Reply]) -> None:
    for reply in replies:
        print(reply.plain())
        if reply.quick_replies:
            print("  " + " | ".join(f"[{q.label}]" for q in reply.quick_replies))


def _replies_json(replies: list[Reply]) -> list[dict[str, Any]]:
    from ginbot.channels.jsonform import replies_json

    return replies_json(replies, rich=False)


async def _open_bot(settings: Settings) -> tuple[Database, Bot]:
    from ginbot.wiring import build_bot

    db = Database(settings.database_url)
    await upgrade(db)
    bot = await build_bot(settings, db)
    _warn_if_empty(await bot.catalog())
    return db, bot


def _warn_if_empty(catalog: Catalog) -> None:
    if not catalog.agencies:
        print("ginbot: the database has no agencies yet; run `ginbot db seed` (or `ginbot import …`)", file=sys.stderr)


async def _ask(settings: Settings, user: str, text: str, as_json: bool) -> int:
    from ginbot.core.messages import Channel, IncomingMessage

    db, bot = await _open_bot(settings)
    try:
        outcome = await bot.respond(IncomingMessage(Channel.CONSOLE, user, text))
    finally:
        await db.close()
    if as_json:
        body = {
            "user": user,
            "text": text,
            "topic": outcome.topic,
            "intent": outcome.intent,
            "handoff": outcome.handoff,
            "replies": _replies_json(outcome.replies),
        }
        print(json.dumps(body, ensure_ascii=False))
    else:
        _print_replies(outcome.replies)
    return 0


def _chat(settings: Settings, user: str) -> int:
    from ginbot.channels.console import run_console
    from ginbot.core.messages import Channel, IncomingMessage

    # One event loop for the whole chat, run only while a turn is answered: the prompt is read outside
    # it, where Ctrl-C is a plain KeyboardInterrupt (see ginbot.channels.console).
    with asyncio.Runner() as runner:
        db, bot = runner.run(_open_bot(settings))
        try:
            run_console(lambda text: runner.run(bot.handle(IncomingMessage(Channel.CONSOLE, user, text))))
        finally:
            runner.run(db.close())
    return 0


async def _parse(settings: Settings, text: str | None, jsonl: bool) -> int:
    from ginbot.core.catalog import load_catalog
    from ginbot.wiring import build_nlu, stored_examples, stored_knowledge

    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.session() as session:
            catalog = await load_catalog(session)
            # What staff taught on the admin page counts here too, exactly as in the running bot.
            examples = await stored_examples(session)
            stored = await stored_knowledge(session)
    finally:
        await db.close()
    _warn_if_empty(catalog)
    nlu = build_nlu(settings, catalog, examples, stored)
    if jsonl or text is None:
        # Bytes that are not UTF-8 become U+FFFD: one bad line must not end the whole run.
        raw = getattr(sys.stdin, "buffer", None)
        lines = io.TextIOWrapper(raw, encoding="utf-8", errors="replace") if raw is not None else sys.stdin
        for line in lines:
            line = line.rstrip("\n")
            print(json.dumps(nlu.parse(line).to_json(), ensure_ascii=False), flush=True)
        return 0
    print(json.dumps(nlu.parse(text).to_json(), ensure_ascii=False))
    return 0


def _eval(settings: Settings, intents_dir: Path | None, as_json: bool) -> int:
    from ginbot.nlu.evaluate import report_json, run_eval

    report = run_eval(intents_dir or settings.intents_dir, settings.data_dir / "agencies.csv")
    print(report_json(report) if as_json else report.to_text())
    return 1 if report.failures() else 0


async def _readiness(settings: Settings, cohort: int | None, as_json: bool) -> int:
    from ginbot.core import readiness_report

    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.session() as session:
            report = await readiness_report.load(session, cohort)
    finally:
        await db.close()
    if cohort is not None and not report:
        print(f"ginbot readiness: no cohort {cohort}", file=sys.stderr)
        return 2
    print(json.dumps(readiness_report.as_json(report), ensure_ascii=False) if as_json else readiness_report.as_text(report))
    return 0


# --- staff accounts (admin pages) -------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str | None:
    """One line from stdin (scripts), or typed twice without echo (people)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        print("ginbot: the two passwords differ; nothing was changed", file=sys.stderr)
        return None
    return first


async def _staff(settings: Settings, action: str, name: str, from_stdin: bool) -> int:
    from ginbot.web.admin.accounts import AccountError, create_staff, name_problem, set_password

    problem = name_problem(name) if action == "add" else None
    if problem:
        print(f"ginbot: {problem}", file=sys.stderr)
        return 2
    password = _read_password(from_stdin)
    if password is None:
        return 1
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.session() as session:
            if action == "add":
                await create_staff(session, name, password, by="cli")
            else:
                await set_password(session, name, password, by="cli")
    except AccountError as exc:
        print(f"ginbot: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"staff account {name}: " + ("created" if action == "add" else "password changed, signed out everywhere"))
    return 0


# --- serve ----------------------------------------------------------------------------------------------

def _serve(settings: Settings) -> int:
    from aiohttp import web

    from ginbot.web.app import create_app
    from ginbot.web.lifecycle import settle_heap_after_startup

    print(f"ginbot serving on http://{settings.host}:{settings.port}", flush=True)
    app = create_app(settings)
    settle_heap_after_startup(app)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        print(f"ginbot: cannot listen on {settings.host}:{settings.port} (GINBOT_HOST, GINBOT_PORT): {exc.strerror}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ginbot", description="GIN Conference v9 migration helpdesk bot")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("serve", help="run the web server (webhooks, web chat, admin, health)")

    chat = sub.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("--user", default="console", help="who you are (conversation state is kept per user)")
    chat.add_argument("--today", type=date.fromisoformat, help="pretend today is YYYY-MM-DD")

    ask = sub.add_parser("ask", help="one turn of a conversation")
    ask.add_argument("--user", default="console")
    ask.add_argument("--today", type=date.fromisoformat, help="pretend today is YYYY-MM-DD")
    ask.add_argument("--json", action="store_true", help="print the replies as JSON")
    ask.add_argument("text")

    parse = sub.add_parser("parse", help="NLU only: intent and entities as JSON")
    parse.add_argument("--jsonl", action="store_true", help="read one text a line from stdin")
    parse.add_argument("text", nargs="?")

    conversations = sub.add_parser(
        "test-conversations", help="run the conversation tests (multi-turn dialogues with expected answers)"
    )
    conversations.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the conversations folder in GINBOT_INTENTS_DIR)"
    )
    conversations.add_argument("--failures-only", action="store_true", help="print only the dialogues that fail")

    evaluate = sub.add_parser("eval", help="intent-accuracy report on the held-out utterances")
    evaluate.add_argument("--intents", type=Path, help="intents folder (default: GINBOT_INTENTS_DIR)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the schema")
    seed = db_sub.add_parser("seed", help="upgrade, then import data/cohorts.csv and data/agencies.csv")
    seed.add_argument("--if-empty", action="store_true", help="import only into empty tables (a container's start)")

    imp = sub.add_parser("import", help="import an official list (all-or-nothing)")
    imp.add_argument("kind", choices=["agencies", "cohorts"])
    imp.add_argument("file", type=Path)

    staff = sub.add_parser("staff", help="helpdesk staff accounts for the admin pages")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    for action, text in (("add", "create an account"), ("passwd", "set a new password (signs it out everywhere)")):
        cmd = staff_sub.add_parser(action, help=text)
        cmd.add_argument("name")
        cmd.add_argument("--password-stdin", action="store_true", help="read the password from stdin (one line)")

    ready = sub.add_parser("readiness", help="who says AcuConference 9 works, per cohort and agency")
    ready.add_argument("--cohort", type=int, help="only this cohort")
    ready.add_argument("--json", action="store_true", help="print JSON (shape in the README)")

    from ginbot.channels.line_commands import add_parsers as add_line_parsers

    add_line_parsers(sub)  # line richmenu deploy

    from ginbot.delivery.commands import add_parsers as add_delivery_parsers

    add_delivery_parsers(sub)  # broadcast, worker
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a closed pipe must fail here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `ginbot ask … | head -1`: the reader has what it wanted. Point stdout at /dev/null so Python's
        # final flush stays quiet too, and exit as a command killed by SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        # Ctrl-C during any command: stop now, without a traceback.
        return 128 + signal.SIGINT


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"ginbot: {exc}", file=sys.stderr)
        return 2
    # Interactive and one-shot commands print their own results; library chatter (Alembic's INFO lines)
    # would bury them. The server and the worker log at the configured level.
    quiet = args.command in (
        "ask", "chat", "parse", "eval", "import", "db", "broadcast", "test-conversations", "readiness", "line"
    )
    configure_logging(settings, level="WARNING" if quiet else None)
    try:
        if args.command == "serve":
            from ginbot.web.webhooks import check_settings

            check_settings(settings)  # the channels' settings first: nothing else is worth checking before
        # Everything else reads or writes the database.
        if args.command not in ("eval", "test-conversations", "line"):
            asyncio.run(_check_database(settings, schema=args.command == "serve"))
        return _run(args, settings)
    except (SettingsError, DataFileError, DatabaseUnavailable, SchemaNotCurrent) as exc:
        # A typo in intents/ or data/, or a database that is down: say what and where, not how deep in
        # the stack it was found.
        print(f"ginbot: {exc}", file=sys.stderr)
        return 2


async def _check_database(settings: Settings, *, schema: bool) -> None:
    """Reachable, and for ``serve`` (the one command that does not upgrade by itself) at the current schema."""
    db = Database(settings.database_url)
    try:
        await db.check()
        if schema:
            await require_current_schema(db)
    finally:
        await db.close()


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ask":
        return asyncio.run(_ask(settings, args.user, args.text, args.json))
    if args.command == "chat":
        return _chat(settings, args.user)
    if args.command == "parse":
        return asyncio.run(_parse(settings, args.text, args.jsonl))
    if args.command == "eval":
        return _eval(settings, args.intents, args.json)
    if args.command == "test-conversations":
        from ginbot.testing import conversations

        return asyncio.run(conversations.main(settings, args.paths, verbose=not args.failures_only))
    if args.command == "serve":
        return _serve(settings)
    if args.command == "db":
        return asyncio.run(_db_upgrade(settings) if args.db_command == "upgrade" else _seed(settings, args.if_empty))
    if args.command == "import":
        return asyncio.run(_import(settings, args.kind, args.file))
    if args.command == "staff":
        return asyncio.run(_staff(settings, args.staff_command, args.name, args.password_stdin))
    if args.command == "readiness":
        return asyncio.run(_readiness(settings, args.cohort, args.json))
    if args.command == "line":
        from ginbot.channels import line_commands

        return asyncio.run(line_commands.run(settings, args))
    if args.command in ("broadcast", "worker"):
        from ginbot.delivery import commands

        if args.command == "broadcast":
            return asyncio.run(commands.broadcast(settings, args))
        return asyncio.run(commands.worker(settings))
    raise AssertionError(args.command)
