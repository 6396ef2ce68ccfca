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

# Growing delays, never a hard lock. Five free tries cover typos; after that each wrong password makes
# the next try wait twice as long as the last (30 s, 1 min, 2 min … capped at 15 min): a person waits a
# little, a guesser gets a few hundred tries a day instead of millions.
# - Per account, the delay holds only for addresses this account has never signed in from (within
#   KNOWN_ADDRESS_DAYS): an outsider hammering the known name "admin" slows down outsiders, not the staff
#   member at their usual desk.
# - Per address, across every account name (guessing names as well as passwords), after ten free failures
#   within IP_WINDOW_S: the guesser's own address slows down, nobody else's.
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_LOCK_BASE_S = 30.0
ACCOUNT_LOCK_MAX_S = 15 * 60.0
ACCOUNT_LOCK = Backoff(first_s=ACCOUNT_LOCK_BASE_S, max_s=ACCOUNT_LOCK_MAX_S)
IP_WINDOW_S = 15 * 60.0
IP_FREE_FAILURES = 10
KNOWN_ADDRESS_DAYS = 90


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


def lock_seconds(failures: int, free: int = ACCOUNT_FREE_FAILURES) -> float:
    """How long the next try waits after ``failures`` wrong passwords (``free`` of them cost nothing). Pure."""
    if failures < free:
        return 0.0
    return ACCOUNT_LOCK.delay_s(failures - free + 1)


async def address_wait_s(session: AsyncSession, ip: str, now: datetime) -> float:
    """Seconds this address must still wait before its next try (its recent failures, all accounts)."""
    failures, last = await audit.failed_sign_ins_from(session, ip, now - timedelta(seconds=IP_WINDOW_S))
    if last is None:
        return 0.0
    return max(0.0, (last + timedelta(seconds=lock_seconds(failures, IP_FREE_FAILURES)) - now).total_seconds())


async def known_address(session: AsyncSession, name: str, ip: str, now: datetime) -> bool:
    """Whether this account signed in from this address lately (its usual desk, not an outsider)."""
    since = now - timedelta(days=KNOWN_ADDRESS_DAYS)
    stmt = (
        select(AuditLog.id)
        .where(AuditLog.action == audit.SIGN_IN, AuditLog.ip == ip, AuditLog.staff_name == name)
        .where(AuditLog.created_at >= since)
        .limit(1)
    )
    return await session.scalar(stmt) is not None


async def check_sign_in(session: AsyncSession, name: str, password: str, ip: str, now: datetime) -> SignIn:
    """Verify a sign-in and update the account's failure count. The caller records the audit line."""
    wait_s = await address_wait_s(session, ip, now)
    if wait_s > 0:
        return SignIn(None, Refusal.TOO_MANY_FROM_IP, wait_s)
    staff = await find_staff(session, name)
    if staff is None:
        await _verify(_DUMMY_HASH, password)
        return SignIn(None, Refusal.WRONG)
    locked_until = aware(staff.locked_until)
    if locked_until is not None and locked_until > now and not await known_address(session, name, ip, now):
        # Not even checked: a correct guess during the wait must not be distinguishable from a wrong one.
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
