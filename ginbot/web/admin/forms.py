"""The broadcast composer's form: raw values kept for re-rendering, and validation into what
ginbot.delivery needs (a Target, a channel, an aware send time). Pure: no database, no aiohttp."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ginbot.channels.registry import REGISTRY
from ginbot.core.messages import Card
from ginbot.delivery.targets import NOT_READY, Target, push_channels
from ginbot.delivery.texts import MAX_TEXT_CHARS, text_problem
from ginbot.web.admin.card_form import FIELD_NAMES as CARD_FIELDS
from ginbot.web.admin.card_form import check_card
from ginbot.web.admin.thai_time import parse_thai_datetime

TARGET_KINDS = ("all", "cohort", "agency")
# A time picked a moment ago is "now" by the time the confirm button is pressed; older is a mistake.
PAST_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class AgencyChoice:
    """What the agency box may name: the id, or the Thai name / abbreviation shown in its list."""

    id: str
    name_th: str
    abbr_th: str = ""
    abbr_en: str = ""

    @property
    def label(self) -> str:
        return f"{self.name_th} ({self.abbr_th})" if self.abbr_th else self.name_th


@dataclass(frozen=True)
class BroadcastForm:
    target_kind: str = "all"
    cohort: str = ""
    agency: str = ""
    channel: str = ""
    text: str = ""
    when: str = "now"
    send_at: str = ""  # Bangkok time as typed: "6 ก.ค. 2563 09:00" (ginbot.web.admin.thai_time)
    nonce: str = ""  # set by the preview step; the confirm step stores the broadcast once per nonce
    notready: str = ""  # "1": only those of the cohort / agency not confirmed ready (notready:… target)
    # The optional card (ginbot.web.admin.card_form): all empty means none.
    card_title: str = ""
    card_subtitle: str = ""
    card_label_1: str = ""
    card_value_1: str = ""
    card_label_2: str = ""
    card_value_2: str = ""
    card_label_3: str = ""
    card_value_3: str = ""
    card_label_4: str = ""
    card_value_4: str = ""
    card_link_label: str = ""
    card_link_url: str = ""
    card_phone_label: str = ""
    card_phone: str = ""

    @classmethod
    def from_post(cls, data: Mapping[str, object]) -> BroadcastForm:
        def value(key: str, default: str = "") -> str:
            raw = data.get(key, default)
            return raw if isinstance(raw, str) else default

        # Browsers send line breaks as CRLF; people (and LINE) expect plain newlines.
        text = value("text").replace("\r\n", "\n").replace("\r", "\n").strip()
        return cls(
            target_kind=value("target_kind", "all").strip(),
            cohort=value("cohort").strip(),
            agency=value("agency").strip(),
            channel=value("channel").strip(),
            text=text,
            when=value("when", "now").strip(),
            send_at=value("send_at").strip(),
            nonce=value("nonce").strip()[:64],
            notready="1" if value("notready").strip() in ("1", "on", "true") else "",
            **{name: value(name).strip() for name in CARD_FIELDS},
        )

    def fields(self) -> dict[str, str]:
        return asdict(self)

    def card_values(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in CARD_FIELDS}


@dataclass(frozen=True)
class Checked:
    """A valid form: what create_broadcast needs. ``errors`` is empty exactly when the rest is set."""

    target: Target | None = None
    channel: str | None = None
    send_at: datetime | None = None
    agency: AgencyChoice | None = None
    card: Card | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def resolve_agency(value: str, agencies: Mapping[str, AgencyChoice]) -> AgencyChoice | None:
    """By id first, then an exact Thai name or abbreviation (what a person types into the box)."""
    wanted = value.strip()
    if not wanted:
        return None
    if wanted.lower() in agencies:
        return agencies[wanted.lower()]
    folded = wanted.casefold().rstrip(".")
    for choice in agencies.values():
        names = (choice.name_th, choice.abbr_th, choice.abbr_en, choice.label)
        if any(n and n.casefold().rstrip(".") == folded for n in names):
            return choice
    return None


def parse_local_time(value: str, tz: ZoneInfo) -> datetime | None:
    """A time typed in the form (Buddhist-era Thai, or ISO), as Bangkok time."""
    naive = parse_thai_datetime(value)
    return naive.replace(tzinfo=tz) if naive is not None else None


# The largest id PostgreSQL's INTEGER holds: a bigger number is no row, not a database error.
MAX_ID = 2_147_483_647  # 2**31 - 1, the largest id an INTEGER column holds


def small_int(value: object) -> int | None:
    """A whole number from a form field or query parameter, or None; never raises.

    ``str.isdigit`` is true for "²" and "①", which ``int`` refuses (a 500); ``isdecimal`` accepts exactly
    what ``int`` reads, Thai digits included ("๒" is 2). Long numbers are refused before ``int`` parses them.
    """
    if not isinstance(value, str) or not value.isdecimal() or len(value) > 10:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def check(
    form: BroadcastForm,
    *,
    cohorts: Collection[int],
    agencies: Mapping[str, AgencyChoice],
    now: datetime,
    tz: ZoneInfo,
    need_text: bool = True,
) -> Checked:
    """Validate the composer; every problem is reported at once, in Thai, keyed by field."""
    errors: dict[str, str] = {}
    target: Target | None = None
    agency: AgencyChoice | None = None
    if form.target_kind == "all":
        target = Target("all")
    elif form.target_kind == "cohort":
        cohort = small_int(form.cohort)
        if cohort is not None and cohort in cohorts:
            target = Target("cohort", str(cohort))
        else:
            errors["cohort"] = "เลือกกลุ่ม"
    elif form.target_kind == "agency":
        agency = resolve_agency(form.agency, agencies)
        if agency is None:
            errors["agency"] = "ไม่พบหน่วยงานนี้ พิมพ์แล้วเลือกจากรายการ"
        else:
            target = Target("agency", agency.id)
    else:
        errors["target_kind"] = "เลือกผู้รับ"
    if form.notready and target is not None:
        if target.kind == "all":
            errors["notready"] = "เลือกกลุ่มหรือหน่วยงานก่อน เพื่อส่งเฉพาะผู้ที่ยังไม่พร้อม"
        else:
            target = Target(NOT_READY, str(target))
    channel = form.channel or None
    if channel is not None and channel not in push_channels():
        errors["channel"] = "ช่องทางไม่ถูกต้อง"
    if need_text:
        if not form.text:
            errors["text"] = "พิมพ์ข้อความประกาศ"
        elif len(form.text) > MAX_TEXT_CHARS:
            errors["text"] = f"ข้อความยาว {len(form.text):,} ตัวอักษร ส่งได้ไม่เกิน {MAX_TEXT_CHARS:,} ตัวอักษร"
        elif problem := text_problem(form.text):
            errors["text"] = problem
    card = check_card(form.card_values())
    errors.update(card.errors)
    if need_text and card.card is not None and "text" not in errors:
        # Telegram sends text and card as one message, with the same 4,096-character limit.
        together = len(replace(card.card, body=form.text).plain())
        if together > MAX_TEXT_CHARS:
            errors["text"] = (
                f"ข้อความรวมกับการ์ดยาว {together:,} ตัวอักษร ส่งได้ไม่เกิน {MAX_TEXT_CHARS:,} ตัวอักษร "
                "กรุณาย่อข้อความหรือการ์ด"
            )
    send_at: datetime | None = now
    if form.when == "later":
        send_at = parse_local_time(form.send_at, tz)
        if send_at is None:
            errors["send_at"] = "ใส่วันและเวลาที่จะส่ง เช่น 6 ก.ค. 2563 09:00"
        elif send_at < now - PAST_SLACK:
            errors["send_at"] = "เวลานี้ผ่านไปแล้ว เลือกเวลาในอนาคต หรือเลือก “ส่งทันที”"
    elif form.when != "now":
        errors["when"] = "เลือกเวลาส่ง"
    if errors:
        return Checked(errors=errors)
    return Checked(target=target, channel=channel, send_at=send_at, agency=agency, card=card.card)


def describe_target(target: Target, agency_names: Mapping[str, str]) -> str:
    if target.kind == NOT_READY:
        return "ผู้ที่ยังไม่ยืนยันว่าใช้ v9 ได้ ใน" + describe_target(target.inner(), agency_names)
    if target.kind == "all":
        return "ทุกคนที่รับการแจ้งเตือน"
    if target.kind == "cohort":
        return f"หน่วยงานกลุ่มที่ {target.value}"
    return agency_names.get(target.value or "", f"หน่วยงาน {target.value}")


def describe_channel(channel: str | None) -> str:
    titles = REGISTRY.titles()
    if channel:
        return f"เฉพาะ {titles.get(channel, channel)}"
    return " และ ".join(titles[name] for name in push_channels())


def channel_choices() -> list[tuple[str, str]]:
    """(value, Thai label) for the composer's channel menu: every push channel, then each alone."""
    return [("", describe_channel(None))] + [(name, describe_channel(name)) for name in push_channels()]
