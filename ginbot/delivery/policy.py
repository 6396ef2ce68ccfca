"""Pure delivery rules: the reminder policy (data/reminders.yml), when each reminder is due, whether a late
one is still worth sending. No I/O beyond reading the policy file."""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from ginbot.errors import DataFileError

ANCHORS = ("last_v8_date", "migration_date")
# The placeholders a reminder text may use; anything else is a typo that staff should hear about at load.
PLACEHOLDERS = frozenset(
    {"agency", "agency_abbr", "cohort", "last_v8_date", "migration_date", "days_left", "last_v8_date_short"}
)


class PolicyError(DataFileError):
    """data/reminders.yml is malformed; the message says where."""


@dataclass(frozen=True)
class ReminderRule:
    id: str
    anchor: str  # "last_v8_date" or "migration_date"
    days_before: int  # 0 = on the anchor day itself
    text: str  # str.format template over PLACEHOLDERS
    # The same reminder for people who talk to ginbot in English; None: they get the Thai text.
    text_en: str | None = None


@dataclass(frozen=True)
class ReminderPolicy:
    send_time: time
    timezone: str
    rules: tuple[ReminderRule, ...]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def parse_policy(data: Any, source: str = "reminders.yml") -> ReminderPolicy:
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected a mapping at the top level")
    try:
        hour, minute = (int(p) for p in str(data.get("send_time", "09:00")).split(":"))
        send_time = time(hour, minute)
    except ValueError:
        raise PolicyError(f"{source}: send_time must look like 09:00") from None
    timezone = str(data.get("timezone", "Asia/Bangkok"))
    try:
        ZoneInfo(timezone)
    except Exception:
        raise PolicyError(f"{source}: unknown timezone {timezone!r}") from None
    rules: list[ReminderRule] = []
    for i, raw in enumerate(data.get("reminders") or [], start=1):
        where = f"{source}: reminders[{i}]"
        if not isinstance(raw, dict):
            raise PolicyError(f"{where}: expected a mapping")
        rule_id, anchor, text = str(raw.get("id", "")), raw.get("anchor"), raw.get("text")
        days = raw.get("days_before", 0)
        if not rule_id or any(r.id == rule_id for r in rules):
            raise PolicyError(f"{where}: every reminder needs a unique id")
        if anchor not in ANCHORS:
            raise PolicyError(f"{where} ({rule_id}): anchor must be one of {', '.join(ANCHORS)}")
        if not isinstance(days, int) or days < 0:
            raise PolicyError(f"{where} ({rule_id}): days_before must be a whole number ≥ 0")
        if not isinstance(text, str) or not text.strip():
            raise PolicyError(f"{where} ({rule_id}): text is missing")
        text_en = raw.get("text_en")
        if text_en is not None and (not isinstance(text_en, str) or not text_en.strip()):
            raise PolicyError(f"{where} ({rule_id}): text_en must be text (or left out)")
        for field_name, template in (("text", text), ("text_en", text_en or "")):
            unknown = _fields(template) - PLACEHOLDERS
            if unknown:
                raise PolicyError(
                    f"{where} ({rule_id}): unknown placeholder(s) {sorted(unknown)} in {field_name}; "
                    f"use {sorted(PLACEHOLDERS)}"
                )
        rules.append(ReminderRule(rule_id, anchor, days, text.strip(), text_en.strip() if text_en else None))
    return ReminderPolicy(send_time, timezone, tuple(rules))


def load_policy(path: Path) -> ReminderPolicy:
    with path.open(encoding="utf-8") as fh:
        return parse_policy(yaml.safe_load(fh), source=str(path))


def reminder_day(rule: ReminderRule, *, last_v8_date: date, migration_date: date) -> date:
    anchor = last_v8_date if rule.anchor == "last_v8_date" else migration_date
    return anchor - timedelta(days=rule.days_before)


def due_at(
    policy: ReminderPolicy, rule: ReminderRule, *, last_v8_date: date, migration_date: date
) -> datetime:
    """The aware moment a reminder is due: its day at ``send_time`` in the policy's timezone."""
    day = reminder_day(rule, last_v8_date=last_v8_date, migration_date=migration_date)
    return datetime.combine(day, policy.send_time, tzinfo=policy.tz)


class Due(enum.Enum):
    NOT_YET = "not_yet"
    SEND = "send"  # on time, or late but inside the grace window
    SKIP = "skip"  # missed by more than the grace window: too stale to be useful


def decide(due: datetime, now: datetime, grace_s: float) -> Due:
    if now < due:
        return Due.NOT_YET
    if now - due <= timedelta(seconds=grace_s):
        return Due.SEND
    return Due.SKIP
