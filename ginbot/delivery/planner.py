"""The planner: due reminders become broadcasts (one per reminder rule and agency, unique key in the
database), and due broadcasts are fanned out into outbox rows. Idempotent: running it twice, or on two
machines at once, adds nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db import queries
from ginbot.db.models import Agency, Broadcast, ChatUser, Cohort
from ginbot.db.session import Database
from ginbot.delivery.broadcasts import due_broadcast_ids, fan_out
from ginbot.delivery.checkins import CheckinMessage, CheckinResult, plan_checkins
from ginbot.delivery.policy import CheckinPolicy, Due, ReminderPolicy, ReminderRule, decide, due_at
from ginbot.delivery.store import insert_ignore, utc
from ginbot.delivery.targets import NOT_READY, Target, recipient_condition
from ginbot.delivery.texts import render_reminder

log = logging.getLogger(__name__)
PLANNER = "planner"
# Rows per INSERT: 14 columns × 200 stays far below SQLite's bound-parameter limit.
INSERT_CHUNK = 200


@dataclass
class PlanResult:
    reminders_created: int = 0
    # Reminders missed by more than the grace window (ginbot was down): recorded once as skipped.
    reminders_skipped: int = 0
    skipped_keys: list[str] = field(default_factory=list)
    latest_skipped_due: datetime | None = None  # the most recent moment among the skipped reminders
    fanned_out: list[int] = field(default_factory=list)
    checkins: CheckinResult | None = None


@dataclass(frozen=True)
class DueReminder:
    key: str
    rule: ReminderRule
    agency: Agency
    cohort: Cohort
    due: datetime
    decision: Due


def reminder_key(rule: ReminderRule, agency_id: str, anchor: date) -> str:
    # The anchor date is part of the key: if staff move a cohort's dates, the new reminders are new.
    return f"reminder:{rule.id}:{agency_id}:{anchor.isoformat()}"


def due_reminders(
    policy: ReminderPolicy, agencies: list[Agency], cohorts: dict[int, Cohort], now: datetime, grace_s: float
) -> list[DueReminder]:
    """Pure: every (rule, agency) whose moment has come, with whether to send it or skip it."""
    out = []
    for agency in agencies:
        cohort = cohorts.get(agency.cohort)
        if cohort is None:
            continue
        for rule in policy.rules:
            due = due_at(policy, rule, last_v8_date=cohort.last_v8_date, migration_date=cohort.migration_date)
            decision = decide(due, now, grace_s)
            if decision is Due.NOT_YET:
                continue
            anchor = cohort.last_v8_date if rule.anchor == "last_v8_date" else cohort.migration_date
            out.append(
                DueReminder(reminder_key(rule, agency.id, anchor), rule, agency, cohort, due, decision)
            )
    return out


async def _existing_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        rows = await session.scalars(
            select(Broadcast.dedupe_key).where(Broadcast.dedupe_key.in_(keys[i : i + 500]))
        )
        found.update(k for k in rows.all() if k)
    return found


async def _recipients_by_agency(session: AsyncSession, language: str | None) -> dict[str, int]:
    rows = await session.execute(
        select(ChatUser.agency_id, func.count())
        .where(recipient_condition(Target("all"), None, language), ChatUser.agency_id.is_not(None))
        .group_by(ChatUser.agency_id)
    )
    return {a: int(n) for a, n in rows.all() if a}


def _languages(rule: ReminderRule) -> tuple[str | None, ...]:
    """One broadcast per language the rule is written in; a Thai-only rule reaches everyone."""
    return ("th", "en") if rule.text_en else (None,)


def _key(d: DueReminder, language: str | None) -> str:
    # The Thai (or only) reminder keeps the key it always had, so a policy gaining English is not re-sent.
    return d.key if language in (None, "th") else f"{d.key}:{language}"


async def plan_reminders(
    session: AsyncSession, policy: ReminderPolicy, now: datetime, grace_s: float
) -> PlanResult:
    result = PlanResult()
    cohorts = {c.number: c for c in await queries.cohorts(session)}
    agencies = list(await queries.agencies(session))
    due = due_reminders(policy, agencies, cohorts, now, grace_s)
    wanted = [(d, language) for d in due for language in _languages(d.rule)]
    existing = await _existing_keys(session, [_key(d, language) for d, language in wanted])
    missing = [(d, language) for d, language in wanted if _key(d, language) not in existing]
    if not missing:
        return result
    audiences = {language: await _recipients_by_agency(session, language) for language in {m[1] for m in missing}}
    # An English copy only where someone reads English: most agencies have nobody who does, and a copy
    # for nobody would double the broadcasts list. Someone who switches to English later gets the next run's.
    missing = [(d, lang) for d, lang in missing if lang != "en" or audiences["en"].get(d.agency.id, 0) > 0]
    rows = []
    for d, language in missing:
        send = d.decision is Due.SEND
        english = language == "en"
        text = render_reminder(
            d.rule,
            agency_name=(d.agency.name_en or d.agency.name_th) if english else d.agency.name_th,
            agency_abbr=(d.agency.abbr_en or "") if english else d.agency.abbr_th,
            cohort=d.cohort.number,
            last_v8_date=d.cohort.last_v8_date,
            migration_date=d.cohort.migration_date,
            english=english,
        )
        rows.append(
            {
                "kind": "reminder",
                "dedupe_key": _key(d, language),
                "text": text,
                # An install reminder skips people who already said v9 works for them (notready:agency:ID).
                "target_kind": NOT_READY if d.rule.kind == "install" else "agency",
                "target_value": f"agency:{d.agency.id}" if d.rule.kind == "install" else d.agency.id,
                "channel": None,
                "language": language,
                "send_at": utc(d.due),
                "expires_at": utc(d.due + timedelta(seconds=grace_s)),
                "created_by": PLANNER,
                "created_at": utc(now),
                "status": "scheduled" if send else "skipped",
                "fanout_cursor": 0,
                "recipient_count": None if send else audiences[language].get(d.agency.id, 0),
            }
        )
    # Multi-row inserts (a first start may record hundreds of skipped reminders at once); RETURNING says
    # which rows this planner added, so a concurrent planner's rows are not counted twice.
    for i in range(0, len(rows), INSERT_CHUNK):
        added = await session.execute(
            insert_ignore(session, Broadcast)
            .values(rows[i : i + INSERT_CHUNK])
            .returning(Broadcast.dedupe_key, Broadcast.status)
        )
        due_of = {_key(d, language): d.due for d, language in missing}
        for key, status in added.all():
            if status == "skipped":
                result.reminders_skipped += 1
                result.skipped_keys.append(key or "")
                due_at_ = due_of.get(key or "")
                if due_at_ is not None and (result.latest_skipped_due is None or due_at_ > result.latest_skipped_due):
                    result.latest_skipped_due = due_at_
            else:
                result.reminders_created += 1
    return result


async def plan_once(
    db: Database,
    policy: ReminderPolicy | None,
    now: datetime,
    grace_s: float,
    checkins: tuple[CheckinPolicy, CheckinMessage] | None = None,
) -> PlanResult:
    """One planner pass: new reminders, check-ins, then fan-out of every due broadcast (each chunk its own
    commit)."""
    result = PlanResult()
    if policy is not None:
        async with db.session() as session:
            result = await plan_reminders(session, policy, now, grace_s)
    if checkins is not None:
        async with db.session() as session:
            result.checkins = await plan_checkins(session, checkins[0], checkins[1], now)
    result.fanned_out = await fan_out_due(db, now)
    return result


async def fan_out_due(db: Database, now: datetime) -> list[int]:
    """Fan out every due broadcast (the part of a pass a confirmed broadcast waits for); their ids."""
    async with db.session() as session:
        due = await due_broadcast_ids(session, now)
    for broadcast_id in due:
        await fan_out(db, broadcast_id, now)
    return due
