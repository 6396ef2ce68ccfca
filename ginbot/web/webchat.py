"""The web chat: a page at `/` and a JSON endpoint that talks to the same core as LINE and Telegram.

It lets a newcomer try ginbot in a browser after `make run`, with no LINE or Telegram account.
"""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from ginbot.channels.jsonform import replies_json
from ginbot.channels.registry import REGISTRY
from ginbot.core.messages import Channel, IncomingMessage, Kind
from ginbot.web.keys import BOT_KEY

# The browser makes up its own id (stored in localStorage); only safe, bounded ids are accepted.
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TEXT_CHARS = 2000


def _thai_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


@aiohttp_jinja2.template("chat.html")
async def page(request: web.Request) -> dict[str, Any]:
    return {}


async def api_chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "body must be JSON: {\"user\": …, \"text\": …}"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "body must be a JSON object"}, status=400)
    user = body.get("user")
    text = body.get("text", "")
    event = body.get("event")
    if not isinstance(user, str) or not VISITOR_ID.match(user):
        return web.json_response({"error": "user must be 8–64 characters of A-Z, a-z, 0-9, _ or -"}, status=400)
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        return web.json_response({"error": f"text must be a string of at most {MAX_TEXT_CHARS} characters"}, status=400)
    kind = Kind.FOLLOW if event == "open" else Kind.TEXT
    # The registry says whether reminders reach web visitors (they do not); the core words its promises by it.
    can_push = REGISTRY.get(Channel.WEB).push
    message = IncomingMessage(Channel.WEB, user, text, kind=kind, can_push=can_push)
    bot = request.app[BOT_KEY]
    respond = getattr(bot, "respond", None)  # the real core says whether staff have the conversation
    if respond is not None:
        outcome = await respond(message)
        body = {"replies": replies_json(outcome.replies), "handoff": outcome.handoff}
    else:
        body = {"replies": replies_json(await bot.handle(message)), "handoff": False}
    return web.json_response(body, dumps=_thai_json)


async def api_updates(request: web.Request) -> web.Response:
    """What staff said to this visitor after message ``after``: the page polls this while staff have the
    conversation, so a staff reply appears without a reload."""
    from ginbot.db import handoffs
    from ginbot.db.models import ChatUser, ConversationState
    from ginbot.web.keys import DB_KEY, SETTINGS_KEY

    user = request.query.get("user", "")
    if not VISITOR_ID.match(user):
        return web.json_response({"error": "user must be 8–64 characters of A-Z, a-z, 0-9, _ or -"}, status=400)
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        return web.json_response({"error": "after must be a message number"}, status=400)
    label = request.app[SETTINGS_KEY].handoff_staff_label
    async with request.app[DB_KEY].session() as session:
        lines = await handoffs.messages_for_official(session, Channel.WEB, user, after)
        mode = await session.scalar(
            select(ConversationState.mode)
            .join(ChatUser, ChatUser.id == ConversationState.user_id)
            .where(ChatUser.channel == Channel.WEB, ChatUser.platform_user_id == user)
        )
    messages = [
        {"id": m.id, "text": f"{label}: {m.text}" if m.sender == "staff" else m.text, "from": m.sender} for m in lines
    ]
    last = messages[-1]["id"] if messages else after
    body = {"messages": messages, "last": last, "handoff": mode in ("waiting", "staff")}
    return web.json_response(body, dumps=_thai_json)


def install(app: web.Application) -> None:
    app.router.add_get("/", page, name="chat")
    app.router.add_post("/api/chat", api_chat, name="chat_api")
    app.router.add_get("/api/chat/updates", api_updates, name="chat_updates")
