"""Small recording HTTP stubs of the LINE and Telegram APIs for the delivery tests and bench/broadcast.py.

They speak just enough of each API for the real SDKs (line-bot-sdk AsyncMessagingApi, python-telegram-bot
Bot) to work against them, and record what a person would have received. Failures are injected per call
(``fail_next``) or per chat (``fail_chat``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Injected:
    status: int
    body: dict[str, object] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class _Server:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _app(self) -> web.Application:
        raise NotImplementedError

    def stats(self) -> dict[str, object]:
        raise NotImplementedError

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def start(self) -> None:
        app = self._app()
        app.router.add_get("/_stats", self._stats)  # for a stub in another process (bench/broadcast.py)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class LineStub(_Server):
    """POST /v2/bot/message/multicast and /push. Accepted retry keys answer 409 on reuse, like LINE.

    ``respond_delay_s`` delays the answer *after* accepting: the window in which a crash leaves a request
    delivered but not recorded, which the retry key must make harmless.
    """

    def __init__(self, delay_s: float = 0.0, respond_delay_s: float = 0.0) -> None:
        super().__init__(delay_s)
        self.respond_delay_s = respond_delay_s
        self.awaiting_response = 0  # accepted requests whose answer is still on its way
        self.received: Counter[str] = Counter()  # userId -> messages delivered
        self.texts: dict[str, list[str]] = defaultdict(list)
        self.requests = 0
        self.multicasts = 0
        self.conflicts = 0  # 409s for a reused retry key
        self.missing_retry_key = 0
        self.accepted_keys: dict[str, str] = {}
        self.keys: list[str | None] = []  # the retry key of every request, in order
        self.fail_next: deque[Injected] = deque()

    def stats(self) -> dict[str, object]:
        return {
            "recipients": len(self.received),
            "messages": sum(self.received.values()),
            "duplicates": duplicates(self.received),
            "requests": self.requests,
            "multicasts": self.multicasts,
            "conflicts": self.conflicts,
            "missing_retry_key": self.missing_retry_key,
        }

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v2/bot/message/multicast", self._send)
        app.router.add_post("/v2/bot/message/push", self._send)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        key = request.headers.get("X-Line-Retry-Key")
        self.keys.append(key)
        if key is None:
            self.missing_retry_key += 1
        elif key in self.accepted_keys:
            self.conflicts += 1
            return web.json_response(
                {"message": "The retry key is already accepted"},
                status=409,
                headers={"x-line-accepted-request-id": self.accepted_keys[key]},
            )
        if self.fail_next:
            inj = self.fail_next.popleft()
            return web.json_response(
                inj.body or {"message": "injected"}, status=inj.status, headers=inj.headers
            )
        body = await request.json()
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        if request.path.endswith("multicast"):
            self.multicasts += 1
            assert len(to) <= 500 and len(body["messages"]) <= 5
        for user in to:
            for message in body["messages"]:
                self.received[user] += 1
                self.texts[user].append(message["text"])
        request_id = str(uuid.uuid4())
        if key is not None:
            self.accepted_keys[key] = request_id
        if self.respond_delay_s:
            self.awaiting_response += 1
            try:
                await asyncio.sleep(self.respond_delay_s)
            finally:
                self.awaiting_response -= 1
        return web.json_response({}, headers={"x-line-request-id": request_id})


class TelegramStub(_Server):
    """/bot<token>/getMe and /sendMessage (form or JSON), recording every delivery with its time."""

    def __init__(self, delay_s: float = 0.0) -> None:
        super().__init__(delay_s)
        self.received: Counter[str] = Counter()  # chat id -> messages delivered
        self.texts: dict[str, list[str]] = defaultdict(list)
        self.sent_at: dict[str, list[float]] = defaultdict(
            list
        )  # chat id -> monotonic times, for rate checks
        self.all_sent_at: list[float] = []
        self.requests = 0
        self.fail_next: deque[Injected] = deque()
        self.fail_chat: dict[str, deque[Injected]] = defaultdict(deque)
        self.rejected: list[
            tuple[str, int, float]
        ] = []  # (chat, status, monotonic time) of injected failures
        self._message_id = 0

    def stats(self) -> dict[str, object]:
        times = self.all_sent_at
        return {
            "recipients": len(self.received),
            "messages": sum(self.received.values()),
            "duplicates": duplicates(self.received),
            "requests": self.requests,
            "first_s": min(times) if times else None,
            "last_s": max(times) if times else None,
            "max_per_chat_per_s": max((_per_window(ts, 1.0) for ts in self.sent_at.values()), default=0),
        }

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/bot{token}/{method}", self._method)
        return app

    @staticmethod
    async def _params(request: web.Request) -> dict[str, str]:
        if request.content_type == "application/json":
            return {k: str(v) for k, v in (await request.json()).items()}
        form = await request.post()
        return {k: str(v) for k, v in form.items()}

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getMe":
            return web.json_response(
                {
                    "ok": True,
                    "result": {"id": 1, "is_bot": True, "first_name": "ginbot", "username": "ginbot_bot"},
                }
            )
        if method != "sendMessage":
            return web.json_response({"ok": True, "result": True})
        self.requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        params = await self._params(request)
        chat = params["chat_id"].strip('"')
        inj = self.fail_chat[chat].popleft() if self.fail_chat.get(chat) else None
        if inj is None and self.fail_next:
            inj = self.fail_next.popleft()
        if inj is not None:
            self.rejected.append((chat, inj.status, time.monotonic()))
            return web.json_response(inj.body, status=inj.status)
        now = time.monotonic()
        self.received[chat] += 1
        self.texts[chat].append(params["text"])
        self.sent_at[chat].append(now)
        self.all_sent_at.append(now)
        self._message_id += 1
        message = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": "private"},
            "text": params["text"],
        }
        return web.json_response({"ok": True, "result": message})


def telegram_error(code: int, description: str, retry_after_s: int | None = None) -> Injected:
    body: dict[str, object] = {"ok": False, "error_code": code, "description": description}
    if retry_after_s is not None:
        body["parameters"] = {"retry_after": retry_after_s}
    return Injected(code, body)


TOO_MANY = telegram_error(429, "Too Many Requests: retry after 1", 1)
BLOCKED = telegram_error(403, "Forbidden: bot was blocked by the user")
SERVER_ERROR = telegram_error(500, "Internal Server Error")
BAD_REQUEST = telegram_error(400, "Bad Request: message text is empty")


def _per_window(times: list[float], window_s: float) -> int:
    """Most messages inside any window of ``window_s`` (a chat's peak rate)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


def duplicates(received: Counter[str]) -> int:
    return sum(n - 1 for n in received.values() if n > 1)
