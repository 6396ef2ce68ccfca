"""`ginbot line richmenu deploy`: argument handling and printing only (wired from ginbot/cli.py)."""

from __future__ import annotations

import argparse
import sys

from ginbot.settings import Settings


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    line = sub.add_parser("line", help="LINE channel set-up")
    line_sub = line.add_subparsers(dest="line_command", required=True)
    richmenu = line_sub.add_parser("richmenu", help="the rich menu under the chat")
    richmenu_sub = richmenu.add_subparsers(dest="richmenu_command", required=True)
    richmenu_sub.add_parser(
        "deploy", help="draw the menu, create it, upload its picture, make it the default, delete the one it replaces"
    )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """The one `line` command there is: richmenu deploy. 0 done, 1 LINE refused, 2 not configured."""
    from linebot.v3.messaging import ApiException

    from ginbot.channels.line_richmenu import deploy_from_settings

    try:
        done = await deploy_from_settings(settings)
    except ValueError as exc:
        print(f"ginbot: {exc}", file=sys.stderr)
        return 2
    except ApiException as exc:
        print(f"ginbot: LINE refused the rich menu: {exc.status} {exc.body!r}"[:500], file=sys.stderr)
        return 1
    replaced = ", ".join(done.deleted) or "none"
    print(f"rich menu {done.menu_id} is the default ({done.image_bytes} bytes of PNG); replaced: {replaced}")
    return 0
