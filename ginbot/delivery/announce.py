"""Staff announcements, channel-neutral: `ginbot broadcast` and the Telegram staff group's
``/broadcast cohort:2 ข้อความ`` (preview + recipient count, queued only when the staff member confirms).
Both go through ginbot.delivery.service, as the admin composer does.

The Telegram adapter only converts: text/callback in -> ``StaffBroadcasts`` -> ``StaffReply`` out (buttons
become an inline keyboard). Nothing here imports an SDK.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from ginbot.db.session import Database
from ginbot.delivery.service import Announcement, Author, BroadcastService, DraftOutcome, Request
from ginbot.delivery.targets import (
    NOT_READY,
    Target,
    TargetError,
    parse_channel,
    parse_target,
)
from ginbot.delivery.wakeups import Wakeups, wakeups_for

COMMAND = "/broadcast"
CALLBACK_PREFIX = "bc:"
# A preview left unconfirmed this long must be sent again: the audience may have changed meanwhile.
DRAFT_TTL_S = 15 * 60

__all__ = ["Announcement", "Author", "StaffBroadcasts", "announce"]


async def announce(
    db: Database,
    *,
    to: str,
    text: str,
    channel: str | None = None,
    send_at: datetime | None = None,
    created_by: str | Author,
    dry_run: bool = False,
    now: datetime | None = None,
    wakeups: Wakeups | None = None,
) -> Announcement:
    """`ginbot broadcast` (and tests): the broadcast service with a target spec like ``cohort:2``.

    ``now`` is the scheduling clock's reading (runner.clock_for: GINBOT_TODAY pins the day); default the real
    time. ``created_by`` is an Author or its ``via:name`` spelling. Raises TargetError with a message for
    staff when the target, channel, time or text is wrong.
    """
    if isinstance(created_by, Author):
        author = created_by
    else:
        via, _, name = created_by.partition(":")
        author = Author(via, name)
    clock_now = now or datetime.now(UTC)
    service = BroadcastService(db, now=lambda: clock_now, wakeups=wakeups or wakeups_for(db))
    request = Request(parse_target(to), text, author, channel=parse_channel(channel), send_at=send_at)
    return await (service.preview(request) if dry_run else service.create(request))


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
        self.staff_ids = frozenset(staff_ids)
        self.now = now
        self.draft_ttl_s = draft_ttl_s
        self.service = BroadcastService(db, now=now, wakeups=wakeups or wakeups_for(db))

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
            draft = await self.service.create(
                Request(target, message, Author("telegram", str(staff_id))), draft_token=token
            )
        except TargetError as exc:
            return StaffReply(f"ส่งไม่ได้: {exc}\n{USAGE}")
        preview = (
            f"ตัวอย่างประกาศถึง{describe(target)}: {draft.recipients:,} คน "
            f"(LINE {draft.by_channel.get('line', 0):,}, Telegram {draft.by_channel.get('telegram', 0):,})\n\n"
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
        decided = await self.service.decide_draft(
            token, Author("telegram", str(staff_id)), confirm=action == "ok", ttl_s=self.draft_ttl_s
        )
        if decided.outcome is DraftOutcome.UNKNOWN:
            return StaffReply("ไม่พบรายการนี้ หรือยืนยัน/ยกเลิกไปแล้ว")
        if decided.outcome is DraftOutcome.EXPIRED:
            return StaffReply("รายการนี้หมดเวลายืนยันแล้ว กรุณาส่งคำสั่ง /broadcast ใหม่")
        if decided.outcome is DraftOutcome.CANCELLED or decided.announcement is None:
            return StaffReply("ยกเลิกประกาศแล้ว ไม่มีการส่ง")
        done = decided.announcement
        return StaffReply(
            f"รับคำสั่งแล้ว ประกาศหมายเลข {done.broadcast_id} ถึง {done.recipients:,} คน "
            f"(LINE {done.by_channel.get('line', 0):,}, Telegram {done.by_channel.get('telegram', 0):,}) เริ่มส่งทันที"
        )
