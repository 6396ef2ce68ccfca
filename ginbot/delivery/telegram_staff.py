"""The Telegram side of the staff /broadcast command: Update in, StaffReply out as an inline keyboard.

``ginbot.channels.telegram.TelegramChannel`` calls ``handle_staff_update`` first for every update when the
app gave it a ``StaffBroadcasts``; anything that is not a staff command or button falls through to the
conversation as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from ginbot.delivery.announce import CALLBACK_PREFIX, StaffBroadcasts, StaffReply, parse_command

SendFn = Callable[[int, str, InlineKeyboardMarkup | None], Awaitable[object]]
AckFn = Callable[[str], Awaitable[object]]


def keyboard(reply: StaffReply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in reply.buttons]]
    )


async def handle_staff_update(staff: StaffBroadcasts, update: Update, send: SendFn, ack: AckFn) -> bool:
    """Answer a /broadcast command or its confirm/cancel button; False when the update is not one."""
    user, message, query = update.effective_user, update.effective_message, update.callback_query
    if user is None or message is None:
        return False
    if query is not None:
        if not (query.data or "").startswith(CALLBACK_PREFIX):
            return False
        await ack(query.id)
        reply = await staff.on_callback(user.id, query.data or "")
    elif message.text and parse_command(message.text) is not None:
        reply = await staff.on_command(user.id, message.text)
    else:
        return False
    if reply is not None:
        await send(message.chat_id, reply.text, keyboard(reply))
    return True
