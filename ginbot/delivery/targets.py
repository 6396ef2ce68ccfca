"""Who a broadcast reaches: parse ``all | cohort:N | agency:ID | notready:cohort:N | notready:agency:ID``,
check it against the database, and select its recipients as a SQL condition so counting and fan-out run in
the database, never in memory.

``notready:…`` is the cohort's or agency's subscribers not confirmed ready: everyone whose latest readiness
answer is not "ready" (a problem, not installed, or no answer yet). Install reminders use it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.channels.registry import REGISTRY
from ginbot.db.models import Agency, ChatUser, Cohort, Readiness


def push_channels() -> tuple[str, ...]:
    """Channels that can start a conversation (push); web and console users are reached when they visit."""
    return REGISTRY.push_names()


# The built-in push channels (wave-1 name); push_channels() includes any registered since.
PUSH_CHANNELS = push_channels()


NOT_READY = "notready"


class TargetError(ValueError):
    """The target is malformed or names no known cohort/agency; the message is meant for staff."""


@dataclass(frozen=True)
class Target:
    kind: str  # all | cohort | agency | notready (value "cohort:N" or "agency:ID")
    value: str | None = None

    def inner(self) -> Target:
        """The cohort or agency a ``notready`` target narrows (itself for the other kinds)."""
        if self.kind != NOT_READY:
            return self
        kind, _, value = (self.value or "").partition(":")
        return Target(kind, value)

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


def parse_target(spec: str) -> Target:
    """``all``, ``cohort:2``, ``agency:rd``, ``notready:cohort:1`` or ``notready:agency:rd`` (case and
    spaces forgiven)."""
    spec = spec.strip()
    if spec.lower() == "all":
        return Target("all")
    kind, sep, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if sep and kind == "cohort" and value.isdigit():
        return Target("cohort", str(int(value)))
    if sep and kind == "agency" and value:
        return Target("agency", value.lower())
    if sep and kind == NOT_READY:
        inner_kind = value.partition(":")[0]
        if inner_kind.strip().lower() in ("cohort", "agency"):
            try:
                inner = parse_target(value)
            except TargetError:
                pass
            else:
                return Target(NOT_READY, str(inner))
    raise TargetError(
        f"unknown target {spec!r}: use all, cohort:N, agency:ID, notready:cohort:N or notready:agency:ID"
    )


def parse_channel(channel: str | None) -> str | None:
    if channel is None or channel == "":
        return None
    if channel not in push_channels():
        raise TargetError(f"unknown channel {channel!r}: use {' or '.join(push_channels())}")
    return channel


async def check_target(session: AsyncSession, target: Target) -> None:
    """Raise TargetError when the cohort or agency does not exist."""
    target = target.inner()
    if target.kind == "cohort":
        if await session.get(Cohort, int(target.value or 0)) is None:
            known = (await session.scalars(select(Cohort.number).order_by(Cohort.number))).all()
            raise TargetError(
                f"no cohort {target.value}; known cohorts: {', '.join(map(str, known)) or 'none'}"
            )
    elif target.kind == "agency":
        if await session.get(Agency, target.value) is None:
            raise TargetError(f"no agency with id {target.value!r} (see data/agencies.csv, column id)")


def recipient_condition(
    target: Target, channel: str | None, language: str | None = None
) -> ColumnElement[bool]:
    """Subscribed, not blocked, reachable by push, and inside the target; with ``language``, only the people
    who talk to ginbot in it (Thai: everyone who has not written in English)."""
    parts: list[ColumnElement[bool]] = [
        ChatUser.subscribed.is_(True),
        ChatUser.blocked.is_(False),
        ChatUser.channel.in_([channel] if channel else push_channels()),
    ]
    if language == "en":
        parts.append(ChatUser.language == "en")
    elif language is not None:
        parts.append(or_(ChatUser.language.is_(None), ChatUser.language != "en"))
    if target.kind == NOT_READY:
        parts.append(not_ready())
        target = target.inner()
    if target.kind == "cohort":
        parts.append(ChatUser.agency_id.in_(select(Agency.id).where(Agency.cohort == int(target.value or 0))))
    elif target.kind == "agency":
        parts.append(ChatUser.agency_id == target.value)
    elif target.kind != "all":
        raise TargetError(f"unknown target kind {target.kind!r}")
    return and_(true(), *parts)


async def count_by_channel(session: AsyncSession, target: Target, channel: str | None) -> dict[str, int]:
    rows = await session.execute(
        select(ChatUser.channel, func.count())
        .where(recipient_condition(target, channel))
        .group_by(ChatUser.channel)
    )
    return {c: int(n) for c, n in rows.all()}


def not_ready() -> ColumnElement[bool]:
    """Not confirmed ready: no readiness answer, or one other than "ready"."""
    return ~exists().where(Readiness.user_id == ChatUser.id, Readiness.status == "ready")
