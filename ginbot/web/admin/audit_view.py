"""The audit log's details as staff read them: Thai labels and plain values, never Python lists or dicts.

``describe(details)`` is pure: each stored key becomes a Thai label, each value a short phrase (lists
joined and cut after a few items, ISO times as Buddhist-era Bangkok times, channels and reasons named in
Thai). A key it does not know is still shown, under its own name, so nothing recorded is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ginbot.web.admin.views import number, th_datetime

# Shown before a long list is cut: "… และอีก 12 รายการ".
LIST_ITEMS_SHOWN = 5

KEY_LABELS = {
    "name": "บัญชี",
    "via": "สร้างจาก",
    "reason": "สาเหตุ",
    "during": "ขณะ",
    "kind": "ชนิดไฟล์",
    "file": "ไฟล์",
    "created": "เพิ่ม",
    "updated": "แก้ไข",
    "unchanged": "เหมือนเดิม",
    "removed": "ลบ",
    "removed_ids": "รหัสที่ลบ",
    "errors": "ปัญหา",
    "intent": "หมวดคำถาม",
    "message_ids": "ข้อความ",
    "examples": "ตัวอย่างที่สอนบอต",
    "broadcast_id": "ประกาศเลขที่",
    "target": "ส่งถึง",
    "channel": "ช่องทาง",
    "send_at": "เวลาส่ง",
    "recipients": "จำนวนผู้รับ",
    "text": "ข้อความ",
}

VALUE_LABELS = {
    "wrong_password": "ชื่อหรือรหัสผ่านไม่ถูกต้อง",
    "account_locked": "บัญชีถูกล็อกชั่วคราว",
    "ip_limited": "ลองผิดจากเครื่องนี้หลายครั้งเกินไป",
    "password_change": "เปลี่ยนรหัสผ่าน",
    "agencies": "รายชื่อหน่วยงาน",
    "cohorts": "กำหนดการกลุ่ม",
    "line": "LINE",
    "telegram": "Telegram",
    "web": "แชทบนเว็บ",
    "all": "ทุกคน",
    "-": "ข้าม (ไม่ต้องสอน)",
}


def _target(value: str) -> str:
    kind, _, rest = value.partition(":")
    if kind == "cohort" and rest:
        return f"กลุ่มที่ {rest}"
    if kind == "agency" and rest:
        return f"หน่วยงาน {rest}"
    return VALUE_LABELS.get(value, value)


def _scalar(key: str, value: object) -> str:
    if value is None:
        return "ทุกช่องทาง" if key == "channel" else "–"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, int | float):
        return number(value)
    text = str(value)
    if key == "send_at":
        try:
            return th_datetime(datetime.fromisoformat(text))
        except ValueError:
            return text
    if key == "target":
        return _target(text)
    return VALUE_LABELS.get(text, text)


def _value(key: str, value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{KEY_LABELS.get(str(k), str(k))} {_scalar(str(k), v)}" for k, v in value.items()) or "–"
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = [_scalar(key, v) for v in value]
        if not items:
            return "ไม่มี"
        shown = ", ".join(items[:LIST_ITEMS_SHOWN])
        more = len(items) - LIST_ITEMS_SHOWN
        return f"{shown} … และอีก {number(more)} รายการ" if more > 0 else shown
    return _scalar(key, value)


def describe(details: Mapping[str, object] | None, intent_labels: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(Thai label, Thai value) pairs for one audit row's details, in their stored order."""
    out = []
    for key, value in (details or {}).items():
        if key == "intent" and intent_labels and isinstance(value, str) and value in intent_labels:
            shown = intent_labels[value]
        else:
            shown = _value(key, value)
        out.append((KEY_LABELS.get(key, key), shown))
    return out
