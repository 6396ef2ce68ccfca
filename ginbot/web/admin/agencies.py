"""Agencies and cohorts: browse and search, and replace the official lists by uploading a CSV through the
same all-or-nothing import as `ginbot import` (every error shown with its line and column)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import func, select

from ginbot.db import queries
from ginbot.db.csv_import import (
    CsvError,
    ImportFailed,
    ImportSummary,
    import_agencies,
    import_cohorts,
    parse_agencies,
    parse_cohorts,
)
from ginbot.db.models import ChatUser, Cohort
from ginbot.nlu.agency_table import AgencyEntry
from ginbot.web.admin import agency_search, audit, context, forms, views

log = logging.getLogger(__name__)
KINDS = {"agencies": "รายชื่อหน่วยงาน (agencies.csv)", "cohorts": "กำหนดการกลุ่ม (cohorts.csv)"}


async def _page(
    request: web.Request, *, errors: list[CsvError] | None = None, kind: str = "agencies", status: int = 200
) -> web.Response:
    q = request.query.get("q", "").strip()
    cohort = forms.small_int(request.query.get("cohort", ""))  # "²" or junk: no filter, not a 500
    async with context.db(request).session() as session:
        cohorts = await queries.cohorts(session)
        agencies = await queries.agencies(session)
        per_cohort = await queries.agency_counts_by_cohort(session)
        people = dict(
            (await session.execute(
                select(ChatUser.agency_id, func.count())
                .where(ChatUser.agency_id.is_not(None), ChatUser.subscribed.is_(True), ChatUser.blocked.is_(False))
                .group_by(ChatUser.agency_id)
            )).all()
        )  # fmt: skip
    entries = [
        AgencyEntry(a.id, a.name_th, a.abbr_th, a.name_en, a.abbr_en, a.ministry_th, a.cohort, tuple(a.alias_list()))
        for a in agencies
    ]
    by_id = {a.id: a for a in agencies}
    # Typo-forgiving like the bot; the matcher's segmenting is CPU work, so off the event loop.
    found = await asyncio.to_thread(agency_search.search, entries, q)
    shown = [by_id[i] for i in found if cohort is None or by_id[i].cohort == cohort]
    values = {
        "q": q, "cohort": cohort, "cohorts": cohorts, "per_cohort": per_cohort, "agencies": shown,
        "total": len(agencies), "people": people, "errors": errors or [], "kinds": KINDS, "kind": kind,
    }  # fmt: skip
    return await views.render(request, "agencies.html", values, section="agencies", status=status)


async def page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


async def _apply(request: web.Request, kind: str, data: bytes, name: str) -> ImportSummary:
    """Validate everything, then apply in one transaction; ImportFailed lists every problem."""
    async with context.db(request).session() as session:
        if kind == "cohorts":
            cohort_rows, errors = parse_cohorts(data, name)
            if errors:
                raise ImportFailed(errors)
            return await import_cohorts(session, cohort_rows, name)
        known = set((await session.scalars(select(Cohort.number))).all())
        agency_rows, errors = parse_agencies(data, known, name)
        if errors:
            raise ImportFailed(errors)
        return await import_agencies(session, agency_rows, name)


async def _refresh_bot(request: web.Request) -> bool:
    """Make the running bot use the new lists; True when its agency-name matcher was rebuilt as well."""
    from ginbot.core.dialogue import Bot
    from ginbot.nlu.engine import Nlu
    from ginbot.wiring import refresh_agencies

    bot = context.bot(request)
    if not isinstance(bot, context.Reloadable):
        return False
    await bot.reload()
    nlu = context.nlu_of(bot)
    if not isinstance(bot, Bot) or not isinstance(nlu, Nlu):
        return False

    catalog = await bot.catalog()
    await asyncio.get_running_loop().run_in_executor(None, refresh_agencies, nlu, catalog)
    return True


async def upload(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    form = await request.post()
    kind = str(form.get("kind", ""))
    upload = form.get("file")
    if kind not in KINDS:
        raise await views.redirect_with_notice(request, "/admin/agencies", "เลือกชนิดไฟล์ที่จะนำเข้า")
    if not isinstance(upload, web.FileField):
        raise await views.redirect_with_notice(request, "/admin/agencies", "เลือกไฟล์ CSV ก่อนกด “นำเข้า”")
    # Only the base name: it is shown back in error lines, never used as a path.
    name = (upload.filename or f"{kind}.csv").replace("\\", "/").rsplit("/", 1)[-1][:100]
    data = upload.file.read()
    ip = context.client_ip(request)
    try:
        summary = await _apply(request, kind, data, name)
    except ImportFailed as exc:
        async with context.db(request).session() as session:
            failed = {"kind": kind, "file": name, "errors": [e.thai() for e in exc.errors[:50]]}
            await audit.record(session, audit.CSV_IMPORT_FAILED, staff_name=me.name, details=failed, ip=ip)
        return await _page(request, errors=exc.errors, kind=kind, status=400)
    async with context.db(request).session() as session:
        details: dict[str, object] = {
            "kind": kind, "file": name, "created": summary.created, "updated": summary.updated,
            "unchanged": summary.unchanged, "removed": summary.removed, "removed_ids": summary.removed_ids,
        }  # fmt: skip
        await audit.record(session, audit.CSV_IMPORTED, staff_name=me.name, details=details, ip=ip)
    try:
        matcher = await _refresh_bot(request)
        live = "บอตใช้ข้อมูลใหม่แล้ว" if matcher else "บอตใช้ข้อมูลใหม่แล้ว (การจำชื่อหน่วยงานใหม่ต้องรีสตาร์ต)"
    except Exception:
        log.exception("admin import: the running bot could not reload the lists")
        live = "ข้อมูลถูกบันทึกแล้ว แต่บอตที่ทำงานอยู่ยังไม่เห็น กรุณารีสตาร์ต ginbot"
    notice = (
        f"นำเข้า {KINDS[kind]} สำเร็จ: เพิ่ม {summary.created} แก้ไข {summary.updated} "
        f"เหมือนเดิม {summary.unchanged} ลบ {summary.removed} — {live}"
    )
    raise await views.redirect_with_notice(request, "/admin/agencies", notice)
