"""greet, thanks, help, and the honest fallback."""

from __future__ import annotations

from ginbot.core.messages import QuickReply
from ginbot.core.turn import Outcome, Turn

# Intents worth offering as "did you mean" after a fallback (small talk would not help).
NOT_SUGGESTED = {"fallback", "greet", "thanks", "help", "forget_me", "unsubscribe", "set_agency"}
MAX_SUGGESTIONS = 3


def greet(turn: Turn) -> Outcome:
    return Outcome([turn.reply("greet", turn.content.buttons("help"))])


def thanks(turn: Turn) -> Outcome:
    return Outcome([turn.reply("thanks")])


def help_(turn: Turn) -> Outcome:
    return Outcome([turn.reply("help", turn.content.buttons("help"))])


def fallback(turn: Turn) -> Outcome:
    buttons: list[QuickReply] = []
    for intent in turn.understood.alternatives:
        if intent in NOT_SUGGESTED:
            continue
        suggestion = turn.content.suggestion(intent)
        if suggestion is not None:
            buttons.append(suggestion)
        if len(buttons) == MAX_SUGGESTIONS:
            break
    contact = turn.content.buttons("contact")
    buttons.extend(b for b in contact if b not in buttons)
    return Outcome([turn.reply("fallback", tuple(buttons))], answered=False)


HANDLERS = {"greet": greet, "thanks": thanks, "help": help_, "fallback": fallback}
