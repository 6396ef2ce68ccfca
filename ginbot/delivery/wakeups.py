"""Wake-ups: "a broadcast was confirmed" and "outbox rows were queued" reach the planner and the senders
at once instead of at their next poll.

One small Protocol with two implementations: ``LocalWakeups`` (an in-process call, SQLite's one process
and the tests) and ``PgWakeups`` (PostgreSQL LISTEN/NOTIFY through ginbot.db.notify, every process of a
deployment). Polling stays as the safety net: a lost notification delays a send by one poll, never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from ginbot.db.notify import Listener, send_notification
from ginbot.db.session import Database

log = logging.getLogger(__name__)


class Topic(StrEnum):
    PLANNER = "planner"  # a broadcast is due now: fan it out
    OUTBOX = "outbox"  # rows were queued: claim them


Callback = Callable[[], None]


class Wakeups(Protocol):
    @property
    def reaches_other_processes(self) -> bool:
        """False: a notification from another process (``ginbot broadcast``) is not heard, so the
        listener must poll for its work often."""
        ...

    def on(self, topic: Topic, callback: Callback) -> None:
        """Call ``callback`` (from the event loop, never blocking) on every notification of ``topic``."""
        ...

    async def notify(self, topic: Topic) -> None:
        """Tell every listener of ``topic``; never raises (a lost wake-up costs one poll)."""
        ...

    async def start(self) -> None:
        """Begin listening (a process that only notifies, like the CLI, need not start)."""
        ...

    async def close(self) -> None: ...


class LocalWakeups:
    """In-process wake-ups: ``notify`` calls this process's listeners directly."""

    reaches_other_processes = False

    def __init__(self) -> None:
        self._callbacks: dict[Topic, list[Callback]] = {}

    def on(self, topic: Topic, callback: Callback) -> None:
        self._callbacks.setdefault(topic, []).append(callback)

    def wake(self, topic: Topic) -> None:
        for callback in self._callbacks.get(topic, ()):
            try:
                callback()
            except Exception:  # one broken listener must not keep the others asleep
                log.exception("wake-up listener for %s failed", topic)

    def wake_all(self) -> None:
        for topic in Topic:
            self.wake(topic)

    async def notify(self, topic: Topic) -> None:
        self.wake(topic)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


# The one PostgreSQL notification channel; the payload is the topic.
CHANNEL = "ginbot_wake"


class PgWakeups(LocalWakeups):
    """LISTEN/NOTIFY: ``notify`` reaches every process listening on the database, this one included.

    The listening connection is a dedicated one (a pooled connection goes back to the pool and would stop
    listening); when it is lost it is opened again, and every topic is woken then, since notifications
    sent meanwhile were not heard.
    """

    reaches_other_processes = True

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self._listener: Listener | None = None

    def _heard(self, payload: str) -> None:
        try:
            topic = Topic(payload)
        except ValueError:  # a newer version's topic, during a rolling upgrade
            return
        self.wake(topic)

    async def notify(self, topic: Topic) -> None:
        # This process's listeners at once, without the round trip; the others through the database.
        self.wake(topic)
        try:
            await send_notification(self.db, CHANNEL, topic.value)
        except Exception as exc:
            log.warning("wake-up %s not sent (%s); the listeners' next poll finds the work", topic, exc)

    async def start(self) -> None:
        if self._listener is None:
            self._listener = Listener(self.db, CHANNEL, self._heard, on_connected=self.wake_all)
            await self._listener.start()

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.connected

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None


def wakeups_for(db: Database) -> Wakeups:
    """LISTEN/NOTIFY on PostgreSQL (several processes share one database), in-process on SQLite."""
    return PgWakeups(db) if db.url.startswith("postgresql") else LocalWakeups()
