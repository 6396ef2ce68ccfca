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
from ginbot.yamlfiles import strict_loader

ANCHORS = ("last_v8_date", "migration_date")
# "install": asks people to install v9, so it skips those who already said v9 works for them (readiness);
# "notice": for every subscriber (the cutoff notice). A reminder without a kind is a notice, as in wave 1.
REMINDER_KINDS = ("install", "notice")
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
    kind: str = "notice"  # one of REMINDER_KINDS


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
        kind = raw.get("kind", "notice")
        if kind not in REMINDER_KINDS:
            raise PolicyError(f"{where} ({rule_id}): kind must be one of {', '.join(REMINDER_KINDS)}")
        rules.append(ReminderRule(rule_id, anchor, days, text.strip(), text_en.strip() if text_en else None, kind))
    return ReminderPolicy(send_time, timezone, tuple(rules))


def _read_yaml(path: Path) -> Any:
    """The file's YAML; a syntax error is a PolicyError naming the file and line (the runner keeps the last
    good policy on a PolicyError, where a bare YAMLError would fail the whole planner pass)."""
    with path.open(encoding="utf-8") as fh:
        try:
            return yaml.load(fh, Loader=strict_loader(PolicyError))
        except PolicyError as exc:  # a key written twice
            raise PolicyError(f"{path}: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark is not None else ""
            raise PolicyError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None


def load_policy(path: Path) -> ReminderPolicy:
    return parse_policy(_read_yaml(path), source=str(path))


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


# --- check-ins: "AcuConference 9 ใช้งานได้แล้วหรือยังคะ?" (data/checkins.yml) ---------------------------------


@dataclass(frozen=True)
class CheckinRound:
    id: str
    days_after_migration: int


@dataclass(frozen=True)
class CheckinPolicy:
    send_time: time
    timezone: str
    # Each round goes to people who have not answered; round k > 0 only to those who got round k - 1 at
    # least (days_after_migration[k] - days_after_migration[k-1]) days earlier, so a late subscriber gets
    # the rounds spaced as everyone else did, never two at once.
    rounds: tuple[CheckinRound, ...]
    # "ยังไม่ได้ติดตั้ง": asked again this many days later while the answer still stands.
    nudge_not_installed_after_days: int
    # A cohort's campaign is open from its first check-in until this many days after its migration day.
    campaign_days: int

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def parse_checkin_policy(data: Any, source: str = "checkins.yml") -> CheckinPolicy:
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected a mapping at the top level")
    base = parse_policy({"send_time": data.get("send_time", "09:00"), "timezone": data.get("timezone", "Asia/Bangkok")}, source)
    rounds: list[CheckinRound] = []
    for i, raw in enumerate(data.get("rounds") or [], start=1):
        where = f"{source}: rounds[{i}]"
        if not isinstance(raw, dict):
            raise PolicyError(f"{where}: expected a mapping")
        round_id, days = str(raw.get("id", "")), raw.get("days_after_migration")
        if not round_id or any(r.id == round_id for r in rounds) or ":" in round_id:
            raise PolicyError(f"{where}: every round needs a unique id (no ':')")
        if not isinstance(days, int) or days < 0 or (rounds and days <= rounds[-1].days_after_migration):
            raise PolicyError(f"{where} ({round_id}): days_after_migration must be a whole number ≥ 0, growing")
        rounds.append(CheckinRound(round_id, days))
    if not rounds:
        raise PolicyError(f"{source}: at least one round is needed")
    numbers = {}
    for key, default in (("nudge_not_installed_after_days", 2), ("campaign_days", 30)):
        value = data.get(key, default)
        if not isinstance(value, int) or value < 1:
            raise PolicyError(f"{source}: {key} must be a whole number ≥ 1")
        numbers[key] = value
    if numbers["campaign_days"] <= rounds[-1].days_after_migration:
        raise PolicyError(f"{source}: campaign_days must be later than the last round")
    return CheckinPolicy(base.send_time, base.timezone, tuple(rounds), **numbers)


def load_checkin_policy(path: Path) -> CheckinPolicy:
    return parse_checkin_policy(_read_yaml(path), source=str(path))


def checkin_due(policy: CheckinPolicy, round_: CheckinRound, migration_date: date) -> datetime:
    """The aware moment a check-in round is due: migration day + N days at ``send_time``."""
    day = migration_date + timedelta(days=round_.days_after_migration)
    return datetime.combine(day, policy.send_time, tzinfo=policy.tz)


def campaign_open(policy: CheckinPolicy, migration_date: date, now: datetime) -> bool:
    """From the first round's moment until the end of day ``campaign_days`` after migration (local time)."""
    start = checkin_due(policy, policy.rounds[0], migration_date)
    end_day = migration_date + timedelta(days=policy.campaign_days + 1)
    return start <= now < datetime.combine(end_day, time(0), tzinfo=policy.tz)


def spaced_before(policy: CheckinPolicy, now: datetime, days: int) -> datetime:
    """Something that happened before the returned moment happened on a local day at least ``days`` days
    before the latest ``send_time`` that has passed: "asked on Monday, ask again on Thursday at 09:00",
    whatever the hour of Monday's question. Pure; the planner compares stored times with it."""
    local = now.astimezone(policy.tz)
    latest = local.date() if local.time() >= policy.send_time else local.date() - timedelta(days=1)
    return datetime.combine(latest - timedelta(days=days - 1), time(0), tzinfo=policy.tz)
