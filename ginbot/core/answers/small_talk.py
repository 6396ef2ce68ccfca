"""greet, thanks, help, and the honest fallback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ginbot.core.answers.knowledge import topic_buttons
from ginbot.core.messages import QuickReply
from ginbot.core.turn import Outcome, Turn

if TYPE_CHECKING:
    from ginbot.core.intents import Registry

MAX_SUGGESTIONS = 3


def _registry() -> Registry:
    from ginbot.core.intents import INTENTS  # the registry imports this module

    return INTENTS


def menu(language: str = "th") -> tuple[QuickReply, ...]:
    """The help menu: the intents the registry marks for it, in the person's language."""
    return _registry().menu(language)


def greet(turn: Turn) -> Outcome:
    return Outcome([turn.reply("greet", menu(turn.language))])


def thanks(turn: Turn) -> Outcome:
    return Outcome([turn.reply("thanks")])


def help_(turn: Turn) -> Outcome:
    return Outcome([turn.reply("help", menu(turn.language))])


def fallback(turn: Turn) -> Outcome:
    registry = _registry()
    # Knowledge topics first: on a long-tail question the nearest topics are the likelier "did you mean".
    buttons: list[QuickReply] = topic_buttons(turn.understood.topic_suggestions, limit=MAX_SUGGESTIONS - 1)
    more = registry.did_you_mean(turn.understood.alternatives, MAX_SUGGESTIONS, turn.language)
    buttons = [*buttons, *(b for b in more if b not in buttons)][:MAX_SUGGESTIONS]
    buttons.extend(b for b in registry.offer("contact_staff", turn.language) if b not in buttons)
    return Outcome([turn.reply("fallback", tuple(buttons))], answered=False)
