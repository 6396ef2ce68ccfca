"""Rendering admin pages: the shared page context (who is signed in, CSRF token, a one-shot notice,
the menu) and the Jinja filters for Thai dates and numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ginbot.channels.registry import REGISTRY
from ginbot.nlu.thaidate import thai_date, thai_date_short
from ginbot.web.admin import context, sessions

BANGKOK = ZoneInfo("Asia/Bangkok")

MENU: tuple[tuple[str, str, str], ...] = (
    ("dashboard", "/admin", "ภาพรวม"),
    ("inbox", "/admin/inbox", "คุยกับผู้ใช้"),
    ("broadcasts", "/admin/broadcasts", "ประกาศ"),
    ("readiness", "/admin/readiness", "ความพร้อม v9"),
    ("unanswered", "/admin/unanswered", "คำถามที่ตอบไม่ได้"),
    ("agencies", "/admin/agencies", "หน่วยงานและกลุ่ม"),
    ("audit", "/admin/audit", "บันทึกการใช้งาน"),
)


def th_datetime(value: datetime | None) -> str:
    """``3 ก.ค. 2563 14:05`` in Bangkok time; SQLite's naive values are taken as UTC."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    local = value.astimezone(BANGKOK)
    return f"{thai_date_short(local.date())} {local:%H:%M}"


def th_date(value: date | None, long: bool = False) -> str:
    if value is None:
        return "–"
    return thai_date(value, weekday=False) if long else thai_date_short(value)


def number(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def channel_title(name: str) -> str:
    titles = REGISTRY.titles()
    return titles.get(name, name)


def percent(part: int, whole: int) -> str:
    return "–" if not whole else f"{100 * part / whole:.1f}%"


def install_filters(app: web.Application) -> None:
    env = aiohttp_jinja2.get_env(app)
    env.filters.update(th_datetime=th_datetime, th_date=th_date, number=number)
    env.globals.update(
        percent=percent, menu=MENU, channel_title=channel_title, push_channels=REGISTRY.push_names
    )


async def render(
    request: web.Request, template: str, values: Mapping[str, Any], *, section: str = "", status: int = 200
) -> web.Response:
    """Render ``admin/<template>`` with the shared context; shows (and clears) a pending notice."""
    me = request.get(context.SIGNED_KEY)
    page: dict[str, Any] = {"section": section, "me": None, "csrf": "", "flash": None}
    if isinstance(me, sessions.Signed):
        page.update(me=me.name, csrf=me.csrf_token, flash=me.flash)
        if me.flash:
            async with context.db(request).session() as session:
                await sessions.clear_flash(session, me.token_hash)
    page.update(values)
    return aiohttp_jinja2.render_template(f"admin/{template}", request, page, status=status)


async def redirect_with_notice(request: web.Request, location: str, notice: str) -> web.HTTPSeeOther:
    """Post/redirect/get: keep ``notice`` for the next page of this session, then send the browser on."""
    me = context.signed(request)
    async with context.db(request).session() as session:
        await sessions.set_flash(session, me.token_hash, notice)
    return web.HTTPSeeOther(location)
