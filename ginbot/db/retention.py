"""Deleting what is no longer needed: web-chat visitors (anyone on the internet can make one) and their
messages, some days after their last message. Deleting a visitor cascades to their conversation state and
message log (foreign keys with ON DELETE CASCADE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import ChatUser, MessageLog

WEB = "web"


@dataclass(frozen=True)
class Expired:
    visitors: int
    messages: int


async def expire_web_visitors(session: AsyncSession, before: datetime) -> Expired:
    """Delete web visitors last seen before ``before`` (with their messages), and older web messages of
    visitors who are still around."""
    visitors = await session.execute(
        delete(ChatUser).where(ChatUser.channel == WEB, ChatUser.last_seen_at < before)
    )
    messages = await session.execute(
        delete(MessageLog).where(MessageLog.channel == WEB, MessageLog.created_at < before)
    )
    return Expired(_count(visitors), _count(messages))


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
