"""Graceful shutdown: stop taking new work, finish what was accepted, then let the database close.

On SIGTERM aiohttp's ``run_app`` closes the listening socket, fires ``on_shutdown``, waits for in-flight
request handlers, then runs the cleanup contexts in reverse order. This module hooks in twice:

- ``on_shutdown`` sets ``Lifecycle.stopping``; from then on the gate middleware answers new requests on
  still-open connections with 503 + Retry-After (LINE and Telegram redeliver a webhook that was not
  answered 2xx, so nothing is lost) and /healthz reads as down so a load balancer stops routing here.
- a cleanup context, registered after the database's, waits for the background tasks that webhook
  handlers started with ``Lifecycle.spawn`` (the replies to messages already answered 200) before the
  database closes under them.

Finally an ``on_cleanup`` hook, which aiohttp runs after every cleanup context succeeded, logs
"ginbot stopped cleanly"; operators and the tests read that line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ginbot.observability import metrics

log = logging.getLogger(__name__)

# Background replies normally take well under a second; docker's default stop grace period is 10 s and
# compose.yaml gives 30 s, so 20 s leaves room for the sender's batch and the database to close.
DRAIN_TIMEOUT_S = 20.0
# Paths whose refusals are counted as webhook rejections, by channel.
WEBHOOK_CHANNELS = {"/line/webhook": "line", "/telegram/webhook": "telegram"}
# Still answered while stopping: scrapes are harmless and show the shutdown in progress.
ALWAYS_SERVED = frozenset({"/metrics"})
RETRY_AFTER_S = 5


class Lifecycle:
    """Whether the server is stopping, and the background tasks it must finish before it stops."""

    def __init__(self) -> None:
        self.stopping = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.drained = 0
        self.abandoned = 0

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, keeping a reference (asyncio only holds tasks weakly) so that
        shutdown waits for it. Webhook handlers use this for work they answered 200 for already."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def pending(self) -> int:
        return sum(1 for t in self._tasks if not t.done())

    async def drain(self, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Wait for every spawned task, including ones spawned while waiting; cancel what is left at the
        deadline (logged: those replies are lost, the platform will not redeliver a message answered 200)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._tasks:
            remaining = deadline - loop.time()
            waiting = set(self._tasks)
            if remaining <= 0:
                for task in waiting:
                    task.cancel()
                self.abandoned += len(waiting)
                log.error("shutdown: gave up waiting for %d background task(s)", len(waiting))
                await asyncio.gather(*waiting, return_exceptions=True)
                return
            done, _ = await asyncio.wait(waiting, timeout=remaining)
            self.drained += len(done)


LIFECYCLE_KEY = web.AppKey("lifecycle", Lifecycle)


@web.middleware
async def shutdown_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.app[LIFECYCLE_KEY].stopping and request.path not in ALWAYS_SERVED:
        channel = WEBHOOK_CHANNELS.get(request.path)
        if channel is not None:
            metrics.count_rejection(channel, "shutting_down")
        raise web.HTTPServiceUnavailable(
            text="ginbot is restarting, please retry",
            headers={"Retry-After": str(RETRY_AFTER_S), "Connection": "close"},
        )
    return await handler(request)


def install(app: web.Application, drain_timeout_s: float = DRAIN_TIMEOUT_S) -> Lifecycle:
    """Add the gate and the shutdown hooks; call after the database's cleanup context is registered."""
    lifecycle = Lifecycle()
    app[LIFECYCLE_KEY] = lifecycle
    app.middlewares.append(shutdown_gate)

    async def stop_taking_work(app: web.Application) -> None:
        lifecycle.stopping = True
        log.info("shutdown: no longer accepting requests; %d background task(s) running", lifecycle.pending)

    async def finish_background_work(app: web.Application) -> AsyncIterator[None]:
        yield
        await lifecycle.drain(drain_timeout_s)

    async def report(app: web.Application) -> None:
        if not lifecycle.stopping:  # a startup failure, not a shutdown
            return
        if lifecycle.abandoned:
            log.warning("ginbot stopped; %d background task(s) abandoned", lifecycle.abandoned)
        else:
            log.info("ginbot stopped cleanly (%d background task(s) finished)", lifecycle.drained)

    app.on_shutdown.append(stop_taking_work)
    app.cleanup_ctx.append(finish_background_work)
    app.on_cleanup.append(report)
    return lifecycle
