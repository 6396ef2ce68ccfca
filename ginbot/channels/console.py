"""`ginbot chat`: the bot in a terminal, Thai in and out, with readline history.

The prompt is read on the main thread *between* turns, outside the event loop: Ctrl-C there is an
ordinary KeyboardInterrupt and ends the chat at once. (Read inside asyncio.run, or in an executor thread,
the first Ctrl-C only cancelled the loop's task while input() kept waiting, and the second one printed a
traceback.) Each turn runs on the caller's event loop through ``answer``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from ginbot.core.messages import Reply

HISTORY_FILE = Path.home() / ".ginbot_history"
QUIT_WORDS = {"/quit", "/exit", "ออก"}
PROMPT = "คุณ> "


def run_console(
    answer: Callable[[str], list[Reply]],
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """Chat until /quit, end of input or Ctrl-C (at the prompt or during a turn); never raises for those."""
    try:
        import readline

        with contextlib.suppress(OSError):
            readline.read_history_file(HISTORY_FILE)
    except ImportError:  # readline is missing on some platforms; chat still works
        readline = None  # type: ignore[assignment]
    write("ginbot — พิมพ์คำถามได้เลย (/quit หรือ Ctrl-C เพื่อออก)")
    try:
        while True:
            text = read(PROMPT)
            if text.strip() in QUIT_WORDS:
                break
            if not text.strip():
                continue
            for reply in answer(text):
                write("ginbot> " + reply.plain().replace("\n", "\n        "))
                if reply.quick_replies:
                    write("        " + " | ".join(f"[{q.label}]" for q in reply.quick_replies))
    except (EOFError, KeyboardInterrupt):
        write("")  # end the prompt's line, so the shell's prompt starts on a fresh one
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(HISTORY_FILE)
