"""The audit log: one row per staff action (who, what, details, from where, when)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import AuditLog, utcnow

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
BROADCAST_CREATED = "broadcast_created"
UNANSWERED_ASSIGNED = "unanswered_assigned"
UNANSWERED_DISMISSED = "unanswered_dismissed"
CSV_IMPORTED = "csv_imported"
CSV_IMPORT_FAILED = "csv_import_failed"
PASSWORD_CHANGED = "password_changed"
STAFF_CREATED = "staff_created"
KNOWLEDGE_RELOADED = "knowledge_reloaded"
KNOWLEDGE_RELOAD_FAILED = "knowledge_reload_failed"
KNOWLEDGE_PHRASINGS_ADDED = "knowledge_phrasings_added"
KNOWLEDGE_TOPIC_CREATED = "knowledge_topic_created"
READINESS_SET = "readiness_set"
# Written by ginbot.handoff.desk (admin inbox and Telegram staff group alike).
HANDOFF_REPLY = "handoff_reply"
HANDOFF_TAKE = "handoff_take"
HANDOFF_CLOSE = "handoff_close"
HANDOFF_LEARN = "handoff_learn"

# What the audit page calls each action.
LABELS_TH = {
    SIGN_IN: "เข้าสู่ระบบ",
    SIGN_IN_FAILED: "เข้าสู่ระบบไม่สำเร็จ",
    SIGN_OUT: "ออกจากระบบ",
    BROADCAST_CREATED: "สร้างประกาศ",
    UNANSWERED_ASSIGNED: "สอนบอต (กำหนดหมวดคำถาม)",
    UNANSWERED_DISMISSED: "ข้ามคำถาม",
    CSV_IMPORTED: "นำเข้า CSV",
    CSV_IMPORT_FAILED: "นำเข้า CSV ไม่สำเร็จ",
    PASSWORD_CHANGED: "เปลี่ยนรหัสผ่าน",
    STAFF_CREATED: "สร้างบัญชีเจ้าหน้าที่",
    KNOWLEDGE_RELOADED: "โหลดความรู้ใหม่",
    KNOWLEDGE_RELOAD_FAILED: "โหลดความรู้ใหม่ไม่สำเร็จ",
    KNOWLEDGE_PHRASINGS_ADDED: "เพิ่มคำถามให้หัวข้อความรู้",
    KNOWLEDGE_TOPIC_CREATED: "สร้างหัวข้อความรู้",
    READINESS_SET: "บันทึกความพร้อม v9 แทนผู้ใช้",
    HANDOFF_REPLY: "ตอบผู้ใช้ (คุยกับเจ้าหน้าที่)",
    HANDOFF_TAKE: "รับเรื่องสนทนา",
    HANDOFF_CLOSE: "ปิดการสนทนา",
    HANDOFF_LEARN: "บันทึกคำตอบให้บอตเรียนรู้",
}


async def record(
    session: AsyncSession,
    action: str,
    *,
    staff_name: str | None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> AuditLog:
    row = AuditLog(staff_name=staff_name, action=action, details=details or {}, ip=ip, created_at=at or utcnow())
    session.add(row)
    return row


# Refused sign-ins are counted in one row per address and account name per window, not one row each: a
# guessing script must not be able to fill the audit log (or the disk) a row per try.
FAILED_SIGN_IN_WINDOW_S = 15 * 60.0
WRONG_PASSWORD = "wrong_password"  # accounts.Refusal.WRONG's value


async def record_failed_sign_in(
    session: AsyncSession, name: str | None, ip: str, reason: str, now: datetime, **extra: Any
) -> AuditLog:
    """Count one refused sign-in in the current row for (address, name), or start a new row.

    ``count`` is every refusal, ``wrong`` only the wrong passwords (what the sign-in delays grow with:
    a try refused because it came too soon is not a guess), ``reasons`` how many of each.
    """
    since = now - timedelta(seconds=FAILED_SIGN_IN_WINDOW_S)
    row = await session.scalar(
        select(AuditLog)
        .where(AuditLog.action == SIGN_IN_FAILED, AuditLog.ip == ip, AuditLog.created_at >= since)
        .where(AuditLog.staff_name.is_(None) if name is None else AuditLog.staff_name == name)
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    details: dict[str, Any] = dict(row.details or {}) if row is not None else {}
    reasons = dict(details.get("reasons") or {})
    reasons[reason] = int(reasons.get(reason, 0)) + 1
    updated = {**details, **extra, "count": int(details.get("count", 0)) + 1, "reasons": reasons, "reason": reason}
    if reason == WRONG_PASSWORD:
        updated["wrong"] = int(details.get("wrong", 0)) + 1
        updated["last_wrong_at"] = now.isoformat()
    if row is None:
        return await record(session, SIGN_IN_FAILED, staff_name=name, details=updated, ip=ip, at=now)
    row.details = updated  # a new dict, so the JSON column sees the change
    return row


async def failed_sign_ins_from(session: AsyncSession, ip: str, since: datetime) -> tuple[int, datetime | None]:
    """Wrong passwords from ``ip`` in rows started since ``since``: how many, and when the last one was."""
    rows = await session.scalars(
        select(AuditLog.details).where(
            AuditLog.action == SIGN_IN_FAILED, AuditLog.ip == ip, AuditLog.created_at >= since
        )
    )
    count, last = 0, None
    for details in rows:
        count += int((details or {}).get("wrong", 0))
        at = _parsed((details or {}).get("last_wrong_at"))
        if at is not None and (last is None or at > last):
            last = at
    return count, last


def _parsed(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def recent(session: AsyncSession, *, limit: int = 200, action: str | None = None) -> Sequence[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return (await session.scalars(stmt)).all()
