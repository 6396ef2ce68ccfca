"""The thin I/O loop around the planner and the sender, shared by `ginbot serve` and `ginbot worker`."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ginbot.backoff import Backoff
from ginbot.channels.registry import PushTransport
from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.messages import Channel
from ginbot.db.models import OutboxRow
from ginbot.db.session import Database
from ginbot.delivery.broadcasts import next_send_at
from ginbot.delivery.checkins import CheckinMessage
from ginbot.delivery.limits import Limits
from ginbot.delivery.planner import PlanResult, fan_out_due, plan_once
from ginbot.delivery.policy import (
    CheckinPolicy,
    PolicyError,
    ReminderPolicy,
    load_checkin_policy,
    load_policy,
)
from ginbot.delivery.sender import Sender, SenderConfig
from ginbot.delivery.transports import close_transports, open_transports
from ginbot.delivery.wakeups import Topic, Wakeups, wakeups_for
from ginbot.errors import DataFileError
from ginbot.observability import metrics
from ginbot.settings import Settings

log = logging.getLogger(__name__)
# How long cleanup waits for a batch in progress before cancelling it (its rows then wait for the lease).
STOP_GRACE_S = 30.0
# A broadcast due but not fanned out by the pass just done is looked at again this soon.
OVERDUE_RECHECK_S = 0.5
# Waits while the platforms cannot be reached at start: soon at first, then at most once a minute.
OPEN_BACKOFF = Backoff(first_s=1.0, max_s=60.0)


def clock_for(settings: Settings) -> Callable[[], datetime]:
    """ginbot's one clock (GINBOT_TODAY pins the day, the time of day still runs), as aware datetimes."""
    return Clock(settings.today, ZoneInfo(settings.timezone)).now


# Reminders all due longer ago than this were not missed by an outage during the campaign: the campaign's
# dates are simply past (a first start today, or a replay). That is said once, calmly.
LONG_PAST = timedelta(days=7)


def skipped_report(result: PlanResult, now: datetime) -> tuple[int, str]:
    """The log level and line for reminders recorded as skipped (each is recorded, and so told, once)."""
    examples = ", ".join(result.skipped_keys[:3])
    latest = result.latest_skipped_due
    if latest is not None and now - latest > LONG_PAST:
        return logging.INFO, (
            f"planner: {result.reminders_skipped} reminders were due more than {LONG_PAST.days} days ago "
            "(the campaign's dates have passed); they are recorded as skipped, not sent. "
            "Set GINBOT_TODAY to a campaign day to see reminders go out."
        )
    # Missed by more than GINBOT_REMINDER_GRACE_S during the campaign: ginbot was down when they were due.
    return logging.WARNING, (
        f"planner: {result.reminders_skipped} reminders skipped, too late to send (e.g. {examples}); "
        "was ginbot stopped when they were due?"
    )


def report_outbox_depth(db: Database) -> None:
    """Let /metrics read, at scrape time, how many outbox messages per channel are not yet sent.

    Both processes do this: the web server even when its sender is off (the worker sends), so the one
    dashboard shows the queue; the database is the single truth either way.
    """

    async def depth() -> dict[str, int]:
        async with db.session() as session:
            rows = await session.execute(
                select(OutboxRow.channel, func.count())
                .where(OutboxRow.status.in_(("queued", "sending")))
                .group_by(OutboxRow.channel)
            )
            return {channel: int(count) for channel, count in rows}

    metrics.set_outbox_depth_source(depth)


class DeliveryRunner:
    """Owns the planner loop, the sender loops and the SDK clients; ``start()`` then ``stop()``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        line: PushTransport | None = None,
        telegram: PushTransport | None = None,
        transports: Mapping[str, PushTransport] | None = None,
        now: Callable[[], datetime] | None = None,
        plan: bool = True,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.now = now or clock_for(settings)
        self.plan = plan
        # Given (the web app shares its own with the admin and the staff desk) or owned by this runner.
        self._owns_wakeups = wakeups is None
        self.wakeups: Wakeups = wakeups if wakeups is not None else wakeups_for(db)
        self._plan_now = asyncio.Event()
        self.passes = 0  # full planner passes done (a test waits for the first)
        # Injected transports (tests); otherwise one per configured push channel, opened in the background.
        self._transports: dict[str, PushTransport] = dict(transports or {})
        if line is not None:
            self._transports[Channel.LINE] = line
        if telegram is not None:
            self._transports[Channel.TELEGRAM] = telegram
        self._owned: tuple[PushTransport, ...] = ()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._policy: ReminderPolicy | None = None
        self._checkins: tuple[CheckinPolicy, CheckinMessage] | None = None
        self._checkins_stamp: object = None  # the files' modification times when last read
        self.sender: Sender | None = None
        self._limits: Limits | None = None
        self.failure: str | None = None  # which loop died and why, once one has

    async def start(self) -> None:
        """Start in the background: an unreachable platform must not hold up the web server's startup."""
        self._tasks.append(asyncio.create_task(self._main(), name="ginbot-delivery"))

    async def _open(self) -> None:
        if self._transports:
            return  # injected (tests)
        attempt = 0
        while not self._stop.is_set():
            attempt += 1
            delay_s = OPEN_BACKOFF.delay_s(attempt)
            try:
                opened = await open_transports(self.settings)
            except Exception as exc:
                log.warning("delivery: cannot reach the platforms yet (%s); retrying in %.0f s", exc, delay_s)
                try:
                    await asyncio.wait_for(self._stop.wait(), delay_s)
                except TimeoutError:
                    pass
                continue
            self._transports, self._owned = opened, tuple(opened.values())
            return

    def _wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    async def _main(self) -> None:
        self.wakeups.on(Topic.PLANNER, self._plan_now.set)
        self.wakeups.on(Topic.OUTBOX, self._wake_sender)
        await self.wakeups.start()
        loops: list[asyncio.Task[None]] = []
        if self.plan:  # planning needs no platform: it starts at once
            loops.append(asyncio.create_task(self._planner_loop(), name="ginbot-planner"))
        await self._open()
        config = SenderConfig.from_settings(self.settings)
        # On PostgreSQL the limits are the deployment's, shared with every other serve and worker.
        self._limits = Limits.for_database(self.db, config.rates)
        self.sender = Sender(
            self.db, transports=self._transports, config=config, now=self.now, limiters=self._limits.by_channel
        )
        loops.append(asyncio.create_task(self.sender.run(self._stop), name="ginbot-sender"))
        try:
            done, _pending = await asyncio.wait(loops, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                error = task.exception()
                if error is not None:
                    # Remembered for /healthz and the worker's exit line, then raised: the runner is dead.
                    self.failure = f"{task.get_name()} died: {error!r}"
                    log.error("delivery: %s", self.failure, exc_info=error)
                    raise error
        finally:
            # Stopped, or a sibling died: the others finish their batch and end, as on a signal; only what
            # outlives the grace is cancelled. Either way they are waited for: a loop left running (or
            # cancelled inside a database call, whose connection SQLAlchemy closes shielded) while the
            # caller closes the database would hang the process's exit for good.
            self._stop.set()
            _done, pending = await asyncio.wait(loops, timeout=STOP_GRACE_S)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=STOP_GRACE_S)

    def _load_policy(self) -> ReminderPolicy | None:
        # Re-read every pass so staff edits apply without a restart; a broken file keeps the last good one.
        try:
            self._policy = load_policy(self.settings.reminders_path)
        except FileNotFoundError:
            log.warning("no reminder policy at %s: reminders are off", self.settings.reminders_path)
        except (PolicyError, ValueError) as exc:
            log.error("reminder policy not reloaded: %s", exc)
        return self._policy

    def _load_checkins(self) -> tuple[CheckinPolicy, CheckinMessage] | None:
        """The check-in policy and question, re-read when a file changed (staff edits apply at the next pass
        without a restart); a broken file keeps the last good one, a missing policy turns check-ins off.
        Parsing answers.yml costs ~0.1 s of CPU, so an unchanged pair of files is not parsed again."""
        answers = self.settings.data_dir / "answers.yml"
        paths = (self.settings.checkins_path, answers, *sorted(answers.parent.glob("answers.*.yml")))
        try:
            stamp: object = tuple(path.stat().st_mtime_ns for path in paths)
        except FileNotFoundError:
            stamp = "missing"
        if stamp == self._checkins_stamp:
            return self._checkins
        self._checkins_stamp = stamp
        if stamp == "missing":
            log.warning("no check-in policy at %s: check-ins are off", self.settings.checkins_path)
            self._checkins = None
            return None
        try:
            policy = load_checkin_policy(self.settings.checkins_path)
            content = Content.load(self.settings.data_dir / "answers.yml")
            self._checkins = (policy, CheckinMessage.from_content(content))
        except FileNotFoundError:
            self._checkins = None
        except (DataFileError, ValueError) as exc:
            log.error("check-in policy not reloaded: %s", exc)
        return self._checkins

    async def plan_once(self) -> None:
        result = await plan_once(
            self.db, self._load_policy(), self.now(), self.settings.reminder_grace_s, self._load_checkins()
        )
        if result.checkins is not None and result.checkins.queued:
            log.info("planner: %d check-ins queued", result.checkins.queued)
        if result.reminders_created:
            log.info("planner: %d reminders queued", result.reminders_created)
        if result.reminders_skipped:
            level, message = skipped_report(result, self.now())
            log.log(level, message)
        if result.fanned_out or (result.checkins is not None and result.checkins.queued):
            await self.wakeups.notify(Topic.OUTBOX)

    async def fan_out_once(self) -> None:
        """Only the due broadcasts: what a wake-up asks for (reminders and check-ins wait for the full pass)."""
        if await fan_out_due(self.db, self.now()):
            await self.wakeups.notify(Topic.OUTBOX)

    def _quick_poll_s(self) -> float:
        """How often due broadcasts are looked for between full passes. A confirmed broadcast wakes the
        planner at once when the notification reaches it; where it cannot (SQLite: `ginbot broadcast` is
        another process), a one-index query twice per sender idle poll (0.5 s by default) keeps "send now"
        well inside the 2 s staff are promised, with room for a loaded machine."""
        if self.wakeups.reaches_other_processes:
            return self.settings.planner_interval_s
        return min(self.settings.sender_idle_poll_s / 2, self.settings.planner_interval_s)

    async def _next_due_in_s(self) -> float:
        """Seconds until the next broadcast scheduled for later is due: "at 09:00" leaves at 09:00, not at
        the first pass after it. Unknown (the database is away): no limit, the passes go on as set."""
        try:
            async with self.db.session() as session:
                due = await next_send_at(session)
        except Exception:
            log.warning("planner: cannot read the next scheduled broadcast", exc_info=True)
            return math.inf
        if due is None:
            return math.inf
        # Already due yet not fanned out: the timer fired a hair early, or another worker holds it. Look
        # again shortly rather than at the next full pass (and not in a busy loop).
        return max(OVERDUE_RECHECK_S, (due - self.now()).total_seconds())

    async def _planner_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_full = loop.time()
        next_due = math.inf  # loop time when the next broadcast scheduled for later comes due
        while not self._stop.is_set():
            # Read and cleared before the pass: a wake-up during the pass runs the next one at once.
            woken = self._plan_now.is_set()
            self._plan_now.clear()
            full = loop.time() >= next_full
            try:
                if full:
                    next_full = loop.time() + self.settings.planner_interval_s
                    await self.plan_once()
                    self.passes += 1
                else:
                    await self.fan_out_once()
            except Exception:
                log.exception("planner pass failed")
            if full or woken or loop.time() >= next_due:  # what is scheduled changed, or came due
                next_due = loop.time() + await self._next_due_in_s()
            wait_s = max(0.0, min(next_full, next_due, loop.time() + self._quick_poll_s()) - loop.time())
            stop, wake = asyncio.ensure_future(self._stop.wait()), asyncio.ensure_future(self._plan_now.wait())
            try:
                await asyncio.wait((stop, wake), timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                wake.cancel()

    async def wait(self) -> None:
        """Until stopped (the `ginbot worker` main loop); raises what killed the planner or the sender."""
        await asyncio.gather(*self._tasks)

    def health(self) -> tuple[bool, str | None]:
        """(alive, why not): started, not stopped, and no loop has died (the worker's /healthz)."""
        if self.failure is not None:
            return False, self.failure
        for task in self._tasks:
            if task.done():
                error = None if task.cancelled() else task.exception()
                return False, f"{task.get_name()} died: {error!r}" if error else f"{task.get_name()} stopped"
        return (True, None) if self._tasks else (False, "not started")

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=STOP_GRACE_S)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await close_transports(*self._owned)
        if self._limits is not None:
            await self._limits.close()
        if self._owns_wakeups:
            await self.wakeups.close()
