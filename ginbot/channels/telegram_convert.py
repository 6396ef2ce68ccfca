"""Telegram ⇄ ginbot, pure: Update objects to IncomingMessage, Replies to (text, keyboard) pairs.

Decisions (see docs/channels.md):
- ginbot answers private chats only; ``user_id`` is the chat id (equal to the person's id in private chats).
- Commands become the Thai text the core understands, from the one table COMMANDS; ``/start`` is a follow.
  An unknown ``/word`` is passed on without its slash.
- Quick replies and message buttons are an inline keyboard; link buttons are URL buttons; a phone number is
  written in the text (URL buttons take no tel:). A card is one HTML message (title bold, fields as lines).
- Quick replies are an inline keyboard. A tap arrives as a callback query whose data is handled as typed
  text (and is acknowledged, or the button keeps spinning). callback_data holds at most 64 bytes and Thai
  takes three a character, so a longer text is kept in memory under a short key; after a restart such an
  old button sends its label instead, which the core also understands (labels are names or short names).
- A message without text (sticker, photo, voice…) gets NON_TEXT_REPLY; a photo's caption counts as text.
- ``my_chat_member`` with status ``kicked`` (the person blocked the bot) is an unfollow.
"""

from __future__ import annotations

import hashlib
import html
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from ginbot.channels.base import NON_TEXT_REPLY, split_text
from ginbot.core.messages import Button, ButtonKind, Card, Channel, IncomingMessage, Kind, QuickReply, Reply

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_MAX_BYTES = 64
BUTTONS_PER_ROW = 2
# The updates ginbot asks Telegram for; anything else is not sent at all.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


@dataclass(frozen=True)
class Command:
    text: str  # what the core is told
    description: str  # shown in Telegram's command menu
    kind: Kind = Kind.TEXT
    text_without_argument: str | None = None  # when the command takes an argument and got none


# One table for every command: the menu registered at startup and the mapping to Thai text.
COMMANDS: dict[str, Command] = {
    "start": Command("", "เริ่มต้นใช้งาน ginbot", kind=Kind.FOLLOW),
    "help": Command("ช่วยอะไรได้บ้าง", "ginbot ช่วยอะไรได้บ้าง"),
    "agency": Command(
        "หน่วยงานของฉันคือ {argument}",
        "บอกหน่วยงานของท่าน เช่น /agency กรมสรรพากร",
        text_without_argument="เปลี่ยนหน่วยงาน",
    ),
    "subscribe": Command("สมัครรับการแจ้งเตือน", "เปิดการแจ้งเตือนก่อนวันตัดระบบ v8"),
    "unsubscribe": Command("ยกเลิกการแจ้งเตือน", "ปิดการแจ้งเตือน"),
    "forget": Command("ลบข้อมูลของฉัน", "ลบข้อมูลของท่านออกจาก ginbot"),
}


def command_message(text: str) -> tuple[Kind, str]:
    """Map ``/name[@bot] [argument]`` to what the core is told; other text passes unchanged."""
    if not text.startswith("/"):
        return Kind.TEXT, text
    head, _, argument = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    argument = argument.strip()
    command = COMMANDS.get(name)
    if command is None:
        return Kind.TEXT, text[1:].strip()
    if "{argument}" in command.text:
        if not argument:
            return command.kind, command.text_without_argument or command.text.replace(
                "{argument}", ""
            ).strip()
        return command.kind, command.text.format(argument=argument)
    return command.kind, command.text


class ButtonTexts:
    """Encodes a quick reply's text into callback_data and back."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, choice: QuickReply) -> str:
        data = "t:" + choice.text
        if len(data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            return data
        key = "h:" + hashlib.sha256(choice.text.encode()).hexdigest()[:24]
        self._texts[key] = choice.text
        self._texts.move_to_end(key)
        while len(self._texts) > self._capacity:
            self._texts.popitem(last=False)
        return key

    def decode(self, data: str, label: str | None) -> str:
        if data.startswith("t:"):
            return data[2:]
        if data.startswith("h:"):
            return self._texts.get(data) or label or ""
        return data


@dataclass(frozen=True)
class TelegramTurn:
    event_id: str  # update_id, the deduplication key
    chat_id: int
    message: IncomingMessage | None  # for the core; None when ginbot answers by itself
    canned: tuple[Reply, ...] = ()
    callback_query_id: str | None = None  # to acknowledge


def interpret(update: Update, buttons: ButtonTexts) -> TelegramTurn | None:
    event_id = str(update.update_id)
    if update.message is not None:
        msg = update.message
        if msg.chat.type != "private":
            return None
        at = msg.date
        text = msg.text or msg.caption
        if not text:
            return TelegramTurn(event_id, msg.chat.id, None, (NON_TEXT_REPLY,))
        kind, said = command_message(text) if msg.text else (Kind.TEXT, text)
        return TelegramTurn(event_id, msg.chat.id, _incoming(msg.chat.id, said, kind, at))
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        if query.message is not None and query.message.chat.type != "private":
            return None
        text = buttons.decode(query.data or "", _button_label(update))
        message = _incoming(chat_id, text, Kind.TEXT, None) if text else None
        return TelegramTurn(event_id, chat_id, message, callback_query_id=query.id)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != "private" or member.new_chat_member.status != "kicked":
            return None
        return TelegramTurn(
            event_id, member.chat.id, _incoming(member.chat.id, "", Kind.UNFOLLOW, member.date)
        )
    return None


def _incoming(chat_id: int, text: str, kind: Kind, at: datetime | None) -> IncomingMessage:
    return IncomingMessage(channel=Channel.TELEGRAM, user_id=str(chat_id), text=text, kind=kind, at=at)


def _button_label(update: Update) -> str | None:
    """The label of the tapped button, read back from the message the keyboard is attached to."""
    query = update.callback_query
    if query is None or query.message is None:
        return None
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()) or ():
        for button in row:
            if button.callback_data == query.data:
                return str(button.text)
    return None


# (text, keyboard, parse_mode): what one sendMessage carries.
TelegramMessage = tuple[str, InlineKeyboardMarkup | None, str | None]


def to_telegram_messages(replies: Sequence[Reply], buttons: ButtonTexts) -> list[TelegramMessage]:
    """Each reply as one or more messages; its keyboard (link buttons, message buttons, quick replies) goes
    under its last piece. A reply with a card is one HTML message: the card's title in bold, its fields as
    "label: <b>value</b>" lines, then the reply's words, every text escaped."""
    out: list[TelegramMessage] = []
    for reply in replies:
        markup = keyboard_for(reply, buttons)
        if reply.card is not None:
            out += _card_messages(reply, markup)
            continue
        pieces = split_text(_with_phones(reply), TELEGRAM_TEXT_LIMIT)
        for i, piece in enumerate(pieces):
            out.append((piece, markup if i == len(pieces) - 1 else None, None))
    return out


def _card_messages(reply: Reply, markup: InlineKeyboardMarkup | None) -> list[TelegramMessage]:
    """The card, then the reply's words under it (they carry what the card does not: "ท่านอยู่กรมสรรพากร
    ใช่ไหมคะ?" before its yes/no buttons), in one HTML message when it fits. A card whose body is the text
    (a broadcast's) has said it already."""
    card = reply.card
    assert card is not None
    words = "" if reply.text.strip() == card.body.strip() else reply.text.strip()
    # Against what is shown, not card.plain(): that lists the buttons, which the HTML does not.
    missing = _phones_missing(reply, card_html(card) + words)
    html_card = card_html(card, missing)
    together = f"{html_card}\n\n{escape(words)}" if words else html_card
    if len(together) <= TELEGRAM_TEXT_LIMIT:
        return [(together, markup, "HTML")]
    pieces = split_text(words, TELEGRAM_TEXT_LIMIT)
    return [(html_card, None, "HTML")] + [(p, markup if i == len(pieces) - 1 else None, None) for i, p in enumerate(pieces)]


def _phones_missing(reply: Reply, shown: str) -> list[Button]:
    # Telegram's URL buttons take http(s) and tg:// only, so a phone number is written out instead (Telegram
    # makes numbers in text tappable).
    return [b for b in reply.actions if b.kind is ButtonKind.PHONE and b.value not in shown]


def _with_phones(reply: Reply) -> str:
    missing = _phones_missing(reply, reply.text)
    return "\n".join([reply.text, *(b.plain() for b in missing)])


def card_html(card: Card, phones: Sequence[Button] = ()) -> str:
    lines = [f"<b>{escape(card.title)}</b>"]
    if card.subtitle:
        lines.append(escape(card.subtitle))
    if card.body:
        lines += ["", escape(card.body)]
    if card.fields:
        lines.append("")
        lines += [f"{escape(f.label)}: <b>{escape(f.value)}</b>" for f in card.fields]
    lines += [escape(b.plain()) for b in phones]
    return "\n".join(lines)


def escape(text: str) -> str:
    """Telegram's HTML mode knows only &lt; &gt; &amp; (and &quot;): quotes stay as they are."""
    return html.escape(text, quote=False)


def keyboard_for(reply: Reply, buttons: ButtonTexts) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    for b in reply.actions:
        if b.kind is ButtonKind.LINK:
            rows.append([InlineKeyboardButton(b.label, url=b.value)])
    choices = [QuickReply(b.label, b.value) for b in reply.actions if b.kind is ButtonKind.MESSAGE]
    choices += [q for q in reply.quick_replies if q not in choices]
    keys = [InlineKeyboardButton(c.label, callback_data=buttons.encode(c)) for c in choices]
    rows += [keys[i : i + BUTTONS_PER_ROW] for i in range(0, len(keys), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows) if rows else None


def keyboard(choices: Sequence[QuickReply], buttons: ButtonTexts) -> InlineKeyboardMarkup:
    keys = [InlineKeyboardButton(c.label, callback_data=buttons.encode(c)) for c in choices]
    return InlineKeyboardMarkup([keys[i : i + BUTTONS_PER_ROW] for i in range(0, len(keys), BUTTONS_PER_ROW)])
