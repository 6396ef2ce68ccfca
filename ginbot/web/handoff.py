"""Wiring the handoff into the running app: the staff desk, the Telegram staff group, the waiting gauge.

Called from the app's delivery start-up (``create_app``), when the bot, the channels and the sender exist.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import func, select

from ginbot.core.content import Content
from ginbot.db.models import Handoff
from ginbot.db.session import Database
from ginbot.delivery.wakeups import Topic, Wakeups
from ginbot.handoff.desk import Desk
from ginbot.observability import metrics
from ginbot.settings import Settings
from ginbot.web.keys import BOT_KEY, CHANNELS_KEY

log = logging.getLogger(__name__)

DESK_KEY = web.AppKey("handoff_desk", Desk)


def install(app: web.Application, settings: Settings, db: Database, wakeups: Wakeups) -> Desk:
    bot = app[BOT_KEY]
    content = getattr(bot, "content", None)
    if not isinstance(content, Content):  # a test's stand-in bot: the bundled texts
        content = Content.load(settings.data_dir / "answers.yml")

    async def wake_senders() -> None:
        # The senders may run in this process or in `ginbot worker`s: wake them wherever they are.
        await wakeups.notify(Topic.OUTBOX)

    desk = Desk(db, content, staff_label=settings.handoff_staff_label, on_queued=wake_senders)
    app[DESK_KEY] = desk
    listeners = getattr(bot, "staff_listeners", None)

    channels = app[CHANNELS_KEY]
    telegram = channels.telegram
    if telegram is not None and settings.telegram_staff_chat_id is not None:
        from ginbot.handoff.telegram_group import StaffGroup

        group = StaffGroup(
            telegram.bot,
            db,
            desk,
            chat_id=settings.telegram_staff_chat_id,
            staff_ids=settings.telegram_staff_ids,
            spawn=channels.tasks.spawn,
        )
        telegram.staff_group = group
        if isinstance(listeners, list):
            listeners.append(group.on_events)
    elif settings.telegram_staff_chat_id is not None:
        log.warning("GINBOT_TELEGRAM_STAFF_CHAT_ID is set but Telegram is not: handoffs show in /admin only")

    async def waiting() -> int:
        async with db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Handoff).where(Handoff.status == "waiting")) or 0)

    metrics.set_handoff_waiting_source(waiting)
    return desk
