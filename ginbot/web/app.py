"""create_app(settings): one aiohttp application whose startup and cleanup own every long-lived client.

The composition root of the web side: it alone imports every web module; they share state through the
typed keys in ginbot.web.keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ginbot.channels.registry import REGISTRY
from ginbot.core.messages import MessageHandler
from ginbot.db.session import Database
from ginbot.observability import http as observability_http
from ginbot.settings import Settings
from ginbot.web import admin, handoff, lifecycle, templates, webchat, webhooks
from ginbot.web.keys import BOT_KEY, CHANNELS_KEY, DB_KEY, DELIVERY_HEALTH_KEY, SETTINGS_KEY, WAKEUPS_KEY

__all__ = ["BOT_KEY", "CHANNELS_KEY", "DB_KEY", "SETTINGS_KEY", "create_app"]


async def healthz(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]
    settings = request.app[SETTINGS_KEY]
    database_ok = await db.ping()
    # The in-process planner and sender (GINBOT_RUN_SENDER): a dead one fails the check, as a worker's does.
    delivery_check = request.app.get(DELIVERY_HEALTH_KEY)
    delivery_ok, delivery_failure = delivery_check() if delivery_check is not None else (True, None)
    healthy = database_ok and delivery_ok
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database_ok,
        "delivery": "off" if delivery_check is None else ("ok" if delivery_ok else delivery_failure),
        "channels": {spec.name: spec.enabled(settings) for spec in REGISTRY if spec.name != "console"},
        "channel_status": request.app[CHANNELS_KEY].status(),
    }
    return web.json_response(body, status=200 if healthy else 503)


def create_app(
    settings: Settings, db: Database | None = None, bot: MessageHandler | None = None
) -> web.Application:
    app = web.Application(client_max_size=settings.max_webhook_body_bytes)
    app[SETTINGS_KEY] = settings

    async def database(app: web.Application) -> AsyncIterator[None]:
        owned = db is None
        app[DB_KEY] = db or Database.for_serving(settings)
        yield
        if owned:
            await app[DB_KEY].close()

    async def conversation(app: web.Application) -> AsyncIterator[None]:
        if bot is not None:
            app[BOT_KEY] = bot
        else:
            from ginbot.wiring import build_bot

            app[BOT_KEY] = await build_bot(settings, app[DB_KEY])
        yield

    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(conversation)
    # After the bot: channels start receiving once it exists, and stop (draining replies) before it goes.
    webhooks.install(app)
    templates.install(app)
    webchat.install(app)
    # The 503 gate while shutting down; GET /metrics and request ids in every log line.
    lifecycle.install(app)
    observability_http.install(app, settings)
    # After the gate and the request logging, so those wrap the admin's sign-in guard too.
    admin.install(app)
    app.router.add_get("/healthz", healthz)
    # Last, so it starts after the channels exist and stops first, while the database is still open.
    app.cleanup_ctx.append(_delivery)
    return app


async def _delivery(app: web.Application) -> AsyncIterator[None]:
    """Reminder planner + outbox sender in the background (unless GINBOT_RUN_SENDER=false), and the Telegram
    staff /broadcast command. A batch being sent at shutdown is finished before the app stops."""
    from ginbot.delivery.announce import StaffBroadcasts
    from ginbot.delivery.runner import DeliveryRunner, clock_for, report_outbox_depth
    from ginbot.delivery.wakeups import wakeups_for
    from ginbot.observability import metrics

    settings, db = app[SETTINGS_KEY], app[DB_KEY]
    report_outbox_depth(db)
    # Shared by the admin, the staff commands and the desk (they notify) and this process's runner (it
    # listens); with GINBOT_RUN_SENDER=false nothing here listens and the notifications reach the workers.
    wakeups = app[WAKEUPS_KEY] = wakeups_for(db)
    telegram = app[CHANNELS_KEY].telegram
    if telegram is not None and settings.telegram_staff_ids:
        telegram.staff = StaffBroadcasts(db, settings.telegram_staff_ids, now=clock_for(settings), wakeups=wakeups)
    runner = DeliveryRunner(settings, db, wakeups=wakeups) if settings.run_sender else None
    handoff.install(app, settings, db, wakeups)
    if runner is not None:
        await runner.start()
        app[DELIVERY_HEALTH_KEY] = runner.health
    yield
    metrics.set_outbox_depth_source(None)
    metrics.set_handoff_waiting_source(None)
    if runner is not None:
        await runner.stop()
    await wakeups.close()
