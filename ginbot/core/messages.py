"""The channel-neutral message types every adapter converts to and from. No SDK types here.

A ``Reply`` is an answer in words (``text``, always complete on its own) plus what a richer channel can
show: quick replies (choices under the last message), buttons (a link, a phone number, or a message sent
back when tapped) and a card (a title, a few label/value fields and buttons). ``plain()`` is the whole
answer as text, for the terminal, ``ask --json`` and any channel without the richer feature. Each channel
renders the rest its own way (LINE Flex, Telegram inline keyboard + HTML, web JSON).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

# LINE allows 13 quick-reply items and 20 characters per label; Telegram keyboards are roomier, so the
# stricter platform sets the shape every answer is written to.
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_LABEL = 20
# A Flex bubble's footer and LINE's button template take four actions before they crowd a phone screen.
MAX_BUTTONS = 4
# Label/value rows a card shows; more belongs in the text.
MAX_CARD_FIELDS = 6


class Channel(StrEnum):
    """The built-in channels' names (ginbot.channels.registry lists every registered channel)."""

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
    # Whether this channel can reach the person later (reminders, announcements); the adapter that builds
    # the message knows. The web chat cannot, so the core must not promise it there.
    can_push: bool = True
    # Written in the same transaction as the turn, if given: the channel's own durable note about this
    # message (LINE: "a reply is starting", which must be committed before the reply goes out, and saves a
    # transaction of its own). Called with the turn's database session; opaque to the core.
    receipt: Callable[[Any], Awaitable[None]] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Every channel builds one of these, so cleaning here covers them all (even validly signed input).
        object.__setattr__(self, "text", clean_text(self.text))
        object.__setattr__(self, "user_id", clean_text(self.user_id))


def clean_text(text: str) -> str:
    """``text`` without NUL characters (PostgreSQL refuses them in text) and with each lone surrogate (no
    UTF-8 form: JSON "\\ud800" decodes to one) replaced by U+FFFD, so storing and logging it cannot fail."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    return text


# A Python str holds astral characters as one code point, so any surrogate code point in it is a lone one.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _short_label(label: str) -> str:
    return label if len(label) <= MAX_QUICK_REPLY_LABEL else label[: MAX_QUICK_REPLY_LABEL - 1] + "…"


@dataclass(frozen=True)
class QuickReply:
    label: str  # what the button shows (≤ 20 characters)
    text: str  # what is sent back as the user's message when tapped

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _short_label(self.label))


class ButtonKind(StrEnum):
    LINK = "link"  # opens ``value``, an http(s) URL
    PHONE = "phone"  # dials ``value``, a phone number as people write it ("02-612-6060")
    MESSAGE = "message"  # sends ``value`` back as the user's message


@dataclass(frozen=True)
class Button:
    label: str  # ≤ 20 characters
    kind: ButtonKind
    value: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _short_label(self.label))
        if not self.value:
            raise ValueError(f"button {self.label!r} has no {self.kind.value} value")
        if self.kind is ButtonKind.LINK and not self.value.startswith(("https://", "http://")):
            raise ValueError(f"link button {self.label!r}: {self.value!r} is not an http(s) URL")
        if self.kind is ButtonKind.PHONE and not self.dial_digits:
            raise ValueError(f"phone button {self.label!r}: {self.value!r} has no digits")

    @classmethod
    def link(cls, label: str, url: str) -> Button:
        return cls(label, ButtonKind.LINK, url)

    @classmethod
    def phone(cls, label: str, number: str) -> Button:
        return cls(label, ButtonKind.PHONE, number)

    @classmethod
    def message(cls, label: str, text: str) -> Button:
        return cls(label, ButtonKind.MESSAGE, text)

    @property
    def dial_digits(self) -> str:
        """The number as a dialler wants it: digits and a leading +, nothing else."""
        plus = "+" if self.value.strip().startswith("+") else ""
        return plus + "".join(ch for ch in self.value if ch.isdigit())

    @property
    def uri(self) -> str | None:
        """What a tap opens: the URL, ``tel:…`` for a phone number, None for a message button."""
        if self.kind is ButtonKind.LINK:
            return self.value
        if self.kind is ButtonKind.PHONE:
            return "tel:" + self.dial_digits
        return None

    def plain(self) -> str:
        if self.kind is ButtonKind.MESSAGE:
            return f'{self.label}: พิมพ์ "{self.value}"'
        return self.label if self.value in self.label else f"{self.label}: {self.value}"


@dataclass(frozen=True)
class CardField:
    label: str
    value: str


@dataclass(frozen=True)
class Card:
    """A small framed summary: LINE shows it as a Flex bubble, Telegram as bold-labelled text, the web chat
    as a card. ``body`` is an optional paragraph (a broadcast's announcement); answers leave it empty."""

    title: str
    subtitle: str = ""
    fields: tuple[CardField, ...] = ()
    buttons: tuple[Button, ...] = ()
    body: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("a card needs a title")
        if len(self.fields) > MAX_CARD_FIELDS:
            raise ValueError(f"at most {MAX_CARD_FIELDS} card fields, got {len(self.fields)}")
        if len(self.buttons) > MAX_BUTTONS:
            raise ValueError(f"at most {MAX_BUTTONS} card buttons, got {len(self.buttons)}")

    def plain(self) -> str:
        lines = [self.title]
        if self.subtitle:
            lines.append(self.subtitle)
        if self.body:
            lines.append(self.body)
        lines += [f"{f.label}: {f.value}" for f in self.fields]
        lines += [b.plain() for b in self.buttons]
        return "\n".join(lines)


@dataclass(frozen=True)
class Reply:
    text: str
    quick_replies: tuple[QuickReply, ...] = field(default_factory=tuple)
    buttons: tuple[Button, ...] = ()
    card: Card | None = None

    def __post_init__(self) -> None:
        # Lists are accepted for convenience; the stored form is a tuple so a Reply stays hashable and frozen.
        object.__setattr__(self, "quick_replies", tuple(self.quick_replies))
        object.__setattr__(self, "buttons", tuple(self.buttons))
        if len(self.quick_replies) > MAX_QUICK_REPLIES:
            raise ValueError(f"at most {MAX_QUICK_REPLIES} quick replies, got {len(self.quick_replies)}")
        if len(self.buttons) > MAX_BUTTONS:
            raise ValueError(f"at most {MAX_BUTTONS} buttons, got {len(self.buttons)}")

    @property
    def actions(self) -> tuple[Button, ...]:
        """Every button the reply carries: its own, then its card's."""
        return self.buttons + (self.card.buttons if self.card else ())

    def plain(self) -> str:
        """The whole answer as text: ``text``, then what only a link or phone button says (its URL or number,
        when the text does not already contain it), so nothing is lost where buttons cannot be shown.

        Message buttons are choices like quick replies and add nothing here. ``text`` is the complete answer,
        so a card (a picture of the same answer) adds nothing either.
        """
        extra = [
            b.plain() for b in _unique(self.actions) if b.kind is not ButtonKind.MESSAGE and b.value not in self.text
        ]
        return "\n".join([self.text, *extra]) if extra else self.text


def _unique(buttons: Iterable[Button]) -> list[Button]:
    seen: set[Button] = set()
    out: list[Button] = []
    for b in buttons:
        if b not in seen:
            seen.add(b)
            out.append(b)
    return out


class MessageHandler(Protocol):
    """What every channel adapter calls: the bot core (ginbot.core.dialogue.Bot) or a test fake."""

    async def handle(self, message: IncomingMessage) -> list[Reply]: ...
