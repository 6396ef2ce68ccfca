"""What staff do with a handoff, wherever they do it (the admin inbox or the Telegram staff group):
reply, take, close, and save what they answered for the bot to learn.

Each action is one transaction: the transcript line, the conversation's mode, the outbox row that carries
a reply to the official, and the audit record commit together or not at all. The official sees the staff
label (GINBOT_HANDOFF_STAFF_LABEL), never the staff member's account name.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.content import Content
from ginbot.core.handoff import BOT, STAFF
from ginbot.db import handoffs
from ginbot.db.models import AuditLog, Handoff
from ginbot.db.session import Database
from ginbot.delivery import direct
from ginbot.observability import metrics

log = logging.getLogger(__name__)

# Audit actions (ginbot.web.admin.audit shows them with Thai labels).
REPLY, TAKE, CLOSE, LEARN = "handoff_reply", "handoff_take", "handoff_close", "handoff_learn"
MAX_REPLY_CHARS = 4000  # under Telegram's 4,096 with the staff label in front


class DeskError(Exception):
    """The action cannot be done; the message is Thai, for the staff member."""


@dataclass(frozen=True)
class Done:
    handoff_id: int
    official_channel: str
    message_id: int | None = None  # the transcript line written


def _now() -> datetime:
    return datetime.now(UTC)


async def _nothing() -> None:
    return None


class Desk:
    def __init__(
        self,
        db: Database,
        content: Content,
        *,
        staff_label: str,
        now: Callable[[], datetime] = _now,
        on_queued: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.content = content
        self.staff_label = staff_label
        self.now = now
        # Wakes the senders (whichever process runs them) so a reply leaves at once, not at their next poll.
        self.on_queued = on_queued or _nothing

    @staticmethod
    def _audit(
        staff_name: str, action: str, handoff_id: int, via: str, ip: str | None, at: datetime, **extra: object
    ) -> AuditLog:
        details = {"handoff_id": handoff_id, "via": via, **extra}
        return AuditLog(staff_name=staff_name, action=action, details=details, ip=ip, created_at=at)

    async def _open(self, session: AsyncSession, handoff_id: int) -> Handoff:
        handoff = await handoffs.get(session, handoff_id, for_update=True)
        if handoff is None:
            raise DeskError("ไม่พบการสนทนานี้ (อาจถูกลบตามคำขอของผู้ใช้)")
        if handoff.status == "closed":
            raise DeskError(f"การสนทนา #{handoff_id} ปิดไปแล้ว")
        return handoff

    async def reply(self, handoff_id: int, text: str, *, staff_name: str, via: str, ip: str | None = None) -> Done:
        text = text.strip()
        if not text:
            raise DeskError("กรุณาพิมพ์ข้อความตอบ")
        if len(text) > MAX_REPLY_CHARS:
            raise DeskError(f"ข้อความยาวเกิน {MAX_REPLY_CHARS:,} ตัวอักษร")
        now = self.now()
        first_reply_s: float | None = None
        async with self.db.session() as session:
            handoff = await self._open(session, handoff_id)
            line = await handoffs.add_message(session, handoff.id, "staff", text, now=now, staff_name=staff_name)
            if handoff.first_staff_reply_at is None:
                handoff.first_staff_reply_at = now
                first_reply_s = (now - handoffs.as_utc(handoff.opened_at)).total_seconds()
            handoff.status = STAFF
            handoff.assigned_staff = handoff.assigned_staff or staff_name
            await handoffs.set_mode(session, handoff.user_id, STAFF)
            said = self.content.text("handoff.staff_reply", label=self.staff_label, text=text)
            queued = await direct.enqueue(session, user_id=handoff.user_id, channel=handoff.channel, text=said, now=now)
            session.add(self._audit(staff_name, REPLY, handoff.id, via, ip, now, chars=len(text)))
            done = Done(handoff.id, handoff.channel, line.id)
        if first_reply_s is not None:
            metrics.HANDOFF_FIRST_REPLY.observe(max(first_reply_s, 0.0))
        if queued is not None:
            await self.on_queued()
        return done

    async def close(self, handoff_id: int, *, staff_name: str, via: str, ip: str | None = None) -> Done:
        now = self.now()
        async with self.db.session() as session:
            handoff = await self._open(session, handoff_id)
            handoff.status, handoff.closed_at, handoff.closed_by = "closed", now, staff_name
            await handoffs.set_mode(session, handoff.user_id, BOT)
            notice = self.content.text("handoff.closed_by_staff")
            line = await handoffs.add_message(session, handoff.id, "bot", notice, now=now)
            queued = await direct.enqueue(session, user_id=handoff.user_id, channel=handoff.channel, text=notice, now=now)
            session.add(self._audit(staff_name, CLOSE, handoff.id, via, ip, now))
            done = Done(handoff.id, handoff.channel, line.id)
        metrics.HANDOFFS_CLOSED.labels("staff").inc()
        if queued is not None:
            await self.on_queued()
        return done

    async def take(self, handoff_id: int, *, staff_name: str, via: str, ip: str | None = None) -> Done:
        """"Assigned to me": the others see who handles it."""
        async with self.db.session() as session:
            handoff = await self._open(session, handoff_id)
            handoff.assigned_staff = staff_name
            session.add(self._audit(staff_name, TAKE, handoff.id, via, ip, self.now()))
            return Done(handoff.id, handoff.channel)
