"""A broadcast's life: create (validated), fan out into per-recipient outbox rows (resumable), report.

Fan-out runs in the database (INSERT … SELECT … ON CONFLICT DO NOTHING) a chunk of recipients at a time,
each chunk in its own transaction with the cursor saved beside it: a crash mid fan-out resumes after the
last committed chunk, and the unique (broadcast_id, user_id) key makes any overlap harmless.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, Integer, String, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.messages import Card
from ginbot.db.models import Broadcast, ChatUser, OutboxRow, utcnow
from ginbot.db.session import Database
from ginbot.delivery.cards import card_to_stored
from ginbot.delivery.store import insert_ignore, utc
from ginbot.delivery.targets import Target, TargetError, check_target, recipient_condition
from ginbot.delivery.texts import text_problem

FANOUT_CHUNK = 2000
# Statuses of a broadcast that still has fan-out work to do.
FANOUT_PENDING = ("scheduled", "fanning_out")


@dataclass(frozen=True)
class NewBroadcast:
    text: str
    target: Target
    channel: str | None
    send_at: datetime
    created_by: str
    kind: str = "announcement"
    dedupe_key: str | None = None
    expires_at: datetime | None = None
    card: Card | None = None  # shown with the text on every channel (ginbot.delivery.cards)


async def create_broadcast(
    session: AsyncSession,
    new: NewBroadcast,
    *,
    status: str = "scheduled",
    confirm_token: str | None = None,
    now: datetime | None = None,
) -> Broadcast:
    """Validate and store a broadcast (TargetError for a bad target or text). Rows come later, by fan-out.

    ``now`` is the scheduling clock's reading (GINBOT_TODAY pins its day): the draft expiry compares with it.
    """
    problem = text_problem(new.text)
    if problem:
        raise TargetError(problem)
    await check_target(session, new.target)
    row = Broadcast(
        kind=new.kind,
        dedupe_key=new.dedupe_key,
        text=new.text,
        target_kind=new.target.kind,
        target_value=new.target.value,
        channel=new.channel,
        send_at=utc(new.send_at),
        expires_at=utc(new.expires_at) if new.expires_at else None,
        created_by=new.created_by,
        created_at=utc(now) if now is not None else utcnow(),
        status=status,
        fanout_cursor=0,
        confirm_token=confirm_token,
        card=card_to_stored(new.card),
    )
    session.add(row)
    await session.flush()
    return row


def target_of(broadcast: Broadcast) -> Target:
    return Target(broadcast.target_kind, broadcast.target_value)


async def due_broadcast_ids(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.status.in_(FANOUT_PENDING), Broadcast.send_at <= utc(now))
        .order_by(Broadcast.send_at, Broadcast.id)
    )
    return list(rows.all())


async def next_send_at(session: AsyncSession) -> datetime | None:
    """When the earliest broadcast still to fan out is (or was) due: the planner sleeps no longer than that."""
    value = await session.scalar(select(func.min(Broadcast.send_at)).where(Broadcast.status.in_(FANOUT_PENDING)))
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back the UTC wall time


async def fan_out_chunk(session: AsyncSession, broadcast_id: int, now: datetime, chunk: int) -> bool:
    """Queue the next chunk of recipients; return False once the broadcast is fully fanned out (or taken)."""
    # SKIP LOCKED: a second worker leaves a broadcast being fanned out alone instead of queueing behind it.
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update(skip_locked=True)
    )
    if broadcast is None or broadcast.status not in FANOUT_PENDING:
        return False
    cond = recipient_condition(target_of(broadcast), broadcast.channel, broadcast.language)
    after = broadcast.fanout_cursor
    window = (
        select(ChatUser.id).where(cond, ChatUser.id > after).order_by(ChatUser.id).limit(chunk).subquery()
    )
    upper = await session.scalar(select(func.max(window.c.id)))
    if upper is None:
        total = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.broadcast_id == broadcast_id)
        )
        broadcast.status = "fanned_out"
        broadcast.recipient_count = int(total or 0)
        return False
    rows = select(
        literal(broadcast_id, Integer),
        ChatUser.id,
        ChatUser.channel,
        literal("queued", String),
        literal(0, Integer),
        literal(utc(now), DateTime(timezone=True)),
        literal(False),
        literal(utc(now), DateTime(timezone=True)),
    ).where(cond, ChatUser.id > after, ChatUser.id <= upper)
    columns = [
        "broadcast_id", "user_id", "channel", "status", "attempts", "next_attempt_at",
        "possibly_duplicated", "created_at",
    ]  # fmt: skip
    await session.execute(insert_ignore(session, OutboxRow).from_select(columns, rows))
    broadcast.status = "fanning_out"
    broadcast.fanout_cursor = upper
    return True


async def fan_out(db: Database, broadcast_id: int, now: datetime, *, chunk: int = FANOUT_CHUNK) -> None:
    """Fan a due broadcast out completely, one committed chunk at a time."""
    while True:
        async with db.session() as session:
            more = await fan_out_chunk(session, broadcast_id, now, chunk)
        if not more:
            return


# --- report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryReport:
    broadcast_id: int
    kind: str
    target: str
    channel: str | None
    status: str
    send_at: datetime
    created_by: str
    recipients: int | None  # known once fan-out finished
    queued: int
    sending: int
    sent: int
    failed: int
    blocked: int
    skipped: int
    possibly_duplicated: int  # Telegram rows re-sent after a worker died mid-send

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed + self.blocked + self.skipped

    @property
    def done(self) -> bool:
        return self.status in ("fanned_out", "skipped", "cancelled") and self.queued + self.sending == 0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["send_at"] = self.send_at.isoformat()
        data["total"] = self.total
        data["done"] = self.done
        return data


async def report(session: AsyncSession, broadcast_id: int) -> DeliveryReport | None:
    """The live delivery report of one broadcast (admin page, `ginbot broadcast --status ID`)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return None
    return (await _reports(session, [broadcast]))[0]


async def recent_reports(
    session: AsyncSession,
    *,
    limit: int = 20,
    kind: str | None = None,
    offset: int = 0,
    skipped: bool = True,
) -> list[DeliveryReport]:
    """Newest broadcasts first, each with its live counts (for the admin pages): two queries, however many.

    ``kind`` keeps one kind (announcement, reminder, checkin); ``skipped=False`` leaves out the reminders
    recorded as skipped (a first start long after the campaign records hundreds); ``offset`` pages on."""
    stmt = select(Broadcast).where(*_listed(kind, skipped)).order_by(Broadcast.id.desc()).limit(limit).offset(offset)
    return await _reports(session, list((await session.scalars(stmt)).all()))


def _listed(kind: str | None, skipped: bool) -> list[ColumnElement[bool]]:
    # Answers queued for a retry (ginbot.delivery.answers) are the inbox's business, not staff broadcasts;
    # drafts are a Telegram preview nobody confirmed yet.
    conditions = [Broadcast.status != "draft", Broadcast.kind != "answer"]
    if kind:
        conditions.append(Broadcast.kind == kind)
    if not skipped:
        conditions.append(Broadcast.status != "skipped")
    return conditions


async def count_listed(session: AsyncSession) -> dict[tuple[str, bool], int]:
    """How many broadcasts of each kind the lists hold, split by skipped or not: {(kind, skipped): n}."""
    rows = await session.execute(
        select(Broadcast.kind, Broadcast.status, func.count()).where(*_listed(None, True)).group_by(Broadcast.kind, Broadcast.status)
    )
    counts: dict[tuple[str, bool], int] = {}
    for kind, status, n in rows.all():
        key = (kind, status == "skipped")
        counts[key] = counts.get(key, 0) + int(n)
    return counts


async def _reports(session: AsyncSession, broadcasts: list[Broadcast]) -> list[DeliveryReport]:
    """Count every listed broadcast's rows by status in one grouped query."""
    counts: dict[int, dict[str, int]] = {b.id: {} for b in broadcasts}
    duplicated: dict[int, int] = dict.fromkeys(counts, 0)
    if counts:
        rows = await session.execute(
            select(
                OutboxRow.broadcast_id,
                OutboxRow.status,
                func.count(),
                func.sum(case((OutboxRow.possibly_duplicated.is_(True), 1), else_=0)),
            )
            .where(OutboxRow.broadcast_id.in_(list(counts)))
            .group_by(OutboxRow.broadcast_id, OutboxRow.status)
        )
        for broadcast_id, status, n, dup in rows.all():
            counts[broadcast_id][status] = int(n)
            duplicated[broadcast_id] += int(dup or 0)
    return [
        DeliveryReport(
            broadcast_id=b.id,
            kind=b.kind,
            target=str(target_of(b)),
            channel=b.channel,
            status=b.status,
            send_at=b.send_at,
            created_by=b.created_by,
            recipients=b.recipient_count,
            queued=counts[b.id].get("queued", 0),
            sending=counts[b.id].get("sending", 0),
            sent=counts[b.id].get("sent", 0),
            failed=counts[b.id].get("failed", 0),
            blocked=counts[b.id].get("blocked", 0),
            skipped=counts[b.id].get("skipped", 0),
            possibly_duplicated=duplicated[b.id],
        )
        for b in broadcasts
    ]
