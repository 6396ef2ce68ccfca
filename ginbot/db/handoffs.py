"""Handoff SQL: conversations handed to staff, their transcripts, and the figures the dashboard shows.

No business rules: ginbot.core.handoff decides when a handoff opens and closes, ginbot.handoff.desk what a
staff action does. Every function takes the caller's session, so one action is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import Agency, ChatUser, ConversationState, Handoff, HandoffMessage

OPEN_STATUSES = ("waiting", "staff")


def as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def open_handoff(
    session: AsyncSession, *, user_id: int, channel: str, agency_id: str | None, now: datetime
) -> Handoff:
    row = Handoff(
        user_id=user_id, channel=channel, agency_id=agency_id, status="waiting", opened_at=as_utc(now), learned=False
    )
    session.add(row)
    await session.flush()
    return row


async def current(session: AsyncSession, user_id: int) -> Handoff | None:
    """The person's open handoff (waiting or with staff), if any."""
    return await session.scalar(
        select(Handoff)
        .where(Handoff.user_id == user_id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.id.desc())
        .limit(1)
    )


async def get(session: AsyncSession, handoff_id: int, *, for_update: bool = False) -> Handoff | None:
    stmt = select(Handoff).where(Handoff.id == handoff_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def add_message(
    session: AsyncSession,
    handoff_id: int,
    sender: str,
    text: str,
    *,
    now: datetime,
    staff_name: str | None = None,
) -> HandoffMessage:
    row = HandoffMessage(handoff_id=handoff_id, sender=sender, text=text, staff_name=staff_name, created_at=as_utc(now))
    session.add(row)
    await session.flush()
    return row


async def transcript(session: AsyncSession, handoff_id: int) -> Sequence[HandoffMessage]:
    return (
        await session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id).order_by(HandoffMessage.id)
        )
    ).all()


async def set_mode(session: AsyncSession, user_id: int, mode: str) -> None:
    await session.execute(update(ConversationState).where(ConversationState.user_id == user_id).values(mode=mode))


async def set_staff_post(session: AsyncSession, message_id: int, post_id: int) -> None:
    await session.execute(update(HandoffMessage).where(HandoffMessage.id == message_id).values(staff_post_id=post_id))


async def set_thread(session: AsyncSession, handoff_id: int, thread_id: int) -> None:
    await session.execute(update(Handoff).where(Handoff.id == handoff_id).values(telegram_thread_id=thread_id))


async def by_staff_post(session: AsyncSession, post_id: int) -> Handoff | None:
    """The handoff one of ginbot's posts in the staff group was about."""
    return await session.scalar(
        select(Handoff)
        .join(HandoffMessage, HandoffMessage.handoff_id == Handoff.id)
        .where(HandoffMessage.staff_post_id == post_id)
        .limit(1)
    )


async def by_thread(session: AsyncSession, thread_id: int) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(Handoff.telegram_thread_id == thread_id).order_by(Handoff.id.desc()).limit(1)
    )


async def official_of(session: AsyncSession, handoff: Handoff) -> ChatUser | None:
    return await session.get(ChatUser, handoff.user_id)


async def agency_name(session: AsyncSession, agency_id: str | None) -> str | None:
    if agency_id is None:
        return None
    return await session.scalar(select(Agency.name_th).where(Agency.id == agency_id))


async def messages_for_official(
    session: AsyncSession, channel: str, platform_user_id: str, after_id: int
) -> Sequence[HandoffMessage]:
    """What staff (and ginbot's handoff notices) said to this person after message ``after_id``: the web
    chat's way of receiving a reply without a reload."""
    return (
        await session.scalars(
            select(HandoffMessage)
            .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
            .join(ChatUser, ChatUser.id == Handoff.user_id)
            .where(
                ChatUser.channel == channel,
                ChatUser.platform_user_id == platform_user_id,
                HandoffMessage.sender.in_(("staff", "bot")),
                HandoffMessage.id > after_id,
            )
            .order_by(HandoffMessage.id)
            .limit(50)
        )
    ).all()


async def latest_message_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(HandoffMessage.id), 0))) or 0)


# --- the staff inbox and the figures --------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRow:
    id: int
    channel: str
    agency: str | None
    status: str
    opened_at: datetime
    assigned_staff: str | None
    last_text: str
    last_sender: str
    last_at: datetime
    # Since when the official has been waiting for an answer: opening, or their first unanswered message.
    waiting_since: datetime | None


async def open_list(session: AsyncSession) -> list[OpenRow]:
    """Open conversations, longest-waiting first, with each one's last message (two queries in all)."""
    handoffs = (
        await session.execute(
            select(Handoff, Agency.name_th)
            .outerjoin(Agency, Agency.id == Handoff.agency_id)
            .where(Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.opened_at)
        )
    ).all()
    if not handoffs:
        return []
    ids = [h.id for h, _ in handoffs]
    lines = (
        await session.execute(
            select(HandoffMessage.handoff_id, HandoffMessage.sender, HandoffMessage.text, HandoffMessage.created_at)
            .where(HandoffMessage.handoff_id.in_(ids))
            .order_by(HandoffMessage.handoff_id, HandoffMessage.id)
        )
    ).all()
    last: dict[int, tuple[str, str, datetime]] = {}
    unanswered_since: dict[int, datetime | None] = {}
    for handoff_id, sender, text, at in lines:
        last[handoff_id] = (sender, text, as_utc(at))
        if sender == "official":
            if unanswered_since.get(handoff_id) is None:
                unanswered_since[handoff_id] = as_utc(at)
        elif sender == "staff":
            unanswered_since[handoff_id] = None
    rows = []
    for h, agency in handoffs:
        sender, text, at = last.get(h.id, ("official", "", as_utc(h.opened_at)))
        rows.append(
            OpenRow(
                id=h.id,
                channel=h.channel,
                agency=agency,
                status=h.status,
                opened_at=as_utc(h.opened_at),
                assigned_staff=h.assigned_staff,
                last_text=text,
                last_sender=sender,
                last_at=at,
                waiting_since=unanswered_since.get(h.id, as_utc(h.opened_at)),
            )
        )
    rows.sort(key=lambda r: (r.waiting_since is None, r.waiting_since or r.last_at))
    return rows


async def closed_recent(session: AsyncSession, limit: int = 30) -> Sequence[tuple[Handoff, str | None]]:
    rows = await session.execute(
        select(Handoff, Agency.name_th)
        .outerjoin(Agency, Agency.id == Handoff.agency_id)
        .where(Handoff.status == "closed")
        .order_by(Handoff.closed_at.desc(), Handoff.id.desc())
        .limit(limit)
    )
    return [(h, a) for h, a in rows.all()]


@dataclass(frozen=True)
class Figures:
    waiting: int  # open and not yet answered by staff
    open: int  # waiting or with staff
    oldest_wait_opened_at: datetime | None
    first_reply_s: list[float]  # over the handoffs opened since ``since``
    closed_per_day: dict[str, int]  # "YYYY-MM-DD" (UTC) -> count


async def figures(session: AsyncSession, since: datetime) -> Figures:
    counts = dict(
        (
            await session.execute(
                select(Handoff.status, func.count()).where(Handoff.status.in_(OPEN_STATUSES)).group_by(Handoff.status)
            )
        ).all()
    )
    oldest = await session.scalar(select(func.min(Handoff.opened_at)).where(Handoff.status == "waiting"))
    replied = (
        await session.execute(
            select(Handoff.opened_at, Handoff.first_staff_reply_at).where(
                Handoff.opened_at >= as_utc(since), Handoff.first_staff_reply_at.is_not(None)
            )
        )
    ).all()
    closed = (
        await session.scalars(
            select(Handoff.closed_at).where(Handoff.status == "closed", Handoff.closed_at >= as_utc(since))
        )
    ).all()
    per_day: dict[str, int] = {}
    for at in closed:
        if at is not None:
            key = as_utc(at).date().isoformat()
            per_day[key] = per_day.get(key, 0) + 1
    return Figures(
        waiting=int(counts.get("waiting", 0)),
        open=int(sum(counts.values())),
        oldest_wait_opened_at=as_utc(oldest) if oldest is not None else None,
        first_reply_s=[(as_utc(r) - as_utc(o)).total_seconds() for o, r in replied if r is not None],
        closed_per_day=per_day,
    )
