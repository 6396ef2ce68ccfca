"""Check-ins: "AcuConference 9 ใช้งานได้แล้วหรือยังคะ?" with three buttons, from each cohort's migration day.

One broadcast per (round, cohort) (kind "checkin", unique key), kept "open" while the cohort's campaign is:
every planner pass adds outbox rows for whoever has become due since — people who subscribed late, or whose
moment passed while ginbot was down — and the outbox's (broadcast, person) key keeps it to one each. When
the campaign closes, the broadcasts are marked fanned out. The sender treats the rows like any other:
exactly once on LINE (retry keys), rate-limited, resumable.

Who is due (all in SQL, so 100,000 subscribers cost one INSERT … SELECT per round):
- round 1: subscribers of the cohort who have not answered;
- round k > 1: the same, who got round k - 1 at least the rounds' gap in days earlier;
- a nudge: people whose answer is still "not installed", given that many days ago, and not asked since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, DateTime, Integer, String, and_, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.content import Content
from ginbot.core.messages import QuickReply
from ginbot.db import queries
from ginbot.db.models import Broadcast, ChatUser, OutboxRow, Readiness, utcnow
from ginbot.db.readiness import CHECKIN_KIND, NOT_INSTALLED
from ginbot.delivery.policy import CheckinPolicy, campaign_open, checkin_due, spaced_before
from ginbot.delivery.store import insert_ignore, utc
from ginbot.delivery.targets import Target, recipient_condition

PLANNER = "planner"
OPEN = "open"  # a check-in broadcast still taking recipients; fan_out() leaves it alone


@dataclass(frozen=True)
class CheckinMessage:
    """The question and its answer buttons (data/answers.yml: ``checkin``, ``buttons.checkin``)."""

    text: str
    buttons: tuple[QuickReply, ...]
    # The English question for people who write to ginbot in English; None: everyone is asked in Thai.
    english: CheckinMessage | None = None

    @classmethod
    def from_content(cls, content: Content) -> CheckinMessage:
        """``checkin`` and ``buttons.checkin`` of data/answers.yml, and of answers.en.yml when it has them."""
        english = None
        if "en" in content.languages:
            en = content.in_language("en")
            english = cls(en.text("checkin"), en.buttons("checkin"))
        return cls(content.text("checkin"), content.buttons("checkin"), english)

    def by_language(self) -> dict[str | None, CheckinMessage]:
        """One message per audience: None (everyone) when there is no English text, else "th" and "en"."""
        return {None: self} if self.english is None else {"th": self, "en": self.english}


@dataclass
class CheckinResult:
    queued: int = 0  # outbox rows added by this pass
    opened: list[str] = field(default_factory=list)  # keys of check-in broadcasts created by this pass
    closed: int = 0  # broadcasts closed because their campaign ended


def round_key(round_id: str, cohort: int, migration_date: date) -> str:
    # The migration date is part of the key: if staff move a cohort's date, its check-ins start afresh.
    return f"checkin:{round_id}:{cohort}:{migration_date.isoformat()}"


def nudge_key(cohort: int, day: date) -> str:
    return f"checkin:nudge:{cohort}:{day.isoformat()}"


def _unanswered() -> ColumnElement[bool]:
    return ~exists().where(Readiness.user_id == ChatUser.id)


def _got(broadcast_ids: list[int], before: datetime) -> ColumnElement[bool]:
    """Was asked in one of ``broadcast_ids`` (a round, in any language) before ``before``."""
    return exists().where(
        OutboxRow.broadcast_id.in_(broadcast_ids or [-1]),
        OutboxRow.user_id == ChatUser.id,
        OutboxRow.created_at < utc(before),
    )


def _still_not_installed(since_before: datetime, checkin_ids: list[int]) -> ColumnElement[bool]:
    """Answered "not installed" before ``since_before`` and not asked again since that answer.

    ``checkin_ids`` are the cohort's check-in broadcasts, as literal ids: each probe is then a lookup in the
    outbox's (broadcast_id, user_id) key, where an IN (SELECT …) made PostgreSQL scan the whole outbox for
    every person (seconds per pass at 20,000 subscribers; bench/checkins.py)."""
    asked_since = exists().where(
        OutboxRow.broadcast_id.in_(checkin_ids or [-1]),
        # Readiness, not ChatUser: a subquery correlates only with the one around it, and a ChatUser
        # here would have meant "anybody was asked since", not this person.
        OutboxRow.user_id == Readiness.user_id,
        OutboxRow.created_at > Readiness.reported_at,
    )
    return exists().where(
        Readiness.user_id == ChatUser.id,
        Readiness.status == NOT_INSTALLED,
        Readiness.reported_at < utc(since_before),
        ~asked_since,
    )


def _in(key: str, language: str | None) -> str:
    # Thai (or everyone's) keys stay as they were before English existed, so no round is asked twice.
    return key if language in (None, "th") else f"{key}:{language}"


async def _open_broadcast(
    session: AsyncSession, key: str, cohort: int, send_at: datetime, message: CheckinMessage, language: str | None
) -> tuple[int, bool]:
    """The check-in broadcast for ``key`` (created if missing; a concurrent planner's copy is reused)."""
    key = _in(key, language)
    added = await session.scalar(
        insert_ignore(session, Broadcast)
        .values(
            kind=CHECKIN_KIND,
            dedupe_key=key,
            language=language,
            text=message.text,
            quick_replies=[{"label": b.label, "text": b.text} for b in message.buttons],
            target_kind="cohort",
            target_value=str(cohort),
            channel=None,
            send_at=utc(send_at),
            created_by=PLANNER,
            created_at=utcnow(),
            status=OPEN,
            fanout_cursor=0,
            recipient_count=0,
        )
        .returning(Broadcast.id)
    )
    if added is not None:
        return int(added), True
    found = await session.execute(select(Broadcast.id, Broadcast.status).where(Broadcast.dedupe_key == key))
    broadcast_id, status = found.one()
    return (int(broadcast_id), False) if status == OPEN else (-1, False)


async def _queue(session: AsyncSession, broadcast_id: int, due: ColumnElement[bool], now: datetime) -> int:
    """Outbox rows for everyone ``due`` who has none in this broadcast yet; how many were added."""
    rows = select(
        literal(broadcast_id, Integer),
        ChatUser.id,
        ChatUser.channel,
        literal("queued", String),
        literal(0, Integer),
        literal(utc(now), DateTime(timezone=True)),
        literal(False),
        literal(utc(now), DateTime(timezone=True)),
    ).where(
        due,
        ~exists().where(OutboxRow.broadcast_id == broadcast_id, OutboxRow.user_id == ChatUser.id),
    )
    columns = [
        "broadcast_id", "user_id", "channel", "status", "attempts", "next_attempt_at",
        "possibly_duplicated", "created_at",
    ]  # fmt: skip
    added = await session.execute(
        insert_ignore(session, OutboxRow).from_select(columns, rows).returning(OutboxRow.id)
    )
    count = len(added.all())
    if count:
        total = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.broadcast_id == broadcast_id)
        )
        await session.execute(
            update(Broadcast).where(Broadcast.id == broadcast_id).values(recipient_count=int(total or 0))
        )
    return count


async def _close(session: AsyncSession, cohort: int) -> int:
    closed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.kind == CHECKIN_KIND,
            Broadcast.status == OPEN,
            Broadcast.target_kind == "cohort",
            Broadcast.target_value == str(cohort),
        )
        .values(status="fanned_out")
    )
    return int(getattr(closed, "rowcount", 0) or 0)


async def plan_checkins(
    session: AsyncSession, policy: CheckinPolicy, message: CheckinMessage, now: datetime
) -> CheckinResult:
    """One pass over every cohort: open due rounds, queue whoever became due, nudge, close ended campaigns."""
    result = CheckinResult()
    for cohort in await queries.cohorts(session):
        number, migration = cohort.number, cohort.migration_date
        if not campaign_open(policy, migration, now):
            result.closed += await _close(session, number)
            continue
        target = Target("cohort", str(number))
        messages = message.by_language()
        previous: tuple[list[int], int] | None = None  # (the round's broadcast ids, its days_after_migration)
        for round_ in policy.rounds:
            due_at = checkin_due(policy, round_, migration)
            if now < due_at:
                break
            ids: list[int] = []
            for language, text in messages.items():
                due = and_(recipient_condition(target, None, language), _unanswered())
                if previous is not None:
                    gap_days = round_.days_after_migration - previous[1]
                    due = and_(due, _got(previous[0], spaced_before(policy, now, gap_days)))
                # An English broadcast only once someone who reads English is due: no empty rows for staff.
                if language == "en" and not await session.scalar(select(exists().where(due))):
                    continue
                key = round_key(round_.id, number, migration)
                broadcast_id, created = await _open_broadcast(session, key, number, due_at, text, language)
                if created:
                    result.opened.append(_in(key, language))
                if broadcast_id > 0:
                    result.queued += await _queue(session, broadcast_id, due, now)
                    ids.append(broadcast_id)
            previous = (ids, round_.days_after_migration)
        checkin_ids = list(
            (
                await session.scalars(
                    select(Broadcast.id).where(
                        Broadcast.kind == CHECKIN_KIND,
                        Broadcast.target_kind == "cohort",
                        Broadcast.target_value == str(number),
                    )
                )
            ).all()
        )
        since = spaced_before(policy, now, policy.nudge_not_installed_after_days)
        for language, text in messages.items():
            nudge = and_(recipient_condition(target, None, language), _still_not_installed(since, checkin_ids))
            if await session.scalar(select(exists().where(nudge))):
                key = nudge_key(number, now.astimezone(policy.tz).date())
                broadcast_id, created = await _open_broadcast(session, key, number, now, text, language)
                if created:
                    result.opened.append(_in(key, language))
                if broadcast_id > 0:
                    result.queued += await _queue(session, broadcast_id, nudge, now)
    return result
