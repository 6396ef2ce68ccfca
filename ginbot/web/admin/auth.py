"""The guard in front of every /admin page, and the pages that sign staff in and out.

- Session: a random token in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS), looked up server-side.
- CSRF: every POST carries the session's token (form field ``csrf`` or header ``X-CSRF-Token``); the
  sign-in form, which has no session yet, uses a double-submit cookie instead.
- Without a session a page redirects to sign-in; an API call or a form post gets 401.
- Every admin response forbids framing and caching and carries a strict Content-Security-Policy, so even a
  templating mistake could not run a script that arrived in a chat message.
"""

from __future__ import annotations

import hmac
import posixpath
import secrets
from urllib.parse import quote, urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from ginbot.web.admin import accounts, audit, context, sessions, views

ADMIN_PREFIX = "/admin"
SIGNIN_PATH = "/admin/signin"
API_PREFIX = "/admin/api/"
SESSION_COOKIE = "ginbot_admin"
SIGNIN_CSRF_COOKIE = "ginbot_admin_signin"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
}


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _same(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def secure_cookies(request: web.Request) -> bool:
    public = context.settings(request).public_url or ""
    return request.secure or public.startswith("https://")


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_admin_path(request.path):
        return await handler(request)
    try:
        response = await _checked(request, handler)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == SIGNIN_PATH:
        return await handler(request)
    async with context.db(request).session() as session:
        me = await sessions.find_session(session, request.cookies.get(SESSION_COOKIE, ""), context.real_now())
    if me is None:
        if request.method in SAFE_METHODS and not request.path.startswith(API_PREFIX):
            return see_other(f"{SIGNIN_PATH}?next={quote(request.path_qs)}")
        raise web.HTTPUnauthorized(text="กรุณาเข้าสู่ระบบใหม่ที่ /admin/signin (sign in first)")
    if request.method not in SAFE_METHODS:
        sent: object = request.headers.get(CSRF_HEADER)
        if sent is None:
            sent = (await request.post()).get(CSRF_FIELD)
        if not _same(sent, me.csrf_token):
            raise web.HTTPForbidden(text="แบบฟอร์มหมดอายุ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง (missing or stale CSRF token)")
    request[context.SIGNED_KEY] = me
    return await handler(request)


# --- sign in / out ------------------------------------------------------------------------------------------


def _safe_next(value: object) -> str:
    """Only a path inside /admin: never another site (an open redirect) and never the sign-in page."""
    if not isinstance(value, str):
        return ADMIN_PREFIX
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//") or "\\" in value:
        return ADMIN_PREFIX
    # "/admin/../chat" is a path out of the admin in disguise: judge the path the browser would request.
    path = posixpath.normpath(parts.path)
    if not is_admin_path(path) or path == SIGNIN_PATH:
        return ADMIN_PREFIX
    return path + (f"?{parts.query}" if parts.query else "")


async def _signin_page(
    request: web.Request, *, next_path: object, error: str = "", name: str = "", status: int = 200
) -> web.Response:
    token = request.cookies.get(SIGNIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    values = {"signin_csrf": token, "error": error, "name": name, "next": _safe_next(next_path)}
    response = await views.render(request, "signin.html", values, status=status)
    response.set_cookie(
        SIGNIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", secure=secure_cookies(request),
        path=SIGNIN_PATH, max_age=sessions.SESSION_TTL_S,
    )  # fmt: skip
    return response


async def signin_form(request: web.Request) -> web.StreamResponse:
    async with context.db(request).session() as session:
        me = await sessions.find_session(session, request.cookies.get(SESSION_COOKIE, ""), context.real_now())
    if me is not None:
        return see_other(_safe_next(request.query.get("next")))
    return await _signin_page(request, next_path=request.query.get("next"))


def _refusal_text(result: accounts.SignIn) -> str:
    if result.refusal is accounts.Refusal.WRONG:
        return "ชื่อบัญชีหรือรหัสผ่านไม่ถูกต้อง"
    minutes = max(1, round(result.retry_after_s / 60))
    return f"ลองผิดหลายครั้งเกินไป ระบบระงับการเข้าสู่ระบบชั่วคราว กรุณาลองใหม่ในอีกประมาณ {minutes} นาที"


async def signin(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not _same(form.get(CSRF_FIELD), request.cookies.get(SIGNIN_CSRF_COOKIE, "")):
        raise web.HTTPForbidden(text="แบบฟอร์มหมดอายุ กรุณาโหลดหน้าเข้าสู่ระบบใหม่ (missing sign-in CSRF token)")
    name = str(form.get("name", "")).strip()[:64]
    password = str(form.get("password", ""))
    ip, now = context.client_ip(request), context.real_now()
    async with context.db(request).session() as session:
        result = await accounts.check_sign_in(session, name, password, ip, now)
        if result.staff is None:
            reason = result.refusal.value if result.refusal else "unknown"
            await audit.record_failed_sign_in(session, name or None, ip, reason, now)
            token = None
        else:
            token = await sessions.open_session(session, result.staff, now)
            await audit.record(session, audit.SIGN_IN, staff_name=result.staff.name, ip=ip)
    if token is None:
        status = 401 if result.refusal is accounts.Refusal.WRONG else 429
        page = await _signin_page(
            request, next_path=form.get("next"), error=_refusal_text(result), name=name, status=status
        )
        if status == 429:
            page.headers["Retry-After"] = str(int(result.retry_after_s) + 1)
        return page
    response = see_other(_safe_next(form.get("next")))
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=secure_cookies(request),
        path=ADMIN_PREFIX, max_age=sessions.SESSION_TTL_S,
    )  # fmt: skip
    response.del_cookie(SIGNIN_CSRF_COOKIE, path=SIGNIN_PATH)
    return response


async def signout(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    async with context.db(request).session() as session:
        await sessions.close_session(session, me.token_hash)
        await audit.record(session, audit.SIGN_OUT, staff_name=me.name, ip=context.client_ip(request))
    response = see_other(SIGNIN_PATH)
    response.del_cookie(SESSION_COOKIE, path=ADMIN_PREFIX)
    return response


# --- own password ------------------------------------------------------------------------------------------


async def password_form(request: web.Request) -> web.StreamResponse:
    return await views.render(request, "password.html", {"error": ""}, section="password")


async def change_password(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    form = await request.post()
    current, new, again = (str(form.get(k, "")) for k in ("current", "new", "again"))
    ip, now = context.client_ip(request), context.real_now()
    error = ""
    if new != again:
        error = "รหัสผ่านใหม่สองช่องไม่ตรงกัน"
    else:
        error = accounts.password_problem(new) or ""
    if not error:
        async with context.db(request).session() as session:
            # The current password is checked like a sign-in, lock-out included: a stolen session alone
            # must not be enough to take the account over.
            check = await accounts.check_sign_in(session, me.name, current, ip, now)
            if check.staff is None:
                reason = check.refusal.value if check.refusal else "unknown"
                await audit.record_failed_sign_in(session, me.name, ip, reason, now, during="password_change")
                error = "รหัสผ่านปัจจุบันไม่ถูกต้อง" if check.refusal is accounts.Refusal.WRONG else _refusal_text(check)
            else:
                await accounts.set_password(session, me.name, new, by=me.name, keep_session=me.token_hash, ip=ip)
    if error:
        return await views.render(request, "password.html", {"error": error}, section="password", status=400)
    raise await views.redirect_with_notice(
        request, ADMIN_PREFIX, "เปลี่ยนรหัสผ่านแล้ว อุปกรณ์อื่นที่เคยเข้าสู่ระบบไว้ถูกออกจากระบบทั้งหมด"
    )
