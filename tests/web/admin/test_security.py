"""No admin page without a session, CSRF on every form post, cookies, lock-outs, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from ginbot.db.models import AuditLog, Staff, StaffSession
from ginbot.db.session import Database
from ginbot.web.admin import accounts
from ginbot.web.admin.auth import SESSION_COOKIE, SIGNIN_CSRF_COOKIE, SIGNIN_PATH, is_admin_path
from ginbot.web.app import create_app
from tests.web.admin.conftest import (
    PASSWORD,
    Admin,
    Client,
    RecordingBot,
    add_staff,
    admin_settings,
    another_browser,
    csrf_of,
    sign_in,
)


def admin_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path) of every route under /admin, placeholders filled in."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and is_admin_path(path) and route.method in ("GET", "POST"):
            found.append((route.method, path.replace("{id}", "1")))
    return sorted(set(found))


async def test_no_admin_route_answers_without_a_session(anonymous: Client) -> None:
    routes = admin_routes(anonymous.app)
    assert len(routes) >= 15, routes  # the table really was found
    # Every path with both verbs: a GET-only route must not answer a POST either (and vice versa).
    for path in sorted({path for _method, path in routes}):
        if path == SIGNIN_PATH:
            continue
        for verb in ("GET", "POST"):
            resp = await anonymous.request(verb, path, allow_redirects=False)
            body = await resp.text()
            if resp.status in (302, 303):
                assert resp.headers["Location"].startswith(SIGNIN_PATH), (verb, path)
            else:
                assert resp.status in (401, 403), (verb, path, resp.status, body[:200])
            assert "ภาพรวม" not in body and "somchai" not in body, (verb, path)


async def test_a_page_without_a_session_redirects_to_sign_in_and_back(anonymous: Client) -> None:
    resp = await anonymous.get("/admin/unanswered", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/admin/signin?next=/admin/unanswered"
    page = await anonymous.get(resp.headers["Location"])
    html = await page.text()
    assert 'value="/admin/unanswered"' in html
    signed = await anonymous.post(
        "/admin/signin",
        data={"csrf": csrf_of(html), "name": "somchai", "password": PASSWORD, "next": "/admin/unanswered"},
        allow_redirects=False,
    )
    assert signed.headers["Location"] == "/admin/unanswered"


async def test_next_never_leaves_the_admin(anonymous: Client) -> None:
    for evil in ("//evil.example/x", "https://evil.example/admin", "/\\evil.example", "/chat", "/admin/signin", "/admin/../chat"):
        anonymous.session.cookie_jar.clear()
        page = await anonymous.get("/admin/signin")
        resp = await anonymous.post(
            "/admin/signin",
            data={"csrf": csrf_of(await page.text()), "name": "somchai", "password": PASSWORD, "next": evil},
            allow_redirects=False,
        )
        assert resp.headers["Location"] == "/admin", evil


async def test_session_cookie_is_httponly_lax_and_secure_over_https(seeded_sqlite: Database) -> None:
    await add_staff(seeded_sqlite)
    for public_url, secure in ((None, False), ("https://ginbot.example.go.th", True)):
        env = {"GINBOT_PUBLIC_URL": public_url} if public_url else {}
        app = create_app(admin_settings(**env), db=seeded_sqlite, bot=RecordingBot())  # type: ignore[arg-type]
        async with TestClient(TestServer(app)) as client:
            page = await client.get("/admin/signin")
            signin_cookie = page.cookies[SIGNIN_CSRF_COOKIE]
            assert signin_cookie["httponly"] is True and bool(signin_cookie["secure"]) is secure
            # Sent by hand: a cookie jar rightly keeps a Secure cookie from a plain-HTTP test server.
            resp = await client.post(
                "/admin/signin",
                data={"csrf": csrf_of(await page.text()), "name": "somchai", "password": PASSWORD},
                cookies={SIGNIN_CSRF_COOKIE: signin_cookie.value},
                allow_redirects=False,
            )
            cookie = resp.cookies[SESSION_COOKIE]
            assert cookie["httponly"] is True
            assert cookie["samesite"] == "Lax"
            assert cookie["path"] == "/admin"
            assert bool(cookie["secure"]) is secure
            # Only a hash of the token is stored.
            async with seeded_sqlite.session() as s:
                stored = (await s.scalars(select(StaffSession.token_hash))).all()
            assert cookie.value not in stored and len(stored) >= 1


async def test_wrong_password_is_refused_and_sets_no_session(anonymous: Client, seeded_sqlite: Database) -> None:
    resp = await sign_in(anonymous, password="not the password")
    assert resp.status == 401
    assert SESSION_COOKIE not in resp.cookies
    assert "ชื่อบัญชีหรือรหัสผ่านไม่ถูกต้อง" in await resp.text()
    unknown = await sign_in(anonymous, name="nobody", password="whatever")
    assert unknown.status == 401 and "ชื่อบัญชีหรือรหัสผ่านไม่ถูกต้อง" in await unknown.text()
    assert (await anonymous.get("/admin", allow_redirects=False)).status == 303


async def test_form_posts_without_the_csrf_token_are_refused(admin: Admin) -> None:
    client = admin.client
    form = {"target_kind": "all", "text": "ทดสอบ", "when": "now"}
    assert (await client.post("/admin/broadcasts/preview", data=form)).status == 403
    assert (await client.post("/admin/broadcasts/preview", data={**form, "csrf": "guess"})).status == 403
    assert (await client.post("/admin/signout", allow_redirects=False)).status == 403
    ok = await admin.post("/admin/broadcasts/preview", form)
    assert ok.status == 200
    # The sign-in form has no session yet: its token is a double-submit cookie.
    async with another_browser(admin) as fresh:
        refused = await fresh.post("/admin/signin", data={"name": "somchai", "password": PASSWORD})
        assert refused.status == 403


async def test_sign_out_ends_the_session_on_the_server(admin: Admin) -> None:
    cookie = admin.client.session.cookie_jar.filter_cookies(admin.client.make_url("/admin"))[SESSION_COOKIE].value
    resp = await admin.post("/admin/signout", {})
    assert resp.status == 303 and resp.headers["Location"] == SIGNIN_PATH
    async with admin.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(StaffSession)) == 0
    # The old cookie, replayed, is worthless.
    replay = await admin.client.get("/admin", cookies={SESSION_COOKIE: cookie}, allow_redirects=False)
    assert replay.status == 303


async def test_an_expired_session_redirects(admin: Admin) -> None:
    async with admin.db.session() as s:
        await s.execute(update(StaffSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert (await admin.client.get("/admin", allow_redirects=False)).status == 303


async def test_repeated_wrong_passwords_lock_the_account_for_growing_times(
    anonymous: Client, seeded_sqlite: Database
) -> None:
    for _ in range(accounts.ACCOUNT_FREE_FAILURES - 1):
        assert (await sign_in(anonymous, password="wrong-password")).status == 401
    # The fifth failure locks; now even the right password is refused, with a wait to show.
    assert (await sign_in(anonymous, password="wrong-password")).status == 401
    locked = await sign_in(anonymous)
    assert locked.status == 429
    assert "ลองผิดหลายครั้งเกินไป" in await locked.text() and int(locked.headers["Retry-After"]) > 0
    async with seeded_sqlite.session() as s:
        staff = await s.scalar(select(Staff))
        assert staff is not None and staff.failed_attempts == accounts.ACCOUNT_FREE_FAILURES
        # Time passes: the lock runs out and the right password works, resetting the count.
        staff.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert (await sign_in(anonymous)).status == 303
    async with seeded_sqlite.session() as s:
        staff = await s.scalar(select(Staff))
        assert staff is not None and staff.failed_attempts == 0 and staff.locked_until is None


def test_lock_time_doubles_then_caps() -> None:
    table = {1: 0, 4: 0, 5: 30, 6: 60, 7: 120, 9: 480, 10: 900, 30: 900}
    assert {n: accounts.lock_seconds(n) for n in table} == table


async def test_many_failures_from_one_address_slow_down_that_address(anonymous: Client) -> None:
    for n in range(accounts.IP_FREE_FAILURES):
        assert (await sign_in(anonymous, name=f"guess{n}", password="x")).status == 401
    resp = await sign_in(anonymous)  # the right password for a real account, from the same address
    assert resp.status == 429
    assert SESSION_COOKIE not in resp.cookies


async def test_admin_responses_forbid_framing_caching_and_inline_scripts(admin: Admin) -> None:
    for path in ("/admin", "/admin/signin"):
        resp = await admin.client.get(path)
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    chat = await admin.client.get("/")
    # The web chat gets its own headers, not the admin's: framing forbidden, caching allowed.
    assert chat.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert "Cache-Control" not in chat.headers


async def test_admin_password_creates_the_first_account_only(seeded_sqlite: Database) -> None:
    settings = admin_settings(GINBOT_ADMIN_PASSWORD="first-admin-password")
    async with TestClient(TestServer(create_app(settings, db=seeded_sqlite, bot=RecordingBot()))) as client:  # type: ignore[arg-type]
        assert (await sign_in(client, "admin", "first-admin-password")).status == 303
    async with seeded_sqlite.session() as s:
        await s.execute(update(Staff).values(password_hash="changed"))
    # A restart with the variable still set must not reset the account (it exists now).
    async with TestClient(TestServer(create_app(settings, db=seeded_sqlite, bot=RecordingBot()))) as client:  # type: ignore[arg-type]
        assert (await sign_in(client, "admin", "first-admin-password")).status == 401
    async with seeded_sqlite.session() as s:
        assert await s.scalar(select(func.count()).select_from(Staff)) == 1
        created = await s.scalar(select(AuditLog).where(AuditLog.action == "staff_created"))
        assert created is not None and created.details["via"] == "GINBOT_ADMIN_PASSWORD"


async def test_changing_the_password_signs_out_other_browsers(admin: Admin) -> None:
    async with another_browser(admin) as other:
        assert (await sign_in(other)).status == 303
        wrong = await admin.post("/admin/password", {"current": "nope", "new": "a-new-password-1", "again": "a-new-password-1"})
        assert wrong.status == 400 and "รหัสผ่านปัจจุบันไม่ถูกต้อง" in await wrong.text()
        short = await admin.post("/admin/password", {"current": PASSWORD, "new": "short", "again": "short"})
        assert short.status == 400
        ok = await admin.post("/admin/password", {"current": PASSWORD, "new": "a-new-password-1", "again": "a-new-password-1"})
        assert ok.status == 303
        assert (await admin.client.get("/admin")).status == 200  # this browser stays in
        assert (await other.get("/admin", allow_redirects=False)).status == 303  # the other is out
        assert (await sign_in(other, password=PASSWORD)).status == 401
        assert (await sign_in(other, password="a-new-password-1")).status == 303
