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
from functools import lru_cache

from linebot.v3.messaging import FlexMessage, Message, MessageAction, QuickReplyItem, TextMessage
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

from ginbot.channels.base import NON_TEXT_REPLY, split_text, utf16_len
from ginbot.channels.line_flex import (
    BUBBLE_TEXT_LIMIT,
    buttons_alt_text,
    card_alt_text,
    card_bubble,
    text_bubble,
)
from ginbot.core.messages import (
    MAX_QUICK_REPLIES,
    ButtonKind,
    Channel,
    IncomingMessage,
    Kind,
    QuickReply,
    Reply,
)

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


def to_line_messages(replies: Sequence[Reply]) -> list[Message]:
    """Every reply's messages in order (see ``render_reply``)."""
    return [m for reply in replies for m in render_reply(reply)]


def render_reply(reply: Reply) -> list[Message]:
    """One reply as LINE messages; its quick replies ride on its last message.

    - With a card: the card as a Flex bubble (its ``altText`` says the card in words), then the text,
      which carries what the card does not (a question, advice), unless the card's body is that text (a
      broadcast's announcement). The reply's own buttons join the card's.
    - With a link or phone button: the text and the buttons in one Flex bubble (so they are taps, not
      words); a text too long for a bubble goes as text messages followed by a bubble of buttons.
    - Otherwise text messages. Message buttons without a card or link are choices: quick replies.

    LINE shows quick-reply buttons only under the last message in the chat, so buttons of an earlier reply
    are sent but not shown: the core puts them on its last reply.
    """
    quick = list(reply.quick_replies)
    messages: list[Message] = []
    if reply.card is not None:
        card = reply.card
        messages.append(FlexMessage(altText=card_alt_text(card), contents=_card_bubble(card, reply.buttons)))
        # A broadcast's card holds its text as the body already: sending it again would say it twice.
        if reply.text.strip() != card.body.strip():
            messages += _texts(reply.text)
    elif any(b.kind is not ButtonKind.MESSAGE for b in reply.buttons):
        text = reply.text
        if utf16_len(text) <= BUBBLE_TEXT_LIMIT:
            bubble = text_bubble(text, reply.buttons)
            messages.append(FlexMessage(altText=buttons_alt_text(text, reply.buttons), contents=bubble))
        else:
            messages += _texts(text)
            bubble = text_bubble("", reply.buttons)
            messages.append(FlexMessage(altText=buttons_alt_text("", reply.buttons), contents=bubble))
    else:
        messages += _texts(reply.plain())
        extra = [QuickReply(b.label, b.value) for b in reply.buttons]
        quick = [*extra, *(q for q in quick if q not in extra)][:MAX_QUICK_REPLIES]
    if quick and messages:
        messages[-1].quick_reply = _quick_reply(quick)
    return messages


# Building a bubble's SDK models is most of rendering a card, and the same cards recur (an agency's dates
# all day, a broadcast to thousands); Card and Button are frozen and the bubble is only read after this.
_card_bubble = lru_cache(maxsize=1024)(card_bubble)


def rest_of(reply: Reply, sent: int) -> Reply | None:
    """What is left of ``reply`` once its first ``sent`` messages are delivered, as a reply that renders to
    just those messages (the outbox stores replies, not LINE messages). None when nothing is left."""
    messages = render_reply(reply)
    if sent <= 0:
        return reply
    left = messages[sent:]
    if not left:
        return None
    texts = [m.text for m in left if isinstance(m, TextMessage)]
    # A bubble still unsent after text pieces is the buttons' own (a card is always the first message).
    buttons = reply.buttons if isinstance(left[-1], FlexMessage) else ()
    return Reply("\n".join(texts), reply.quick_replies, buttons)


def _texts(text: str) -> list[Message]:
    return [TextMessage(text=piece) for piece in split_text(text, LINE_TEXT_LIMIT)]


def _quick_reply(choices: Sequence[QuickReply]) -> LineQuickReply:
    return LineQuickReply(
        items=[QuickReplyItem(action=MessageAction(label=c.label, text=c.text)) for c in choices]
    )


def batches(messages: Sequence[Message]) -> list[list[Message]]:
    """Groups of at most LINE_MESSAGES_PER_REQUEST, in order."""
    size = LINE_MESSAGES_PER_REQUEST
    return [list(messages[i : i + size]) for i in range(0, len(messages), size)]
