"""Sign-in slows guessers down without letting them lock staff out, and the audit log counts, not floods.

Addresses are told apart the way production does behind its reverse proxy: the test client is the trusted
proxy (127.0.0.1) and says in X-Forwarded-For whom it forwards for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ginbot.db.models import AuditLog, Staff
from ginbot.db.session import Database
from ginbot.web.admin import accounts, audit
from ginbot.web.app import create_app
from ginbot.web.client_address import client_address
from tests.web.admin.conftest import PASSWORD, Client, RecordingBot, add_staff, admin_settings, csrf_of

DESK = "198.51.100.7"  # where somchai always signs in from
OUTSIDER = "203.0.113.66"
NEWCOMER = "192.0.2.10"


@pytest.fixture
async def behind_proxy(seeded_sqlite: Database) -> AsyncIterator[Client]:
    await add_staff(seeded_sqlite)
    settings = admin_settings(GINBOT_TRUSTED_PROXIES="127.0.0.1")
    app = create_app(settings, db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        yield client


async def sign_in_from(client: Client, address: str, name: str = "somchai", password: str = PASSWORD) -> int:
    headers = {"X-Forwarded-For": address}
    page = await client.get("/admin/signin", headers=headers)
    form = {"csrf": csrf_of(await page.text()), "name": name, "password": password}
    resp = await client.post("/admin/signin", data=form, headers=headers, allow_redirects=False)
    await resp.read()
    client.session.cookie_jar.clear()  # every attempt as a fresh browser
    return resp.status


async def test_an_outsider_hammering_the_account_cannot_keep_staff_out_of_their_usual_desk(
    behind_proxy: Client, seeded_sqlite: Database
) -> None:
    assert await sign_in_from(behind_proxy, DESK) == 303  # somchai's usual address, known from now on
    statuses = [await sign_in_from(behind_proxy, OUTSIDER, password="guess-123") for _ in range(8)]
    # Five free guesses, then the outsider waits (growing), never even having the password checked.
    assert statuses == [401] * accounts.ACCOUNT_FREE_FAILURES + [429] * 3
    # Someone new (an address the account never used) waits too, for a while (no hard lock: the wait
    # runs out, see test_security), and the wait grows with the outsider's tries.
    assert await sign_in_from(behind_proxy, NEWCOMER) == 429
    async with seeded_sqlite.session() as session:
        staff = await session.scalar(select(Staff))
        assert staff is not None and staff.locked_until is not None
    assert await sign_in_from(behind_proxy, DESK) == 303  # staff at their desk, during the wait: straight in
    # Their good sign-in ends the wait for everyone.
    assert await sign_in_from(behind_proxy, NEWCOMER) == 303


async def test_an_address_that_keeps_failing_waits_longer_each_time(
    behind_proxy: Client, seeded_sqlite: Database
) -> None:
    for n in range(accounts.IP_FREE_FAILURES):
        assert await sign_in_from(behind_proxy, OUTSIDER, name=f"guess{n}", password="x") == 401
    waits = []
    for _ in range(2):
        page = await behind_proxy.get("/admin/signin", headers={"X-Forwarded-For": OUTSIDER})
        form = {"csrf": csrf_of(await page.text()), "name": "somchai", "password": PASSWORD}
        refused = await behind_proxy.post(
            "/admin/signin", data=form, headers={"X-Forwarded-For": OUTSIDER}, allow_redirects=False
        )
        assert refused.status == 429
        waits.append(int(refused.headers["Retry-After"]))
        # The wait passes (the clock is moved back on the recorded failures), and one more guess fails.
        async with seeded_sqlite.session() as session:
            for row in (await session.scalars(select(AuditLog).where(AuditLog.ip == OUTSIDER))).all():
                earlier = datetime.now(UTC) - timedelta(seconds=waits[-1] + 1)
                row.details = {**row.details, "last_wrong_at": earlier.isoformat()}
        assert await sign_in_from(behind_proxy, OUTSIDER, name="guess-again", password="x") == 401
    assert waits[1] > waits[0] >= 30
    # Nobody else is slowed by that address's failures.
    assert await sign_in_from(behind_proxy, DESK) == 303


async def test_refused_sign_ins_are_one_audit_row_per_address_and_account_with_a_count(
    behind_proxy: Client, seeded_sqlite: Database
) -> None:
    for _ in range(3):
        assert await sign_in_from(behind_proxy, OUTSIDER, password="wrong-1") == 401
    assert await sign_in_from(behind_proxy, OUTSIDER, name="root", password="x") == 401
    assert await sign_in_from(behind_proxy, NEWCOMER, password="wrong-2") == 401
    async with seeded_sqlite.session() as session:
        rows = (
            await session.execute(
                select(AuditLog.ip, AuditLog.staff_name, AuditLog.details).where(
                    AuditLog.action == audit.SIGN_IN_FAILED
                )
            )
        ).all()
    counts = {(ip, name): details["count"] for ip, name, details in rows}
    assert counts == {(OUTSIDER, "somchai"): 3, (OUTSIDER, "root"): 1, (NEWCOMER, "somchai"): 1}


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    anonymous: Client, seeded_sqlite: Database
) -> None:
    # No GINBOT_TRUSTED_PROXIES: the header is anyone's to forge, so the peer's address is recorded.
    assert await sign_in_from(anonymous, OUTSIDER, password="wrong") == 401
    async with seeded_sqlite.session() as session:
        assert (await session.scalars(select(AuditLog.ip).where(AuditLog.action == audit.SIGN_IN_FAILED))).all() == ["127.0.0.1"]


async def test_behind_a_trusted_proxy_the_forwarded_client_is_recorded(
    behind_proxy: Client, seeded_sqlite: Database
) -> None:
    assert await sign_in_from(behind_proxy, f"10.9.9.9, {OUTSIDER}", password="wrong") == 401
    async with seeded_sqlite.session() as session:
        assert (await session.scalars(select(AuditLog.ip).where(AuditLog.action == audit.SIGN_IN_FAILED))).all() == [OUTSIDER]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.1", ["198.51.100.2"], [], "203.0.113.1"),  # no proxies configured: the peer
        ("203.0.113.1", ["198.51.100.2"], ["10.0.0.0/8"], "203.0.113.1"),  # peer is not a proxy
        ("10.0.0.5", ["198.51.100.2"], ["10.0.0.0/8"], "198.51.100.2"),
        ("10.0.0.5", ["6.6.6.6, 198.51.100.2, 10.0.0.7"], ["10.0.0.0/8"], "198.51.100.2"),  # right-most untrusted
        ("10.0.0.5", ["6.6.6.6", "198.51.100.2"], ["10.0.0.0/8"], "198.51.100.2"),  # several header lines
        ("10.0.0.5", ["not-an-address"], ["10.0.0.0/8"], "10.0.0.5"),  # garbled: the proxy itself
        ("10.0.0.5", [], ["10.0.0.0/8"], "10.0.0.5"),
        ("::1", ["2001:db8::1"], ["::1/128"], "2001:db8::1"),
        (None, ["198.51.100.2"], ["10.0.0.0/8"], "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], trusted: list[str], client: str) -> None:
    import ipaddress

    networks = [ipaddress.ip_network(t) for t in trusted]
    assert client_address(peer, forwarded, networks) == client
