"""How-to and background answers: install_v9 and its platform ask-back, and the one-text answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ginbot.core.context import is_short
from ginbot.core.turn import Outcome, Turn

PLATFORMS = ("windows", "macos", "android", "ios")


def install_v9(turn: Turn) -> Outcome:
    platform = turn.understood.platform
    if platform in PLATFORMS:
        turn.clear_pending()
        turn.about.platform = platform
        return Outcome([replace(turn.reply(f"install_v9.{platform}"), buttons=turn.content.actions("download"))],
                       intent="install_v9")  # fmt: skip
    turn.wait_for("platform")
    if turn.understood.mobile:
        return Outcome([turn.reply("install_v9.ask_mobile", turn.content.buttons("mobile_platforms"))],
                       intent="install_v9", ask_back=True)  # fmt: skip
    return Outcome([turn.reply("install_v9.ask_platform", turn.content.buttons("platforms"))],
                   intent="install_v9", ask_back=True)  # fmt: skip


def platform_reply(turn: Turn) -> Outcome | None:
    """The answer to "which device?" ("Android หรือ iPhone คะ?").

    A short reply naming a platform ("Android", "แอนดรอยด์ค่ะ", "ไอโฟน", "mac") or a phone without saying
    which is read as the answer, whatever the classifier makes of so few words; a longer message that
    asks something else ("ถอน v8 บน android ยังไง") is a new question.
    """
    u = turn.understood
    if u.platform in PLATFORMS and (u.intent in ("install_v9", "fallback", "download") or is_short(u.text)):
        return install_v9(turn)
    if u.mobile and is_short(u.text):
        return install_v9(turn)
    return None


def fixed(key: str, with_contact: bool = False, actions: str | None = None) -> Callable[[Turn], Outcome]:
    """An answer that is one text from answers.yml (optionally with the contact-staff quick reply, and the
    buttons under ``actions.<actions>``: the download link, the helpdesk phone)."""

    def answer(turn: Turn) -> Outcome:
        from ginbot.core.intents import INTENTS  # the registry imports this module

        buttons = INTENTS.offer("contact_staff", turn.language) if with_contact else ()
        reply = turn.reply(key, buttons)
        if actions is not None:
            reply = replace(reply, buttons=turn.content.actions(actions))
        return Outcome([reply])

    return answer
