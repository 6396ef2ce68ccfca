"""Graceful shutdown: stop taking new work, let accepted work finish, say so in the log.

On SIGTERM aiohttp's ``run_app`` closes the listening socket, fires ``on_shutdown``, waits for in-flight
request handlers, then runs the cleanup contexts in reverse order of registration (background replies,
the sender's current batch, then the database). This module adds:

- an ``on_shutdown`` hook setting ``Lifecycle.stopping``, after which the gate middleware answers new
  requests on still-open connections with 503 + Retry-After (LINE and Telegram redeliver a webhook that
  was not answered 2xx, so nothing is lost) and /healthz reads as down so a load balancer stops routing;
- an ``on_cleanup`` hook, which aiohttp runs after the cleanup contexts and only if they all succeeded,
  logging "ginbot stopped cleanly"; operators and the tests read that line.
"""

from __future__ import annotations

import gc
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from ginbot.channels.registry import REGISTRY
from ginbot.observability import metrics

log = logging.getLogger(__name__)

# Paths whose refusals are counted as webhook rejections, by channel (the built-in ones; the gate asks the
# registry, so a channel registered later is counted too).
WEBHOOK_CHANNELS = REGISTRY.webhook_channels()
# Still answered while stopping: scrapes are harmless and show the shutdown in progress.
ALWAYS_SERVED = frozenset({"/metrics"})
RETRY_AFTER_S = 5


class Lifecycle:
    """Whether the server is stopping; set once, by ``on_shutdown``."""

    def __init__(self) -> None:
        self.stopping = False


LIFECYCLE_KEY = web.AppKey("lifecycle", Lifecycle)


@web.middleware
async def shutdown_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.app[LIFECYCLE_KEY].stopping and request.path not in ALWAYS_SERVED:
        channel = REGISTRY.webhook_channels().get(request.path)
        if channel is not None:
            metrics.count_rejection(channel, "shutting_down")
        raise web.HTTPServiceUnavailable(
            text="ginbot is restarting, please retry",
            headers={"Retry-After": str(RETRY_AFTER_S), "Connection": "close"},
        )
    return await handler(request)


def settle_heap() -> None:
    """Put everything alive now out of the cyclic garbage collector's sight.

    The trained NLU and PyThaiNLP's dictionary are millions of long-lived objects, and every full
    collection walks them all: a ~180 ms pause, every few thousand messages, in which no webhook is
    answered. ``gc.freeze`` moves them to a generation that is never scanned. Run once the app has started
    and again after a retrain; unfreezing first lets the replaced model be collected that one time.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def resettle_heap() -> None:
    """``settle_heap`` again if this process settled it before (a retrain replaced the model)."""
    if gc.get_freeze_count():
        settle_heap()


def settle_heap_after_startup(app: web.Application) -> None:
    """For ``ginbot serve``: settle the heap once the app has started, when the bot and its NLU exist
    (``on_startup`` handlers run after every cleanup context has started)."""

    async def settle(app: web.Application) -> None:
        settle_heap()

    app.on_startup.append(settle)


def install(app: web.Application) -> Lifecycle:
    """Add the gate and the shutdown hooks."""
    lifecycle = Lifecycle()
    app[LIFECYCLE_KEY] = lifecycle
    app.middlewares.append(shutdown_gate)

    async def stop_taking_work(app: web.Application) -> None:
        lifecycle.stopping = True
        log.info("shutdown: refusing new requests, finishing the ones in progress")

    async def report(app: web.Application) -> None:
        # aiohttp runs this only when every cleanup context (background replies, sender, database) closed
        # without an error, so the line really means "nothing was cut off".
        if lifecycle.stopping:
            log.info("ginbot stopped cleanly")

    app.on_shutdown.append(stop_taking_work)
    app.on_cleanup.append(report)
    return lifecycle
