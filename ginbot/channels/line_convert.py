"""LINE ⇄ ginbot, pure: webhook event objects to IncomingMessage, Replies to LINE message objects.

Decisions (see docs/channels.md):
- ginbot answers one-to-one chats only; events from groups and rooms, standby-mode events (another channel
  owns the chat) and event types the helpdesk has no use for (join, beacon, unsend…) ask nothing of it.
- A postback's ``data`` is handled as text the user typed.
- A non-text message (sticker, image, voice, location…) gets NON_TEXT_REPLY without involving the core:
  there is nothing to understand, and the message log keeps only what people wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from linebot.v3.messaging import MessageAction, QuickReplyItem, TextMessage
from linebot.v3.messaging import QuickReply as LineQuickReply
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from ginbot.channels.base import NON_TEXT_REPLY, split_text
from ginbot.core.messages import Channel, IncomingMessage, Kind, QuickReply, Reply

# Per text message, counted in UTF-16 units; the SDK does not check it, LINE answers 400.
LINE_TEXT_LIMIT = 5000
# Messages per reply, push or multicast request.
LINE_MESSAGES_PER_REQUEST = 5


@dataclass(frozen=True)
class LineTurn:
    """What one webhook event asks of ginbot."""

    event_id: str  # webhookEventId, the deduplication key
    user_id: str
    reply_token: str | None
    message: IncomingMessage | None  # for the core; None when ginbot answers by itself
    canned: tuple[Reply, ...] = ()  # answered without the core
    redelivered: bool = False


def interpret(event: object) -> LineTurn | None:
    """The turn an event asks for, or None when it asks nothing of the helpdesk."""
    if not isinstance(event, Event) or _mode(event) != "active":
        return None
    source = event.source
    if not isinstance(source, UserSource) or not source.user_id:
        return None
    user_id = source.user_id
    at = datetime.fromtimestamp(event.timestamp / 1000, UTC)

    def turn(message: IncomingMessage | None, reply_token: str | None, *canned: Reply) -> LineTurn:
        redelivered = bool(event.delivery_context and event.delivery_context.is_redelivery)
        return LineTurn(event.webhook_event_id, user_id, reply_token, message, canned, redelivered)

    def incoming(text: str = "", kind: Kind = Kind.TEXT) -> IncomingMessage:
        return IncomingMessage(channel=Channel.LINE, user_id=user_id, text=text, kind=kind, at=at)

    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return turn(incoming(event.message.text), event.reply_token)
        return turn(None, event.reply_token, NON_TEXT_REPLY)
    if isinstance(event, FollowEvent):
        return turn(incoming(kind=Kind.FOLLOW), event.reply_token)
    if isinstance(event, UnfollowEvent):
        return turn(incoming(kind=Kind.UNFOLLOW), None)
    if isinstance(event, PostbackEvent):
        return turn(incoming(event.postback.data), event.reply_token)
    return None


def _mode(event: Event) -> str:
    mode = event.mode
    return str(getattr(mode, "value", mode))


def to_line_messages(replies: Sequence[Reply]) -> list[TextMessage]:
    """Each reply as one or more text messages; its quick replies ride on its last piece.

    LINE shows quick-reply buttons only under the last message in the chat, so buttons of an earlier reply
    are sent but not shown: the core puts them on its last reply.
    """
    messages: list[TextMessage] = []
    for reply in replies:
        pieces = split_text(reply.plain(), LINE_TEXT_LIMIT)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            quick = _quick_reply(reply.quick_replies) if last and reply.quick_replies else None
            messages.append(TextMessage(text=piece, quickReply=quick))
    return messages


def _quick_reply(choices: Sequence[QuickReply]) -> LineQuickReply:
    return LineQuickReply(
        items=[QuickReplyItem(action=MessageAction(label=c.label, text=c.text)) for c in choices]
    )


def batches(messages: Sequence[TextMessage]) -> list[list[TextMessage]]:
    """Groups of at most LINE_MESSAGES_PER_REQUEST, in order."""
    size = LINE_MESSAGES_PER_REQUEST
    return [list(messages[i : i + size]) for i in range(0, len(messages), size)]
