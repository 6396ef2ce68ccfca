"""`ginbot broadcast` and `ginbot worker`: argument handling and printing only (wired from ginbot/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import signal
import sys
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ginbot.channels.registry import REGISTRY
from ginbot.settings import Settings

if TYPE_CHECKING:
    from ginbot.delivery.runner import DeliveryRunner

EXIT_USAGE = 2


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bc = sub.add_parser(
        "broadcast", help="queue a staff announcement (prints recipient count and broadcast id)"
    )
    bc.add_argument(
        "--to", help="all | cohort:N | agency:ID | notready:cohort:N | notready:agency:ID (not confirmed ready)"
    )
    bc.add_argument("--channel", choices=list(REGISTRY.push_names()), help="only this channel")
    bc.add_argument("--at", help="send at this ISO time (default now; without an offset: Bangkok time)")
    bc.add_argument("--dry-run", action="store_true", help="count the recipients, queue nothing")
    bc.add_argument("--status", type=int, metavar="ID", help="print the delivery report of broadcast ID")
    bc.add_argument("--json", action="store_true", help="with --status: print JSON")
    bc.add_argument("text", nargs="?")
    sub.add_parser("worker", help="a sender process draining the outbox (several may run on PostgreSQL)")


def _when(value: str | None, settings: Settings) -> datetime | None:
    if value is None:
        return None
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(settings.timezone))


def operating_system_user() -> str:
    """Who ran `ginbot broadcast`, for the audit log (a container's uid may have no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid{os.getuid()}"


async def broadcast(settings: Settings, args: argparse.Namespace) -> int:
    from ginbot.db.migrate import upgrade
    from ginbot.db.session import Database
    from ginbot.delivery.announce import announce
    from ginbot.delivery.broadcasts import report
    from ginbot.delivery.runner import clock_for
    from ginbot.delivery.service import Author
    from ginbot.delivery.targets import TargetError

    if args.status is None and (not args.to or not args.text):
        print("ginbot broadcast: give --to TARGET and the TEXT (or --status ID)", file=sys.stderr)
        return EXIT_USAGE
    try:
        when = _when(args.at, settings)
    except ValueError:
        print(f"ginbot broadcast: --at {args.at!r} is not an ISO time like 2020-07-03T09:00", file=sys.stderr)
        return EXIT_USAGE
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        if args.status is not None:
            async with db.session() as session:
                rep = await report(session, args.status)
            if rep is None:
                print(f"ginbot broadcast: no broadcast {args.status}", file=sys.stderr)
                return EXIT_USAGE
            if args.json:
                print(json.dumps(rep.as_dict(), ensure_ascii=False))
            else:
                print(
                    f"broadcast {rep.broadcast_id} to {rep.target} ({rep.status}): recipients {rep.recipients}, "
                    f"queued {rep.queued + rep.sending}, sent {rep.sent}, failed {rep.failed}, "
                    f"blocked {rep.blocked}, skipped {rep.skipped}, possibly duplicated {rep.possibly_duplicated}"
                )
            return 0
        try:
            result = await announce(
                db,
                to=args.to,
                text=args.text,
                channel=args.channel,
                send_at=when,
                created_by=Author("cli", operating_system_user()),
                dry_run=args.dry_run,
                now=clock_for(settings)(),
            )
        except TargetError as exc:
            print(f"ginbot broadcast: {exc}", file=sys.stderr)
            return EXIT_USAGE
    finally:
        await db.close()
    print(result.summary())
    if result.broadcast_id is None:
        print("dry run: nothing was queued")
    else:
        print(f"broadcast id: {result.broadcast_id}")
        sends = "now" if result.at_once else result.send_at.astimezone(ZoneInfo(settings.timezone)).isoformat()
        print(f"sends: {sends} (follow it with: ginbot broadcast --status {result.broadcast_id})")
    return 0


async def worker(settings: Settings) -> int:
    from ginbot.db.migrate import upgrade
    from ginbot.db.session import Database
    from ginbot.delivery.runner import DeliveryRunner, report_outbox_depth
    from ginbot.observability import metrics

    if settings.line_channel_access_token is None and not settings.telegram_enabled:
        print("ginbot worker: neither LINE nor Telegram is configured; only planning", file=sys.stderr)
    db = Database(settings.database_url)
    await upgrade(db)
    runner = DeliveryRunner(settings, db)
    metrics_server = None
    if settings.metrics_port is not None:
        from ginbot.observability.http import serve_metrics

        report_outbox_depth(db)
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        metrics_server = await serve_metrics(settings.host, settings.metrics_port, token, healthy=runner.health)
        print(
            f"ginbot worker: metrics and health at http://{settings.host}:{settings.metrics_port}/metrics, /healthz",
            flush=True,
        )
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    code = 0
    try:
        await runner.start()
        print("ginbot worker: draining the outbox (Ctrl-C to stop after the current batch)", flush=True)
        code = await _until_stopped_or_dead(runner, stopping)
    finally:
        for sig in signals:  # the process goes on only in tests; there Ctrl-C must be Python's again
            loop.remove_signal_handler(sig)
        await runner.stop()
        if metrics_server is not None:
            await metrics_server.cleanup()
            metrics.set_outbox_depth_source(None)
        await db.close()
    return code


async def _until_stopped_or_dead(runner: DeliveryRunner, stopping: asyncio.Event) -> int:
    """0 after a signal; 1 when a runner died first, so the orchestrator restarts the worker rather than
    keeping one that sends nothing."""
    stop = asyncio.ensure_future(stopping.wait())
    run = asyncio.ensure_future(runner.wait())
    try:
        await asyncio.wait({stop, run}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if stopping.is_set() and not run.done():
        run.cancel()
        return 0
    _alive, why = runner.health()
    error = None if run.cancelled() else run.exception()
    print(
        f"ginbot worker: {why or f'the runner stopped ({error!r})'}; exiting with 1", file=sys.stderr, flush=True
    )
    return 1
