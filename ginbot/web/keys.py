"""What the aiohttp application holds, by typed key. Every web module imports its keys from here, so no
module needs ``ginbot.web.app`` (the composition root, which imports them all)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ginbot.core.messages import MessageHandler
from ginbot.db.session import Database
from ginbot.delivery.wakeups import Wakeups
from ginbot.settings import Settings
from ginbot.web.channels import Channels

SETTINGS_KEY = web.AppKey("settings", Settings)
DB_KEY = web.AppKey("db", Database)
BOT_KEY = web.AppKey("bot", MessageHandler)
CHANNELS_KEY = web.AppKey("channels", Channels)
# Wake-ups for the planner and the senders (ginbot.delivery.wakeups), set when the app starts its delivery.
WAKEUPS_KEY: web.AppKey[Wakeups] = web.AppKey("wakeups")
# (alive, why not) of the in-process planner and sender, when GINBOT_RUN_SENDER runs them (/healthz).
DELIVERY_HEALTH_KEY: web.AppKey[Callable[[], tuple[bool, str | None]]] = web.AppKey("delivery_health")
