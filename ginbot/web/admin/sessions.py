"""Server-side staff sessions: a random token in the browser's cookie, its SHA-256 here, a CSRF token
per session, an expiry, and a one-shot notice for the page after a redirect."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db.models import Staff, StaffSession
from ginbot.web.admin.accounts import aware

# A working day: staff sign in in the morning and are not asked again before evening.
SESSION_TTL_S = 12 * 3600
TOKEN_BYTES = 32


@dataclass(frozen=True)
class Signed:
    """The signed-in staff member behind a request."""

    staff_id: int
    name: str
    token_hash: str
    csrf_token: str
    flash: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def open_session(session: AsyncSession, staff: Staff, now: datetime) -> str:
    """Store a new session for ``staff``; return the token for the cookie (never stored as is)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        StaffSession(
            token_hash=hash_token(token),
            staff_id=staff.id,
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            created_at=now,
            expires_at=now + timedelta(seconds=SESSION_TTL_S),
        )
    )
    # Each sign-in sweeps everyone's expired sessions: the table never grows past the active ones.
    await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    return token


async def find_session(session: AsyncSession, token: str, now: datetime) -> Signed | None:
    if not token or len(token) > 200:
        return None
    row = (
        await session.execute(
            select(StaffSession, Staff.name)
            .join(Staff, Staff.id == StaffSession.staff_id)
            .where(StaffSession.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None
    stored, name = row
    expires_at = aware(stored.expires_at)
    if expires_at is None or expires_at <= now:
        await session.delete(stored)
        return None
    return Signed(stored.staff_id, name, stored.token_hash, stored.csrf_token, stored.flash)


async def close_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))


async def set_flash(session: AsyncSession, token_hash: str, message: str) -> None:
    await session.execute(update(StaffSession).where(StaffSession.token_hash == token_hash).values(flash=message))


async def clear_flash(session: AsyncSession, token_hash: str) -> None:
    await session.execute(update(StaffSession).where(StaffSession.token_hash == token_hash).values(flash=None))
