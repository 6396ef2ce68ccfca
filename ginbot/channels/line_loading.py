"""LINE's loading animation (``POST /v2/bot/chat/loading/start``) while an answer takes more than a moment.

Most answers are ready in milliseconds, and an animation that flashes for one of them is noise (and one
more request per message). So a timer starts when a one-to-one turn begins; if the answer is not ready
after LOADING_AFTER_S, the animation is asked for once. LINE hides it by itself when the answer arrives.
The call is best effort: it runs beside the turn, never delays it, and its failure is only logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from linebot.v3.messaging import AsyncMessagingApi, ShowLoadingAnimationRequest

log = logging.getLogger(__name__)

T = TypeVar("T")

# People notice a pause from about half a second; an answer faster than that needs no animation.
LOADING_AFTER_S = 0.5
# How long LINE shows the animation unless the answer comes first (a multiple of 5, 5 to 60).
LOADING_SECONDS = 20
# The animation is worth nothing once the answer is out: do not wait long for LINE to accept it.
LOADING_TIMEOUT_S = 3.0


class LoadingAnimation:
    def __init__(
        self,
        api: Callable[[], AsyncMessagingApi],
        *,
        after_s: float = LOADING_AFTER_S,
        seconds: int = LOADING_SECONDS,
        timeout_s: float = LOADING_TIMEOUT_S,
    ) -> None:
        self._api = api
        self._after_s = after_s
        self._seconds = seconds
        self._timeout_s = timeout_s
        self._calls: set[asyncio.Task[None]] = set()  # kept so a running call is not garbage-collected
        self.shown = 0  # animations LINE accepted (tests and logs read it)

    async def during(self, chat_id: str, work: Awaitable[T]) -> T:
        """Await ``work``; if it is still running after ``after_s``, start the animation for ``chat_id``."""
        timer = asyncio.get_running_loop().call_later(self._after_s, self._start, chat_id)
        try:
            return await work
        finally:
            timer.cancel()

    def _start(self, chat_id: str) -> None:
        task = asyncio.create_task(self._show(chat_id), name="ginbot-line-loading")
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _show(self, chat_id: str) -> None:
        request = ShowLoadingAnimationRequest(chatId=chat_id, loadingSeconds=self._seconds)
        try:
            await self._api().show_loading_animation(request, _request_timeout=self._timeout_s)
            self.shown += 1
        except Exception as exc:  # any failure: the answer still goes out, only the animation is missing
            log.info("LINE loading animation for %s not shown: %r", chat_id, exc)

    async def close(self) -> None:
        """Cancel calls still in flight (shutdown)."""
        for task in list(self._calls):
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
