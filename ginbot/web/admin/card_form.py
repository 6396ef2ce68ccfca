"""The composer's optional card: a title, up to CARD_ROWS label/value rows and a link and a phone button,
checked into the core's ``Card`` with one Thai error per field. Pure: no database, no aiohttp.

Every card field left empty means "no card". The limits are LINE's, the strictest channel: a button label
of 20 characters, and a card short enough for one phone screen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ginbot.core.messages import MAX_QUICK_REPLY_LABEL, Button, Card, CardField

CARD_ROWS = 4
MAX_TITLE_CHARS = 40  # two lines of a bubble's header on a phone
MAX_ROW_LABEL_CHARS = 20
MAX_ROW_VALUE_CHARS = 60
MAX_URL_CHARS = 1000  # LINE's URI action takes up to 1000 characters
# A Thai number as people write it: 02-612-6060, 081 234 5678, 1111 (a short hotline), +66 2 612 6060.
PHONE = re.compile(r"\+?[0-9][0-9 -]{2,18}[0-9]")


def row_keys(n: int) -> tuple[str, str]:
    return f"card_label_{n}", f"card_value_{n}"


FIELD_NAMES = (
    "card_title",
    "card_subtitle",
    *(key for n in range(1, CARD_ROWS + 1) for key in row_keys(n)),
    "card_link_label",
    "card_link_url",
    "card_phone_label",
    "card_phone",
)


@dataclass(frozen=True)
class CheckedCard:
    card: Card | None
    errors: dict[str, str]


def _too_long(value: str, limit: int, what: str) -> str | None:
    return f"{what}ยาว {len(value):,} ตัวอักษร ใส่ได้ไม่เกิน {limit:,} ตัวอักษร" if len(value) > limit else None


def check_card(values: Mapping[str, str]) -> CheckedCard:
    """The card the composer describes (None when every card field is empty), or the errors, by field."""
    get = {name: values.get(name, "").strip() for name in FIELD_NAMES}
    if not any(get.values()):
        return CheckedCard(None, {})
    errors: dict[str, str] = {}

    def problem(name: str, message: str | None) -> None:
        if message and name not in errors:
            errors[name] = message

    title = get["card_title"]
    problem("card_title", "ใส่หัวข้อการ์ด (หรือเว้นว่างทุกช่องของการ์ด ถ้าไม่ต้องการการ์ด)" if not title else None)
    problem("card_title", _too_long(title, MAX_TITLE_CHARS, "หัวข้อการ์ด"))
    problem("card_subtitle", _too_long(get["card_subtitle"], MAX_TITLE_CHARS, "บรรทัดรอง"))
    fields: list[CardField] = []
    for n in range(1, CARD_ROWS + 1):
        label_key, value_key = row_keys(n)
        label, value = get[label_key], get[value_key]
        if not label and not value:
            continue
        problem(label_key, f"ใส่หัวข้อของแถวที่ {n} คู่กับรายละเอียด" if not label else None)
        problem(value_key, f"ใส่รายละเอียดของแถวที่ {n} คู่กับหัวข้อ" if not value else None)
        problem(label_key, _too_long(label, MAX_ROW_LABEL_CHARS, f"หัวข้อแถวที่ {n} "))
        problem(value_key, _too_long(value, MAX_ROW_VALUE_CHARS, f"รายละเอียดแถวที่ {n} "))
        fields.append(CardField(label, value))
    buttons: list[Button] = []
    link_label, url = get["card_link_label"], get["card_link_url"]
    if link_label or url:
        problem("card_link_label", "ใส่ชื่อปุ่มลิงก์ เช่น ดาวน์โหลด v9" if not link_label else None)
        problem("card_link_label", _too_long(link_label, MAX_QUICK_REPLY_LABEL, "ชื่อปุ่ม"))
        good_url = url.startswith("https://") and len(url) > len("https://") and not any(c.isspace() for c in url)
        problem("card_link_url", "ลิงก์ต้องขึ้นต้นด้วย https:// และไม่มีช่องว่าง" if not good_url else None)
        problem("card_link_url", _too_long(url, MAX_URL_CHARS, "ลิงก์"))
        if not errors.get("card_link_label") and not errors.get("card_link_url"):
            buttons.append(Button.link(link_label, url))
    phone_label, phone = get["card_phone_label"], get["card_phone"]
    if phone_label or phone:
        problem("card_phone_label", "ใส่ชื่อปุ่มโทร เช่น โทรหาเจ้าหน้าที่" if not phone_label else None)
        problem("card_phone_label", _too_long(phone_label, MAX_QUICK_REPLY_LABEL, "ชื่อปุ่ม"))
        digits = sum(c.isdigit() for c in phone)
        good_phone = PHONE.fullmatch(phone) is not None and 4 <= digits <= 12
        problem("card_phone", "เบอร์โทรใช้ได้เฉพาะตัวเลข ขีด และช่องว่าง เช่น 02-612-6060" if not good_phone else None)
        if not errors.get("card_phone_label") and not errors.get("card_phone"):
            buttons.append(Button.phone(phone_label, phone))
    if errors:
        return CheckedCard(None, errors)
    return CheckedCard(Card(title=title, subtitle=get["card_subtitle"], fields=tuple(fields), buttons=tuple(buttons)), {})
