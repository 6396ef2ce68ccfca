"""The web side of observability: ``GET /metrics`` and the request-id middleware."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from ginbot.observability import metrics
from ginbot.observability.logging import REQUEST_ID
from ginbot.settings import Settings

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's id is kept only when it is short and plain: it is written into every log line, so a crafted
# header must not be able to forge extra lines or fields.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_for(request: web.Request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _ACCEPTABLE_ID.fullmatch(incoming) else uuid.uuid4().hex


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sets the request id for every log line of this request (and of tasks it spawns, which copy the
    context) and echoes it in the response, so a user's report can be matched to the log."""
    request_id = request_id_for(request)
    # aiohttp runs each request in a task of its own, so this value cannot leak into the next request.
    REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


async def metrics_endpoint(request: web.Request) -> web.Response:
    body = await metrics.render()
    # The classic 0.0.4 text format: every Prometheus version and agent reads it.
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


def metrics_route(token: str | None) -> Handler:
    """``GET /metrics``, wanting ``Authorization: Bearer <token>`` when a token is set."""
    if not token:
        return metrics_endpoint
    expected = f"Bearer {token}".encode()

    async def guarded(request: web.Request) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").encode()
        # compare_digest: the time taken must not tell how much of the token was right.
        if not hmac.compare_digest(given, expected):
            raise web.HTTPUnauthorized(text="metrics need Authorization: Bearer <GINBOT_METRICS_TOKEN>")
        return await metrics_endpoint(request)

    return guarded


# (alive, why not): what ``ginbot worker`` tells its /healthz.
HealthCheck = Callable[[], tuple[bool, str | None]]


def healthz_route(check: HealthCheck) -> Handler:
    async def healthz(_request: web.Request) -> web.StreamResponse:
        alive, reason = check()
        if alive:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "failing", "failed": reason}, status=503)

    return healthz


async def serve_metrics(
    host: str, port: int, token: str | None = None, *, healthy: HealthCheck | None = None
) -> web.AppRunner:
    """``GET /metrics`` alone on its own port, for ``ginbot worker`` (no web server of its own) and for
    ``ginbot serve`` with GINBOT_METRICS_ADDRESS; in the caller's event loop, so scrape-time gauges are
    refreshed as on the web server. With ``healthy`` (the worker), ``GET /healthz`` too: 200, or 503 once
    a runner died. Clean up the runner to stop it."""
    app = web.Application()
    app.router.add_get("/metrics", metrics_route(token))
    if healthy is not None:
        app.router.add_get("/healthz", healthz_route(healthy))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def install(app: web.Application, settings: Settings) -> None:
    """Make the request-id middleware the outermost one, and serve ``GET /metrics`` on the web port or,
    with GINBOT_METRICS_ADDRESS, on that address only."""
    app.middlewares.insert(0, request_id_middleware)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    separate = settings.metrics_host_port
    if separate is None:
        app.router.add_get("/metrics", metrics_route(token))
        return

    async def own_port(app: web.Application) -> AsyncIterator[None]:
        runner = await serve_metrics(separate[0], separate[1], token)
        yield
        await runner.cleanup()

    app.cleanup_ctx.append(own_port)
