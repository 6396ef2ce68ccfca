"""The web chat: a page at `/` and a JSON endpoint that talks to the same core as LINE and Telegram.

It lets a newcomer try ginbot in a browser after `make run`, with no LINE or Telegram account. It is public,
so it is limited: a token bucket per client address (all visitor ids from it together) and one per visitor
id answer 429 with Retry-After (and a Thai sentence the page shows) before anything reaches the core or the
database; visitors and their messages are deleted ``GINBOT_WEBCHAT_KEEP_DAYS`` after their last message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from ginbot.channels.jsonform import replies_json
from ginbot.channels.registry import REGISTRY
from ginbot.core.clock import Clock
from ginbot.core.messages import Channel, IncomingMessage, Kind
from ginbot.db import retention
from ginbot.web import client_address
from ginbot.web.keys import BOT_KEY, DB_KEY, SETTINGS_KEY
from ginbot.web.ratelimit import Allowance, Limiter, MemoryLimiter

log = logging.getLogger(__name__)

# The browser makes up its own id (stored in localStorage); only safe, bounded ids are accepted, whole
# (fullmatch: "$" would let a trailing newline through).
VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_TEXT_CHARS = 2000
TOO_FAST_TH = "ส่งข้อความถี่เกินไปค่ะ กรุณารอ {seconds} วินาทีแล้วลองใหม่อีกครั้งนะคะ"
EXPIRY_INTERVAL_S = 3600


@dataclass(frozen=True)
class WebChatLimits:
    by_address: Limiter
    by_visitor: Limiter


LIMITS_KEY = web.AppKey("webchat_limits", WebChatLimits)


def _thai_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


# The chat page must not be framed by another site (clickjacking); it needs nothing else from CSP here.
PAGE_HEADERS = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}


async def page(request: web.Request) -> web.Response:
    response = aiohttp_jinja2.render_template("chat.html", request, {"max_chars": MAX_TEXT_CHARS})
    response.headers.update(PAGE_HEADERS)
    return response


async def api_chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return web.json_response({"error": "body must be JSON: {\"user\": …, \"text\": …}"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "body must be a JSON object"}, status=400)
    user = body.get("user")
    text = body.get("text", "")
    event = body.get("event")
    if not isinstance(user, str) or not VISITOR_ID.fullmatch(user):
        return web.json_response({"error": "user must be 8–64 characters of A-Z, a-z, 0-9, _ or -"}, status=400)
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        return web.json_response({"error": f"text must be a string of at most {MAX_TEXT_CHARS} characters"}, status=400)
    limits = request.app[LIMITS_KEY]
    # The address first: a flood of new visitor ids from one place stops there.
    wait_s = await limits.by_address.check(client_address.of_request(request))
    if not wait_s:
        wait_s = await limits.by_visitor.check(user)
    if wait_s:
        return _too_fast(wait_s)
    kind = Kind.FOLLOW if event == "open" else Kind.TEXT
    # The registry says whether reminders reach web visitors (they do not); the core words its promises by it.
    can_push = REGISTRY.get(Channel.WEB).push
    message = IncomingMessage(Channel.WEB, user, text, kind=kind, can_push=can_push)
    bot = request.app[BOT_KEY]
    respond = getattr(bot, "respond", None)  # the real core says whether staff have the conversation
    if respond is not None:
        outcome = await respond(message)
        body = {"replies": replies_json(outcome.replies), "handoff": outcome.handoff}
        if outcome.forgotten:  # the page then deletes its copy of the conversation too
            body["forgotten"] = True
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


def _too_fast(wait_s: float) -> web.Response:
    seconds = max(1, math.ceil(wait_s))
    body = {"error": "too many messages; retry later", "message": TOO_FAST_TH.format(seconds=seconds)}
    return web.json_response(body, status=429, headers={"Retry-After": str(seconds)}, dumps=_thai_json)


def install(app: web.Application) -> None:
    settings = app[SETTINGS_KEY]
    app[LIMITS_KEY] = WebChatLimits(
        by_address=MemoryLimiter(
            Allowance(settings.webchat_address_rate_per_min / 60, settings.webchat_address_burst)
        ),
        by_visitor=MemoryLimiter(Allowance(settings.webchat_rate_per_min / 60, settings.webchat_burst)),
    )
    app.router.add_get("/", page, name="chat")
    app.router.add_post("/api/chat", api_chat, name="chat_api")
    app.router.add_get("/api/chat/updates", api_updates, name="chat_updates")
    app.cleanup_ctx.append(_expire_visitors)


async def _expire_visitors(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_expire_periodically(app), name="expire-web-visitors")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _expire_periodically(app: web.Application) -> None:
    settings = app[SETTINGS_KEY]
    keep = timedelta(days=settings.webchat_keep_days)
    # The bot's clock: with GINBOT_TODAY pinned, "last seen" is stamped on the pinned day.
    clock = Clock(settings.today)
    while True:
        try:
            async with app[DB_KEY].session() as session:
                gone = await retention.expire_web_visitors(session, clock.now() - keep)
            if gone.visitors or gone.messages:
                log.info("expired %d web-chat visitors and %d old web-chat messages", gone.visitors, gone.messages)
        except Exception:  # a busy or unreachable database: try again next round
            log.exception("expiring web-chat visitors failed")
        await asyncio.sleep(EXPIRY_INTERVAL_S)
