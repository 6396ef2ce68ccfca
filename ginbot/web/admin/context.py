"""Typed access to what the app holds (settings, database, bot) and to the signed-in staff member.

The keys live in ginbot.web.keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from aiohttp import web

from ginbot.core.clock import Clock
from ginbot.core.messages import MessageHandler
from ginbot.db.session import Database
from ginbot.delivery.wakeups import LocalWakeups, Wakeups
from ginbot.nlu.intents import IntentExample
from ginbot.settings import Settings
from ginbot.web.admin.sessions import Signed
from ginbot.web.keys import BOT_KEY, DB_KEY, SETTINGS_KEY, WAKEUPS_KEY

SIGNED_KEY = web.RequestKey("ginbot_admin_signed", Signed)


def settings(request: web.Request) -> Settings:
    return request.app[SETTINGS_KEY]


def db(request: web.Request) -> Database:
    return request.app[DB_KEY]


def bot(request: web.Request) -> MessageHandler:
    return request.app[BOT_KEY]


def wakeups(request: web.Request) -> Wakeups:
    """The planner's and senders' wake-ups; an app without delivery (a test's bare app) has nobody to wake."""
    return request.app.get(WAKEUPS_KEY) or LocalWakeups()


@runtime_checkable
class Retrainable(Protocol):
    """What the admin pages need of the running NLU (ginbot.nlu.engine.Nlu, or a test's recording twin)."""

    def retrain(self, extra_examples: Iterable[IntentExample]) -> None: ...


@runtime_checkable
class Reloadable(Protocol):
    """A bot that can re-read the agency and cohort lists after an import."""

    async def reload(self) -> None: ...


def nlu_of(handler: MessageHandler) -> Retrainable | None:
    """The running NLU behind the bot, or None (a bot without one, such as a test's fake)."""
    nlu = getattr(getattr(handler, "understanding", None), "nlu", None)
    return nlu if isinstance(nlu, Retrainable) else None


def clock(request: web.Request) -> Clock:
    """The campaign's clock (GINBOT_TODAY pins the day), as the planner and the dialogue use it."""
    s = settings(request)
    return Clock(s.today, ZoneInfo(s.timezone))


def real_now() -> datetime:
    """Security decisions (sessions, lock-outs) always use the real time, never a pinned demo day."""
    return datetime.now(UTC)


def signed(request: web.Request) -> Signed:
    """The staff member the guard let through; only called from handlers behind it."""
    value = request.get(SIGNED_KEY)
    if not isinstance(value, Signed):
        raise web.HTTPUnauthorized(text="sign in first")
    return value


def client_ip(request: web.Request) -> str:
    # The socket's peer, or behind a proxy listed in GINBOT_TRUSTED_PROXIES the client it forwarded for.
    # X-Forwarded-For from anyone else is ignored (anyone can send it).
    from ginbot.web import client_address

    return client_address.of_request(request)
