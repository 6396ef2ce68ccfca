"""Staff announcements, channel-neutral: `ginbot broadcast` and the Telegram staff group's
``/broadcast cohort:2 ข้อความ`` (preview + recipient count, queued only when the staff member confirms).

The Telegram adapter only converts: text/callback in -> ``StaffBroadcasts`` -> ``StaffReply`` out (buttons
become an inline keyboard). Nothing here imports an SDK.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from ginbot.db.models import Broadcast
from ginbot.db.session import Database
from ginbot.delivery.broadcasts import NewBroadcast, create_broadcast
from ginbot.delivery.targets import (
    NOT_READY,
    Target,
    TargetError,
    count_by_channel,
    parse_channel,
    parse_target,
)
from ginbot.delivery.wakeups import Topic, Wakeups, wakeups_for

COMMAND = "/broadcast"
CALLBACK_PREFIX = "bc:"
# A preview left unconfirmed this long must be sent again: the audience may have changed meanwhile.
DRAFT_TTL_S = 15 * 60


@dataclass(frozen=True)
class Announcement:
    broadcast_id: int | None  # None for a dry run
    recipients: int
    by_channel: dict[str, int]


async def announce(
    db: Database,
    *,
    to: str,
    text: str,
    channel: str | None = None,
    send_at: datetime | None = None,
    created_by: str,
    dry_run: bool = False,
    now: datetime | None = None,
    wakeups: Wakeups | None = None,
) -> Announcement:
    """Validate, count, and (unless dry run) store a broadcast; the planner fans it out when due.

    ``now`` is the scheduling clock's reading (runner.clock_for: GINBOT_TODAY pins the day), the same clock
    the planner compares ``send_at`` with: a real-time stamp on a pinned demo day would never come due.
    Raises TargetError with a message for staff when the target, channel or text is wrong.
    """
    target, channel = parse_target(to), parse_channel(channel)
    now = now or datetime.now(UTC)
    when = send_at or now
    if when.tzinfo is None:
        raise TargetError("--at needs a time zone, e.g. 2020-07-03T09:00+07:00")
    async with db.session() as session:
        new = NewBroadcast(text=text, target=target, channel=channel, send_at=when, created_by=created_by)
        row = await create_broadcast(session, new, now=now)  # validates target and text
        by_channel = await count_by_channel(session, target, channel)
        if dry_run:
            await session.rollback()
            return Announcement(None, sum(by_channel.values()), by_channel)
        row.recipient_count = sum(by_channel.values())
        done = Announcement(row.id, sum(by_channel.values()), by_channel)
    if when <= now:  # committed: the planners fan it out now, not at their next pass
        await (wakeups or wakeups_for(db)).notify(Topic.PLANNER)
    return done


# --- the staff command ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffButton:
    label: str
    data: str  # callback data (Telegram allows 64 bytes)


@dataclass(frozen=True)
class StaffReply:
    text: str
    buttons: tuple[StaffButton, ...] = ()


def parse_command(text: str) -> tuple[str, str] | None:
    """``/broadcast[@bot] TARGET TEXT`` -> (target spec, text); None when it is not this command."""
    head, _, rest = text.strip().partition(" ")
    if head.split("@", 1)[0].lower() != COMMAND:
        return None
    target, _, message = rest.strip().partition(" ")
    return target, message.strip()


def describe(target: Target) -> str:
    if target.kind == NOT_READY:
        return f"ผู้ที่ยังไม่ยืนยันว่าใช้ v9 ได้ ใน{describe(target.inner())}"
    if target.kind == "all":
        return "ผู้รับทั้งหมด"
    if target.kind == "cohort":
        return f"หน่วยงานกลุ่มที่ {target.value}"
    return f"หน่วยงาน {target.value}"


USAGE = "วิธีใช้: /broadcast all|cohort:N|agency:ID|notready:cohort:N ข้อความ\nเช่น /broadcast cohort:2 ระบบจะปิดปรับปรุงคืนนี้ 22:00 น."


class StaffBroadcasts:
    """What the Telegram staff group's /broadcast does; one instance per app."""

    def __init__(
        self,
        db: Database,
        staff_ids: Collection[int],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        draft_ttl_s: float = DRAFT_TTL_S,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.db = db
        self.wakeups = wakeups or wakeups_for(db)
        self.staff_ids = frozenset(staff_ids)
        self.now = now
        self.draft_ttl_s = draft_ttl_s

    async def on_command(self, staff_id: int, text: str) -> StaffReply | None:
        parsed = parse_command(text)
        if parsed is None:
            return None
        if staff_id not in self.staff_ids:
            return StaffReply("คำสั่งนี้ใช้ได้เฉพาะเจ้าหน้าที่ที่ได้รับสิทธิ์เท่านั้น")
        spec, message = parsed
        if not spec or not message:
            return StaffReply(USAGE)
        token = secrets.token_urlsafe(12)
        try:
            target = parse_target(spec)
            async with self.db.session() as session:
                new = NewBroadcast(
                    text=message,
                    target=target,
                    channel=None,
                    send_at=self.now(),
                    created_by=f"telegram:{staff_id}",
                )
                row = await create_broadcast(session, new, status="draft", confirm_token=token, now=self.now())
                by_channel = await count_by_channel(session, target, None)
                row.recipient_count = sum(by_channel.values())
        except TargetError as exc:
            return StaffReply(f"ส่งไม่ได้: {exc}\n{USAGE}")
        total = sum(by_channel.values())
        preview = (
            f"ตัวอย่างประกาศถึง{describe(target)}: {total:,} คน "
            f"(LINE {by_channel.get('line', 0):,}, Telegram {by_channel.get('telegram', 0):,})\n\n"
            f'{message}\n\nกด "ยืนยันส่ง" ภายใน {int(self.draft_ttl_s // 60)} นาทีเพื่อส่ง'
        )
        return StaffReply(
            preview,
            (
                StaffButton("ยืนยันส่ง", f"{CALLBACK_PREFIX}ok:{token}"),
                StaffButton("ยกเลิก", f"{CALLBACK_PREFIX}no:{token}"),
            ),
        )

    async def on_callback(self, staff_id: int, data: str) -> StaffReply | None:
        if not data.startswith(CALLBACK_PREFIX):
            return None
        action, _, token = data[len(CALLBACK_PREFIX) :].partition(":")
        if staff_id not in self.staff_ids:
            return StaffReply("คำสั่งนี้ใช้ได้เฉพาะเจ้าหน้าที่ที่ได้รับสิทธิ์เท่านั้น")
        async with self.db.session() as session:
            draft = await session.scalar(
                select(Broadcast).where(Broadcast.confirm_token == token, Broadcast.status == "draft")
            )
            if draft is None or draft.created_by != f"telegram:{staff_id}":
                return StaffReply("ไม่พบรายการนี้ หรือยืนยัน/ยกเลิกไปแล้ว")
            created = draft.created_at if draft.created_at.tzinfo else draft.created_at.replace(tzinfo=UTC)
            if action == "ok" and self.now() - created > timedelta(seconds=self.draft_ttl_s):
                action = "expired"
            # Conditional on still being a draft: a double tap queues once.
            status = "scheduled" if action == "ok" else "cancelled"
            values: dict[str, object] = {"status": status, "confirm_token": None}
            if status == "scheduled":
                values["send_at"] = self.now()
            changed = await session.execute(
                update(Broadcast)
                .where(Broadcast.id == draft.id, Broadcast.status == "draft")
                .values(**values)
            )
            if getattr(changed, "rowcount", 1) == 0:
                return StaffReply("รายการนี้ยืนยันหรือยกเลิกไปแล้ว")
        if action == "expired":
            return StaffReply("รายการนี้หมดเวลายืนยันแล้ว กรุณาส่งคำสั่ง /broadcast ใหม่")
        if status == "cancelled":
            return StaffReply("ยกเลิกประกาศแล้ว ไม่มีการส่ง")
        await self.wakeups.notify(Topic.PLANNER)
        return StaffReply(f"รับคำสั่งแล้ว ประกาศหมายเลข {draft.id} จะเริ่มส่งภายในไม่กี่นาที")
