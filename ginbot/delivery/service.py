"""One broadcast service behind every door staff announce through: the admin composer, `ginbot broadcast`
and the Telegram staff group's /broadcast. Whichever door, a broadcast gets the same checks, the same
report (recipients per channel, id, when), an audit record naming who asked and through which door, and a
wake-up so a "send now" leaves at once. The doors only convert (a form, argv, a chat message) into a
``Request`` and the ``Announcement`` back into words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.messages import Card
from ginbot.db.models import AuditLog, Broadcast
from ginbot.db.session import Database
from ginbot.delivery.broadcasts import NewBroadcast, create_broadcast, target_of
from ginbot.delivery.store import utc
from ginbot.delivery.targets import Target, TargetError, count_by_channel, parse_channel
from ginbot.delivery.wakeups import LocalWakeups, Topic, Wakeups

log = logging.getLogger(__name__)

# The audit action every door records (ginbot.web.admin.audit shows it as "สร้างประกาศ").
BROADCAST_CREATED = "broadcast_created"
# A time picked a moment ago is "now" by the time it is confirmed; older is a mistake.
PAST_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Author:
    """Who asked, through which door: ``admin`` (a staff account), ``cli`` (the operating-system user),
    ``telegram`` (the staff member's Telegram id)."""

    via: str
    name: str
    ip: str | None = None

    @property
    def created_by(self) -> str:
        return f"{self.via}:{self.name}" if self.name else self.via

    @property
    def audit_name(self) -> str:
        # Admin accounts appear under their own name in the audit log, as for every other admin action.
        return self.name if self.via == "admin" else self.created_by


@dataclass(frozen=True)
class Request:
    target: Target
    text: str
    author: Author
    channel: str | None = None
    send_at: datetime | None = None  # None: now
    dedupe_key: str | None = None  # the same key stores one broadcast (a form confirmed twice)
    card: Card | None = None  # shown with the text (ginbot.delivery.cards)


@dataclass(frozen=True)
class Announcement:
    """The one report every door gives back."""

    broadcast_id: int | None  # None: a preview, nothing stored
    target: Target
    channel: str | None
    recipients: int
    by_channel: dict[str, int]
    send_at: datetime
    at_once: bool  # sends now rather than at a later time

    def summary(self) -> str:
        split = ", ".join(f"{c} {n}" for c, n in sorted(self.by_channel.items())) or "none"
        return f"recipients: {self.recipients} ({split})"


class DraftOutcome(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # no such draft, another staff member's, or already confirmed/cancelled


@dataclass(frozen=True)
class Decided:
    outcome: DraftOutcome
    announcement: Announcement | None = None


class BroadcastService:
    def __init__(self, db: Database, *, now: Callable[[], datetime], wakeups: Wakeups | None = None) -> None:
        self.db = db
        # The scheduling clock (runner.clock_for: GINBOT_TODAY pins the day), the one the planner compares
        # ``send_at`` with: a real-time stamp on a pinned demo day would never come due.
        self.now = now
        self.wakeups: Wakeups = wakeups or LocalWakeups()

    def _when(self, request: Request, now: datetime) -> datetime:
        when = request.send_at or now
        if when.tzinfo is None:
            raise TargetError("the send time needs a time zone, e.g. 2020-07-03T09:00+07:00")
        if when < now - PAST_SLACK:
            raise TargetError(f"{when.isoformat(timespec='minutes')} has passed: choose a later time, or send now")
        return when

    async def _counted(self, session: AsyncSession, request: Request, when: datetime, now: datetime) -> Announcement:
        channel = parse_channel(request.channel)
        by_channel = await count_by_channel(session, request.target, channel)
        return Announcement(None, request.target, channel, sum(by_channel.values()), by_channel, when, when <= now)

    async def preview(self, request: Request) -> Announcement:
        """Every check and the recipient count; nothing stored (the composer's preview, ``--dry-run``)."""
        now = self.now()
        when = self._when(request, now)
        async with self.db.session() as session:
            new = NewBroadcast(request.text, request.target, parse_channel(request.channel), when, request.author.created_by)
            await create_broadcast(session, new, now=now)  # validates target and text
            counted = await self._counted(session, request, when, now)
            await session.rollback()
        return counted

    async def create(self, request: Request, *, draft_token: str | None = None) -> Announcement:
        """Check, store, audit and wake the planner. With ``draft_token`` the broadcast waits for
        ``decide_draft`` (Telegram's confirm button) and is audited then. Raises TargetError for staff."""
        now = self.now()
        when = self._when(request, now)
        if request.dedupe_key is not None:
            done = await self._existing(request.dedupe_key)
            if done is not None:
                return done
        new = NewBroadcast(
            request.text, request.target, parse_channel(request.channel), when, request.author.created_by,
            dedupe_key=request.dedupe_key, card=request.card,
        )  # fmt: skip
        try:
            async with self.db.session() as session:
                row = await create_broadcast(
                    session, new, now=now, status="draft" if draft_token else "scheduled", confirm_token=draft_token
                )
                counted = await self._counted(session, request, when, now)
                row.recipient_count = counted.recipients
                if draft_token is None:
                    session.add(self._audit(row, request.author))
                stored = replace(counted, broadcast_id=row.id)
        except IntegrityError:
            # The same request confirmed twice at the same moment: the other one stored it.
            found = await self._existing(request.dedupe_key) if request.dedupe_key else None
            if found is None:
                raise
            return found
        if draft_token is None:
            # Due now: fanned out at once. Due later: the planners learn when to look, to the second.
            await self.wakeups.notify(Topic.PLANNER)
        return stored

    async def decide_draft(self, token: str, author: Author, *, confirm: bool, ttl_s: float) -> Decided:
        """Confirm or cancel a draft its own author stored; a draft older than ``ttl_s`` expires instead."""
        now = self.now()
        async with self.db.session() as session:
            draft = await session.scalar(
                select(Broadcast).where(Broadcast.confirm_token == token, Broadcast.status == "draft")
            )
            if draft is None or draft.created_by != author.created_by:
                return Decided(DraftOutcome.UNKNOWN)
            created = draft.created_at if draft.created_at.tzinfo else draft.created_at.replace(tzinfo=UTC)
            expired = confirm and now - created > timedelta(seconds=ttl_s)
            status = "scheduled" if confirm and not expired else "cancelled"
            values: dict[str, object] = {"status": status, "confirm_token": None}
            if status == "scheduled":
                values["send_at"] = utc(now)
            # Conditional on still being a draft: a double tap confirms once.
            changed = await session.execute(
                update(Broadcast).where(Broadcast.id == draft.id, Broadcast.status == "draft").values(**values)
            )
            if getattr(changed, "rowcount", 1) == 0:
                return Decided(DraftOutcome.UNKNOWN)
            if status == "scheduled":
                draft.send_at = utc(now)
                session.add(self._audit(draft, author))
            announcement = await self._report(session, draft, now)
        if expired:
            return Decided(DraftOutcome.EXPIRED)
        if status == "cancelled":
            return Decided(DraftOutcome.CANCELLED)
        await self.wakeups.notify(Topic.PLANNER)
        return Decided(DraftOutcome.CONFIRMED, announcement)

    async def _existing(self, dedupe_key: str) -> Announcement | None:
        async with self.db.session() as session:
            row = await session.scalar(select(Broadcast).where(Broadcast.dedupe_key == dedupe_key))
            return await self._report(session, row, self.now()) if row is not None else None

    async def _report(self, session: AsyncSession, row: Broadcast, now: datetime) -> Announcement:
        by_channel = await count_by_channel(session, target_of(row), row.channel)
        send_at = row.send_at if row.send_at.tzinfo else row.send_at.replace(tzinfo=UTC)
        recipients = row.recipient_count if row.recipient_count is not None else sum(by_channel.values())
        return Announcement(row.id, target_of(row), row.channel, recipients, by_channel, send_at, send_at <= now)

    @staticmethod
    def _audit(row: Broadcast, author: Author) -> AuditLog:
        """Stamped with the real time (the default), not the scheduling clock: an audit log tells when."""
        send_at = row.send_at if row.send_at.tzinfo else row.send_at.replace(tzinfo=UTC)
        details = {
            "broadcast_id": row.id, "via": author.via, "target": str(target_of(row)), "channel": row.channel,
            "send_at": send_at.isoformat(), "recipients": row.recipient_count, "text": row.text, "card": row.card,
        }  # fmt: skip
        return AuditLog(staff_name=author.audit_name, action=BROADCAST_CREATED, details=details, ip=author.ip)
