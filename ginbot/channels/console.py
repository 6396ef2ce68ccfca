"""`ginbot chat`: the bot in a terminal, Thai in and out, with readline history."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from ginbot.core.messages import Channel, IncomingMessage, MessageHandler

HISTORY_FILE = Path.home() / ".ginbot_history"
QUIT_WORDS = {"/quit", "/exit", "ออก"}


async def run_console(bot: MessageHandler, user: str) -> None:
    try:
        import readline

        with contextlib.suppress(OSError):
            readline.read_history_file(HISTORY_FILE)
    except ImportError:  # readline is missing on some platforms; chat still works
        readline = None  # type: ignore[assignment]
    print("ginbot — พิมพ์คำถามได้เลย (/quit เพื่อออก)")
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                text = await loop.run_in_executor(None, input, "คุณ> ")
            except EOFError:
                break
            if text.strip() in QUIT_WORDS:
                break
            if not text.strip():
                continue
            for reply in await bot.handle(IncomingMessage(Channel.CONSOLE, user, text)):
                print("ginbot> " + reply.plain().replace("\n", "\n        "))
                if reply.quick_replies:
                    print("        " + " | ".join(f"[{q.label}]" for q in reply.quick_replies))
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(HISTORY_FILE)
