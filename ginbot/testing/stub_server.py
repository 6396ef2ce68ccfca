"""The part both API stubs share: lifecycle on a free port, recording, scripted faults, latency, hangs.

Every request is recorded (method, path, endpoint name, headers, parsed body, the status answered, when),
whether it succeeded or not. Faults are queued per endpoint and optionally per recipient and are used in
order; an endpoint without a queued fault behaves like the real platform (including its validation).

A *hang* models the case retries exist for: the platform accepts the request (it is recorded and takes
effect) but the answer never comes back until ``release()`` (or ``close()``), so the client times out.
``hanging`` says how many such answers are being withheld right now.

``GET /_stats`` serves ``stats()`` as JSON, for a stub running in another process (bench/broadcast.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

# Form fields that are text to the platform even when they look like JSON ("123", "[ok]").
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "description",
    }
)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    endpoint: str  # "reply", "push", "sendMessage"…
    headers: CIMultiDictProxy[str]
    body: dict[str, Any]
    status: int  # what the stub answered
    received_at: float  # time.monotonic() on arrival: comparable with the test's own clock

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    status: int | None  # None: hang (accept, then withhold the answer)
    body: Any = None  # None: the platform's usual error body for the status
    headers: Mapping[str, str] = field(default_factory=dict)
    to: str | None = None  # only requests addressed to this recipient


Handler = Callable[[dict[str, Any], web.Request], Awaitable[Answer]]


class StubServer:
    def __init__(self, *, delay_s: float = 0.0, host: str = "127.0.0.1") -> None:
        self.delay_s = delay_s  # added latency before every answer
        self.host = host
        self.port = 0
        self.requests: list[RecordedRequest] = []
        # Called with every recorded request (benchmarks match replies to what they sent).
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self._faults: dict[str, deque[Fault]] = {}
        self.hanging = 0  # accepted requests whose answer is being withheld (see hang)
        self._released = asyncio.Event()
        self._recorded = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> Self:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/_stats", self._stats_route)
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stats(self) -> dict[str, Any]:
        """Figures for a benchmark reading the stub from another process."""
        return {"requests": len(self.requests)}

    async def _stats_route(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    # --- scripting ----------------------------------------------------------------------------------------

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        to: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``endpoint`` (for recipient ``to`` only, if given) with
        ``status``; ``body`` defaults to what the platform says for that status."""
        fault = Fault(status, body, dict(headers or {}), to)
        self._faults.setdefault(endpoint, deque()).extend([fault] * times)

    def hang(self, endpoint: str, *, times: int = 1, to: str | None = None) -> None:
        """Accept the next ``times`` requests to ``endpoint`` but withhold the answer until ``release()``."""
        self._faults.setdefault(endpoint, deque()).extend([Fault(None, to=to)] * times)

    def release(self) -> None:
        """Let every hung request answer."""
        self._released.set()
        self._released = asyncio.Event()

    def clear(self) -> None:
        """Forget recorded requests and queued faults."""
        self.requests.clear()
        self._faults.clear()

    # --- reading what happened ------------------------------------------------------------------------------

    def calls(self, endpoint: str | None = None, *, accepted: bool | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (endpoint is None or r.endpoint == endpoint) and (accepted is None or r.accepted == accepted)
        ]

    async def wait_for(self, endpoint: str, count: int = 1, timeout_s: float = 10.0) -> list[RecordedRequest]:
        """Wait until ``count`` requests to ``endpoint`` arrived (any status); a safety net, not a timing."""

        def enough() -> bool:
            return len(self.calls(endpoint)) >= count

        async with self._recorded:
            await asyncio.wait_for(self._recorded.wait_for(enough), timeout_s)
        return self.calls(endpoint)

    # --- serving ------------------------------------------------------------------------------------------

    def _recipients(self, endpoint: str, body: Mapping[str, Any]) -> Iterable[str]:
        return ()

    def _authorize(self, request: web.Request) -> Answer | None:
        return None

    def _error(self, endpoint: str, status: int) -> Any:
        return {"message": f"stub error {status}"}

    def _take_fault(self, endpoint: str, recipients: Iterable[str]) -> Fault | None:
        queue = self._faults.get(endpoint)
        if not queue:
            return None
        wanted = set(recipients)
        for i, fault in enumerate(queue):
            if fault.to is None or fault.to in wanted:
                del queue[i]
                return fault
        return None

    async def _serve(self, request: web.Request, endpoint: str, handle: Handler) -> web.Response:
        received_at = time.monotonic()
        body = await read_params(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        answer = self._authorize(request)
        fault = None
        if answer is None:
            fault = self._take_fault(endpoint, self._recipients(endpoint, body))
            if fault is not None and fault.status is not None:
                error = fault.body if fault.body is not None else self._error(endpoint, fault.status)
                answer = Answer(fault.status, error, fault.headers)
            else:
                answer = await handle(body, request)
        headers = CIMultiDictProxy(CIMultiDict(request.headers))
        record = RecordedRequest(
            request.method, request.path, endpoint, headers, body, answer.status, received_at
        )
        self.requests.append(record)
        if self.on_request is not None:
            self.on_request(record)
        async with self._recorded:
            self._recorded.notify_all()
        if fault is not None and fault.status is None:
            self.hanging += 1
            try:
                await self._released.wait()
            finally:
                self.hanging -= 1
        return web.json_response(answer.body, status=answer.status, headers=dict(answer.headers))


def per_second(times: Iterable[float]) -> list[int]:
    """How many of ``times`` fell in each whole second counted from the first: the platform's view of a
    per-second limit."""
    ordered = sorted(times)
    if not ordered:
        return []
    counts = [0] * (int(ordered[-1] - ordered[0]) + 1)
    for t in ordered:
        counts[int(t - ordered[0])] += 1
    return counts


def busiest_second(times: Iterable[float]) -> int:
    """The most of ``times`` inside any one-second window, wherever it starts (stricter than per_second)."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def duplicates(received: Mapping[str, int]) -> int:
    """Messages beyond the first per recipient: what a person would see twice."""
    return sum(n - 1 for n in received.values() if n > 1)


async def read_params(request: web.Request) -> dict[str, Any]:
    """JSON bodies as they are; form and multipart bodies (python-telegram-bot) with JSON values decoded."""
    if not request.can_read_body:
        return dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return data if isinstance(data, dict) else {"_": data}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            params[key] = getattr(value, "filename", None) or "<file>"
        elif key in TEXT_FIELDS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    return params
