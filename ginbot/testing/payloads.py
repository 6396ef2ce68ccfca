"""Webhook payloads shaped like the platforms' documented samples, for tests and benchmarks.

LINE: https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects — a body is
``{"destination": bot user id, "events": [...]}``, signed with base64(HMAC-SHA256(channel secret, body)).
Telegram: https://core.telegram.org/bots/api#update — one Update object per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any

LINE_DESTINATION = "U" + "d" * 32
_message_ids = itertools.count(500_000_000_000_000)


def line_user_id(n: int) -> str:
    """A LINE-shaped user id: "U" and 32 hex digits."""
    return f"U{n:032x}"


def new_event_id() -> str:
    """A webhookEventId: LINE uses ULIDs (26 characters of Crockford base32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = uuid.uuid4().int >> 2
    return "".join(alphabet[(value >> (5 * i)) & 31] for i in range(26))


def line_event(
    event_type: str,
    user_id: str,
    *,
    webhook_event_id: str | None = None,
    reply_token: str | None = "",
    redelivery: bool = False,
    mode: str = "active",
    timestamp_ms: int | None = None,
    source: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One webhook event object; ``reply_token=""`` makes a fresh one, ``None`` leaves it out."""
    event: dict[str, Any] = {
        "type": event_type,
        "mode": mode,
        "timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        "source": source if source is not None else {"type": "user", "userId": user_id},
        "webhookEventId": webhook_event_id or new_event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply_token is not None:
        event["replyToken"] = reply_token or uuid.uuid4().hex
    event.update(fields)
    return event


def line_text_event(user_id: str, text: str, **kwargs: Any) -> dict[str, Any]:
    message = {"id": str(next(_message_ids)), "type": "text", "quoteToken": uuid.uuid4().hex, "text": text}
    return line_event("message", user_id, message=message, **kwargs)


def line_sticker_event(user_id: str, **kwargs: Any) -> dict[str, Any]:
    message = {
        "id": str(next(_message_ids)),
        "type": "sticker",
        "quoteToken": uuid.uuid4().hex,
        "packageId": "446",
        "stickerId": "1988",
        "stickerResourceType": "ANIMATION",
        "keywords": ["Happy", "Smile"],
    }
    return line_event("message", user_id, message=message, **kwargs)


def line_follow_event(user_id: str, *, unblocked: bool = False, **kwargs: Any) -> dict[str, Any]:
    return line_event("follow", user_id, follow={"isUnblocked": unblocked}, **kwargs)


def line_unfollow_event(user_id: str, **kwargs: Any) -> dict[str, Any]:
    return line_event("unfollow", user_id, reply_token=None, **kwargs)


def line_postback_event(user_id: str, data: str, **kwargs: Any) -> dict[str, Any]:
    return line_event("postback", user_id, postback={"data": data}, **kwargs)


def line_body(*events: dict[str, Any], destination: str = LINE_DESTINATION) -> bytes:
    """The raw request body, compact JSON with Thai left as is (LINE sends UTF-8, not \\u escapes)."""
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode()


def line_signature(channel_secret: str, body: bytes) -> str:
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def line_headers(channel_secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": line_signature(channel_secret, body),
        "User-Agent": "LineBotWebhook/2.0",
    }


# --- Telegram ---------------------------------------------------------------------------------------------

_update_ids = itertools.count(700_000_000)
_telegram_message_ids = itertools.count(1)


def telegram_user(user_id: int, *, first_name: str = "สมชาย", language_code: str = "th") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}


def telegram_private_chat(user_id: int, *, first_name: str = "สมชาย") -> dict[str, Any]:
    return {"id": user_id, "first_name": first_name, "type": "private"}


def telegram_message(user_id: int, text: str | None = None, **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_telegram_message_ids),
        "from": telegram_user(user_id),
        "chat": telegram_private_chat(user_id),
        "date": int(time.time()),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    message.update(fields)
    return message


def telegram_text_update(user_id: int, text: str, *, update_id: int | None = None) -> dict[str, Any]:
    return {"update_id": _next_update(update_id), "message": telegram_message(user_id, text)}


def telegram_group_update(
    chat_id: int,
    from_id: int,
    text: str,
    *,
    reply_to: dict[str, Any] | None = None,
    thread_id: int | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    """A message in a (super)group: ``reply_to`` is the message it answers (e.g. one ginbot sent there,
    as the stub returned it), ``thread_id`` the forum topic it was written in."""
    fields: dict[str, Any] = {"chat": {"id": chat_id, "type": "supergroup", "title": "ginbot staff"}}
    if reply_to is not None:
        fields["reply_to_message"] = reply_to
    if thread_id is not None:
        fields["message_thread_id"] = thread_id
        fields["is_topic_message"] = True
    return {"update_id": _next_update(update_id), "message": telegram_message(from_id, text, **fields)}


def telegram_sticker_update(user_id: int, *, update_id: int | None = None) -> dict[str, Any]:
    sticker = {
        "file_id": "CAACAgIAAxkBAAIBZ2ZsticKer",
        "file_unique_id": "AgADsticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return {"update_id": _next_update(update_id), "message": telegram_message(user_id, sticker=sticker)}


def telegram_callback_update(
    user_id: int,
    data: str,
    *,
    keyboard: list[list[dict[str, Any]]] | None = None,
    update_id: int | None = None,
) -> dict[str, Any]:
    """A tap on an inline button of a message the bot sent earlier (``keyboard`` is that message's markup)."""
    bot_message: dict[str, Any] = {
        "message_id": next(_telegram_message_ids),
        "from": {"id": 123456789, "is_bot": True, "first_name": "ginbot", "username": "ginbot_stub_bot"},
        "chat": telegram_private_chat(user_id),
        "date": int(time.time()),
        "text": "…",
    }
    if keyboard is not None:
        bot_message["reply_markup"] = {"inline_keyboard": keyboard}
    query = {
        "id": str(uuid.uuid4().int)[:19],
        "from": telegram_user(user_id),
        "message": bot_message,
        "chat_instance": "-" + str(uuid.uuid4().int)[:19],
        "data": data,
    }
    return {"update_id": _next_update(update_id), "callback_query": query}


def telegram_my_chat_member_update(
    user_id: int, status: str, *, update_id: int | None = None
) -> dict[str, Any]:
    """The bot's membership in a private chat changed: ``kicked`` when the person blocked it."""
    bot = {"id": 123456789, "is_bot": True, "first_name": "ginbot", "username": "ginbot_stub_bot"}
    old = "member" if status == "kicked" else "kicked"
    return {
        "update_id": _next_update(update_id),
        "my_chat_member": {
            "chat": telegram_private_chat(user_id),
            "from": telegram_user(user_id),
            "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": old},
            "new_chat_member": {
                "user": bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            },
        },
    }


def telegram_headers(secret: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return headers


def _next_update(update_id: int | None) -> int:
    return update_id if update_id is not None else next(_update_ids)
