"""The channel-neutral message types every adapter converts to and from. No SDK types here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

# LINE allows 13 quick-reply items and 20 characters per label; Telegram keyboards are roomier, so the
# stricter platform sets the shape every answer is written to.
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_LABEL = 20


class Channel(StrEnum):
    LINE = "line"
    TELEGRAM = "telegram"
    WEB = "web"
    CONSOLE = "console"


class Kind(StrEnum):
    TEXT = "text"  # free text, or a quick-reply / postback choice carrying text
    FOLLOW = "follow"  # the user added the bot (LINE follow, Telegram /start)
    UNFOLLOW = "unfollow"  # the user blocked the bot; there is nobody to answer


@dataclass(frozen=True)
class IncomingMessage:
    channel: str
    user_id: str  # the platform's opaque id for the person (LINE userId, Telegram chat id)
    text: str = ""
    kind: Kind = Kind.TEXT
    at: datetime | None = None


@dataclass(frozen=True)
class QuickReply:
    label: str  # what the button shows (≤ 20 characters)
    text: str  # what is sent back as the user's message when tapped

    def __post_init__(self) -> None:
        if len(self.label) > MAX_QUICK_REPLY_LABEL:
            object.__setattr__(self, "label", self.label[: MAX_QUICK_REPLY_LABEL - 1] + "…")


@dataclass(frozen=True)
class Reply:
    text: str
    quick_replies: tuple[QuickReply, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if len(self.quick_replies) > MAX_QUICK_REPLIES:
            raise ValueError(f"at most {MAX_QUICK_REPLIES} quick replies, got {len(self.quick_replies)}")


class MessageHandler(Protocol):
    """What every channel adapter calls: the bot core (ginbot.core.dialogue.Bot) or a test fake."""

    async def handle(self, message: IncomingMessage) -> list[Reply]: ...
