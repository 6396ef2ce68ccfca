"""The audit log: one row per staff action (who, what, details, from where, when)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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


async def recent(session: AsyncSession, *, limit: int = 200, action: str | None = None) -> Sequence[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return (await session.scalars(stmt)).all()
