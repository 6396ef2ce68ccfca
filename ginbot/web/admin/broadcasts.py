"""Staff announcements: compose → preview (recipient count, the text as people will see it) → confirm →
a report page that follows the sender. Storing, counting and reporting are ginbot.delivery's; this module
only turns forms into its calls. The planner fans a stored broadcast out when its time comes."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db import queries
from ginbot.db.models import Broadcast
from ginbot.delivery.broadcasts import DeliveryReport, count_listed, recent_reports, report
from ginbot.delivery.cards import card_of
from ginbot.delivery.service import Author, BroadcastService, Request
from ginbot.delivery.targets import Target, TargetError, count_by_channel
from ginbot.web.admin import context, forms, thai_time, views

STATUS_TH = {
    "draft": "ร่าง (ยังไม่ยืนยัน)",
    "scheduled": "รอถึงเวลาส่ง",
    "fanning_out": "กำลังเตรียมรายชื่อผู้รับ",
    "fanned_out": "กำลังส่ง",
    "skipped": "ข้าม (เลยเวลาส่ง)",
    "cancelled": "ยกเลิกแล้ว",
    "open": "สอบถามอยู่ (ส่งให้ผู้ที่ถึงรอบเพิ่มเรื่อย ๆ)",
}
KIND_TH = {"announcement": "ประกาศ", "reminder": "แจ้งเตือนอัตโนมัติ", "checkin": "สอบถามความพร้อม v9"}
# The confirm step stores a broadcast once per preview: a double click or a re-sent form finds this key.
DEDUPE_PREFIX = "admin:"


def report_view(r: DeliveryReport, agency_names: dict[str, str]) -> dict[str, Any]:
    kind, _, value = r.target.partition(":")
    status = "ส่งครบแล้ว" if r.done and r.status == "fanned_out" else STATUS_TH.get(r.status, r.status)
    settled = r.sent + r.failed + r.blocked + r.skipped
    return {
        **r.as_dict(),
        "send_at": r.send_at,
        "target_th": forms.describe_target(Target(kind, value or None), agency_names),
        "channel_th": forms.describe_channel(r.channel),
        "status_th": status,
        "kind_th": KIND_TH.get(r.kind, r.kind),
        "progress": round(100 * settled / r.total) if r.total else (100 if r.done else 0),
    }


async def _choices(session: AsyncSession) -> tuple[list[int], dict[str, forms.AgencyChoice]]:
    cohorts = [c.number for c in await queries.cohorts(session)]
    agencies = {
        a.id: forms.AgencyChoice(a.id, a.name_th, a.abbr_th, a.abbr_en) for a in await queries.agencies(session)
    }
    return cohorts, agencies


async def _check(request: web.Request, form: forms.BroadcastForm, *, need_text: bool = True) -> tuple[
    forms.Checked, list[int], dict[str, forms.AgencyChoice]
]:  # fmt: skip
    settings = context.settings(request)
    async with context.db(request).session() as session:
        cohorts, agencies = await _choices(session)
    checked = forms.check(
        form, cohorts=cohorts, agencies=agencies, now=context.clock(request).now(),
        tz=ZoneInfo(settings.timezone), need_text=need_text,
    )  # fmt: skip
    return checked, cohorts, agencies


async def _composer(
    request: web.Request, form: forms.BroadcastForm, errors: dict[str, str] | None = None, status: int = 200
) -> web.Response:
    async with context.db(request).session() as session:
        cohorts, agencies = await _choices(session)
    tomorrow_9 = datetime.combine(context.clock(request).today() + timedelta(days=1), time(9))
    values = {
        "form": form,
        "errors": errors or {},
        "cohorts": cohorts,
        "agencies": list(agencies.values()),
        "channel_choices": forms.channel_choices(),
        "send_at_example": thai_time.show(tomorrow_9),
    }
    return await views.render(request, "compose.html", values, section="broadcasts", status=status)


# The list's tabs: staff look for their own announcements, not among hundreds of planner reminders.
TABS = (
    ("announcements", "announcement", "ประกาศ"),
    ("reminders", "reminder", "แจ้งเตือนอัตโนมัติ"),
    ("checkins", "checkin", "สอบถามความพร้อม v9"),
)
PAGE_SIZE = 25


def _list_href(tab: str, *, page: int = 1, skipped: bool = False) -> str:
    query = {"tab": tab, **({"skipped": "1"} if skipped else {}), **({"page": str(page)} if page > 1 else {})}
    return "/admin/broadcasts?" + urlencode(query)


async def list_page(request: web.Request) -> web.StreamResponse:
    """One tab at a time, newest first, a page at a time. Reminders recorded as skipped (a first start long
    after the campaign records one per rule and agency) are counted in one line, listed only on request."""
    wanted = request.query.get("tab", "")
    tab, kind, _label = next((t for t in TABS if t[0] == wanted), TABS[0])
    show_skipped = request.query.get("skipped") == "1"
    async with context.db(request).session() as session:
        counts = await count_listed(session)
        skipped_count = counts.get((kind, True), 0)
        total = counts.get((kind, False), 0) + (skipped_count if show_skipped else 0)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(forms.small_int(request.query.get("page", "1")) or 1, pages)
        reports = await recent_reports(
            session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, kind=kind, skipped=show_skipped
        )
        names = {a.id: a.name_th for a in await queries.agencies(session)}
    values = {
        "reports": [report_view(r, names) for r in reports],
        "tabs": [
            {"id": t, "label": label, "count": counts.get((k, False), 0), "active": t == tab, "href": _list_href(t)}
            for t, k, label in TABS
        ],
        "skipped_count": skipped_count,
        "show_skipped": show_skipped,
        "skipped_href": _list_href(tab, skipped=not show_skipped),
        "page": page,
        "pages": pages,
        "newer_href": _list_href(tab, page=page - 1, skipped=show_skipped) if page > 1 else None,
        "older_href": _list_href(tab, page=page + 1, skipped=show_skipped) if page < pages else None,
    }
    return await views.render(request, "broadcasts.html", values, section="broadcasts")


async def compose(request: web.Request) -> web.StreamResponse:
    """GET: an empty composer. POST (the preview's "แก้ไข" button): the composer refilled."""
    # GET with a query: prefilled (the readiness page's "nudge those not ready" buttons).
    form = forms.BroadcastForm.from_post(await request.post() if request.method == "POST" else request.query)
    return await _composer(request, form)


async def recipients(request: web.Request) -> web.StreamResponse:
    """How many people the composer's current target reaches (the page calls this as it changes)."""
    form = forms.BroadcastForm.from_post(request.query)
    checked, _, agencies = await _check(request, form, need_text=False)
    if not checked.ok or checked.target is None:
        return web.json_response({"error": next(iter(checked.errors.values())), "errors": checked.errors})
    async with context.db(request).session() as session:
        by_channel = await count_by_channel(session, checked.target, checked.channel)
    names = {a.id: a.name_th for a in agencies.values()}
    return web.json_response({
        "count": sum(by_channel.values()),
        "by_channel": by_channel,
        "target": forms.describe_target(checked.target, names),
        "channel": forms.describe_channel(checked.channel),
    })  # fmt: skip


async def preview(request: web.Request) -> web.StreamResponse:
    form = forms.BroadcastForm.from_post(await request.post())
    checked, _, agencies = await _check(request, form)
    if not checked.ok or checked.target is None:
        return await _composer(request, form, checked.errors, status=400)
    async with context.db(request).session() as session:
        by_channel = await count_by_channel(session, checked.target, checked.channel)
    names = {a.id: a.name_th for a in agencies.values()}
    values = {
        "form": form,
        "nonce": secrets.token_urlsafe(16),
        "target_th": forms.describe_target(checked.target, names),
        "channel_th": forms.describe_channel(checked.channel),
        "by_channel": by_channel,
        "count": sum(by_channel.values()),
        "send_at": checked.send_at,
        "later": form.when == "later",
        "card": checked.card,
    }
    return await views.render(request, "preview.html", values, section="broadcasts")


def service(request: web.Request) -> BroadcastService:
    return BroadcastService(context.db(request), now=context.clock(request).now, wakeups=context.wakeups(request))


async def _existing(session: AsyncSession, nonce: str) -> int | None:
    return await session.scalar(select(Broadcast.id).where(Broadcast.dedupe_key == DEDUPE_PREFIX + nonce))


async def confirm(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    form = forms.BroadcastForm.from_post(await request.post())
    if not form.nonce:
        return await _composer(request, form, {"text": "กด “ดูตัวอย่าง” ก่อนยืนยันส่ง"}, status=400)
    db = context.db(request)
    async with db.session() as session:
        done = await _existing(session, form.nonce)
    if done is not None:
        raise web.HTTPSeeOther(f"/admin/broadcasts/{done}")
    checked, _, _ = await _check(request, form)
    if not checked.ok or checked.target is None or checked.send_at is None:
        return await _composer(request, form, checked.errors, status=400)
    wanted = Request(
        checked.target, form.text, Author("admin", me.name, context.client_ip(request)), channel=checked.channel,
        send_at=checked.send_at, dedupe_key=DEDUPE_PREFIX + form.nonce, card=checked.card,
    )  # fmt: skip
    try:
        # Stored, audited and the planners woken: what `ginbot broadcast` and Telegram's /broadcast do too.
        stored = await service(request).create(wanted)
    except TargetError as exc:
        return await _composer(request, form, {"target_kind": str(exc)}, status=400)
    broadcast_id = stored.broadcast_id
    when = "ทันที" if form.when == "now" else views.th_datetime(checked.send_at)
    raise await views.redirect_with_notice(
        request, f"/admin/broadcasts/{broadcast_id}", f"บันทึกประกาศหมายเลข {broadcast_id} แล้ว จะเริ่มส่ง{when}"
    )


async def _report_or_404(request: web.Request) -> tuple[DeliveryReport, Broadcast, dict[str, str]]:
    broadcast_id = forms.small_int(request.match_info["id"])
    if broadcast_id is None:
        raise web.HTTPNotFound(text="no such broadcast")
    async with context.db(request).session() as session:
        found = await report(session, broadcast_id)
        row = await session.get(Broadcast, broadcast_id)
        names = {a.id: a.name_th for a in await queries.agencies(session)}
    if found is None or row is None:
        raise web.HTTPNotFound(text="no such broadcast")
    return found, row, names


async def report_page(request: web.Request) -> web.StreamResponse:
    found, row, names = await _report_or_404(request)
    values = {"r": report_view(found, names), "text": row.text, "created_at": row.created_at, "card": card_of(row.card)}
    return await views.render(request, "report.html", values, section="broadcasts")


async def report_json(request: web.Request) -> web.StreamResponse:
    found, _, names = await _report_or_404(request)
    view = report_view(found, names)
    view["send_at"] = views.th_datetime(found.send_at)
    return web.json_response(view)
