"""Staff accounts: argon2id password hashes, creating accounts, changing passwords, and checking a
sign-in against the lock-out rules. No aiohttp here: the CLI (`ginbot staff …`) uses it too."""

from __future__ import annotations

import asyncio
import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.backoff import Backoff
from ginbot.db.models import AuditLog, Staff, StaffSession
from ginbot.web.admin import audit

# argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane): ~0.1–0.2 s of one core per check on a
# small VM. argon2-cffi's default (64 MiB, 4 lanes) took ~0.8 s on a 2-core machine, a CPU cost a burst of
# sign-in attempts could turn against the chat. Changing these later is safe: hashes carry their parameters
# and check_sign_in re-hashes on the next good sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("ginbot: no such account")

NAME_RE = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
PASSWORD_MIN_CHARS = 10
BOOTSTRAP_NAME = "admin"

# Lock-out. Five free tries cover typos; after that each wrong password locks the account for twice as
# long as the last (30 s, 1 min, 2 min … capped at 15 min): a person waits a little, a guesser gets
# a few hundred tries a day instead of millions.
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_LOCK_BASE_S = 30.0
ACCOUNT_LOCK_MAX_S = 15 * 60.0
ACCOUNT_LOCK = Backoff(first_s=ACCOUNT_LOCK_BASE_S, max_s=ACCOUNT_LOCK_MAX_S)
# Per address, across every account name (guessing names as well as passwords): 20 failures in 15 min.
IP_WINDOW_S = 15 * 60.0
IP_MAX_FAILURES = 20


class AccountError(ValueError):
    """A name or password breaks the rules, or the account is (not) there; the message is for staff."""


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything admin stores is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_MIN_CHARS:
        return f"รหัสผ่านต้องยาวอย่างน้อย {PASSWORD_MIN_CHARS} ตัวอักษร"
    if password.strip() != password:
        return "รหัสผ่านต้องไม่ขึ้นต้นหรือลงท้ายด้วยช่องว่าง"
    return None


def name_problem(name: str) -> str | None:
    if not NAME_RE.match(name):
        return "ชื่อบัญชีต้องเป็น a-z, A-Z, 0-9, . _ @ - ยาว 2–64 ตัวอักษร"
    return None


async def hash_password(password: str) -> str:
    # ~50 ms of CPU and 64 MiB: off the event loop so chats are not held up by a sign-in.
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


async def find_staff(session: AsyncSession, name: str) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.name == name))


async def create_staff(session: AsyncSession, name: str, password: str, *, by: str | None = None) -> Staff:
    problem = name_problem(name) or password_problem(password)
    if problem:
        raise AccountError(problem)
    if await find_staff(session, name) is not None:
        raise AccountError(f"มีบัญชี {name} อยู่แล้ว (เปลี่ยนรหัสผ่านด้วย ginbot staff passwd {name})")
    staff = Staff(name=name, password_hash=await hash_password(password), failed_attempts=0)
    session.add(staff)
    await session.flush()
    await audit.record(session, audit.STAFF_CREATED, staff_name=by, details={"name": name})
    return staff


async def set_password(
    session: AsyncSession,
    name: str,
    password: str,
    *,
    by: str | None = None,
    keep_session: str | None = None,
    ip: str | None = None,
) -> Staff:
    """New password; lifts any lock-out and signs the account out everywhere except ``keep_session``."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    staff = await find_staff(session, name)
    if staff is None:
        raise AccountError(f"ไม่มีบัญชีชื่อ {name}")
    staff.password_hash = await hash_password(password)
    staff.failed_attempts, staff.locked_until = 0, None
    drop = delete(StaffSession).where(StaffSession.staff_id == staff.id)
    if keep_session is not None:
        drop = drop.where(StaffSession.token_hash != keep_session)
    await session.execute(drop)
    await audit.record(session, audit.PASSWORD_CHANGED, staff_name=by or name, details={"name": name}, ip=ip)
    return staff


async def ensure_bootstrap_admin(session: AsyncSession, password: str) -> bool:
    """Create ``admin`` with GINBOT_ADMIN_PASSWORD when there is no staff account at all."""
    if await session.scalar(select(func.count()).select_from(Staff)):
        return False
    staff = Staff(name=BOOTSTRAP_NAME, password_hash=await hash_password(password), failed_attempts=0)
    session.add(staff)
    await audit.record(
        session, audit.STAFF_CREATED, staff_name=None, details={"name": BOOTSTRAP_NAME, "via": "GINBOT_ADMIN_PASSWORD"}
    )
    return True


# --- sign-in -----------------------------------------------------------------------------------------------


class Refusal(enum.StrEnum):
    WRONG = "wrong_password"  # or unknown name: the page never says which
    LOCKED = "account_locked"
    TOO_MANY_FROM_IP = "ip_limited"


@dataclass(frozen=True)
class SignIn:
    staff: Staff | None
    refusal: Refusal | None = None
    retry_after_s: float = 0.0


def lock_seconds(failures: int) -> float:
    """How long the account stays locked after ``failures`` consecutive wrong passwords. Pure."""
    if failures < ACCOUNT_FREE_FAILURES:
        return 0.0
    return ACCOUNT_LOCK.delay_s(failures - ACCOUNT_FREE_FAILURES + 1)


async def recent_failures_from(session: AsyncSession, ip: str, now: datetime) -> int:
    since = now - timedelta(seconds=IP_WINDOW_S)
    stmt = (
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == audit.SIGN_IN_FAILED, AuditLog.ip == ip, AuditLog.created_at >= since)
    )
    return int(await session.scalar(stmt) or 0)


async def check_sign_in(session: AsyncSession, name: str, password: str, ip: str, now: datetime) -> SignIn:
    """Verify a sign-in and update the account's failure count. The caller records the audit line."""
    if await recent_failures_from(session, ip, now) >= IP_MAX_FAILURES:
        return SignIn(None, Refusal.TOO_MANY_FROM_IP, IP_WINDOW_S)
    staff = await find_staff(session, name)
    if staff is None:
        await _verify(_DUMMY_HASH, password)
        return SignIn(None, Refusal.WRONG)
    locked_until = aware(staff.locked_until)
    if locked_until is not None and locked_until > now:
        # Not even checked: a correct guess during a lock-out must not be distinguishable from a wrong one.
        return SignIn(None, Refusal.LOCKED, (locked_until - now).total_seconds())
    if not await _verify(staff.password_hash, password):
        staff.failed_attempts += 1
        pause = lock_seconds(staff.failed_attempts)
        staff.locked_until = now + timedelta(seconds=pause) if pause else None
        return SignIn(None, Refusal.WRONG)
    staff.failed_attempts, staff.locked_until, staff.last_sign_in_at = 0, None, now
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = await hash_password(password)
    return SignIn(staff)
