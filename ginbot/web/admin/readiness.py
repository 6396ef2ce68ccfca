"""Readiness for staff: per cohort and per agency, who says AcuConference 9 works; agencies with nobody
confirmed ready stand out; a chart over days; CSV export; a nudge button (the composer, prefilled with a
``notready:`` target, so the usual preview → confirm → audit path applies); and recording a person's
status by hand after a phone call (source "staff", audited)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from ginbot.core import readiness_report
from ginbot.db import queries
from ginbot.db import readiness as store
from ginbot.web.admin import audit, context, views
from ginbot.web.admin.readiness_chart import chart_svg

STATUS_TH = {
    store.READY: "ใช้ได้แล้ว",
    store.PROBLEM: "มีปัญหา",
    store.NOT_INSTALLED: "ยังไม่ได้ติดตั้ง",
    None: "ยังไม่ตอบ",
}
SOURCE_TH = {"button": "กดปุ่ม", "text": "พิมพ์ตอบ", "staff": "เจ้าหน้าที่บันทึก"}
CSV_HEADER = ("cohort", "agency_id", "name_th", *readiness_report.COLUMNS)
# The chart starts a week before migration day (people who installed early) and shows at most this much.
CHART_LEAD_DAYS = 7
CHART_MAX_DAYS = 60


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _chart_range(migration: date, today: date) -> tuple[date, date]:
    first = migration - timedelta(days=CHART_LEAD_DAYS)
    last = max(today, migration)
    return max(first, last - timedelta(days=CHART_MAX_DAYS - 1)), last


def nudge_link(target: str, value: str) -> str:
    """The composer, prefilled to reach those of a cohort or an agency not confirmed ready."""
    query = {"target_kind": target, target: value, "notready": "1"}
    return "/admin/broadcasts/new?" + urlencode(query)


async def page(request: web.Request) -> web.StreamResponse:
    tz = ZoneInfo(context.settings(request).timezone)
    today = context.clock(request).today()
    wanted_agency = (request.query.get("agency") or "").strip().lower() or None
    async with context.db(request).session() as session:
        report = await readiness_report.load(session)
        cohorts = {c.number: c for c in await queries.cohorts(session)}
        agencies = {a.id: a for a in await queries.agencies(session)}
        agency = agencies.get(wanted_agency) if wanted_agency else None
        if wanted_agency and agency is None:
            raise web.HTTPNotFound(text="no such agency")
        number = agency.cohort if agency else _int(request.query.get("cohort"))
        if number not in cohorts:
            number = min(cohorts) if cohorts else None
        people: list[store.PersonStatus] = []
        if agency is not None:
            people = list(await store.agency_people(session, agency.id))
            members = [p.user_id for p in people]
        else:
            members = [s.user_id for s in await store.subscriber_statuses(session, number)] if number else []
        history = await store.history(session, members)
    selected = next((c for c in report if c.cohort == number), None)
    chart = ""
    if number is not None:
        first, last = _chart_range(cohorts[number].migration_date, today)
        days = readiness_report.over_days(members, history, first, last, tz)
        whom = agency.name_th if agency else f"กลุ่มที่ {number}"
        chart = chart_svg(days, f"สถานะความพร้อมของ{whom} รายวัน")
    agency_row = None
    if agency is not None and selected is not None:
        agency_row = next((a for a in selected.agencies if a.id == agency.id), None)
    values: dict[str, Any] = {
        "report": report,
        "selected": selected,
        "cohort": cohorts.get(number) if number else None,
        "agency": agency,
        "agency_row": agency_row,
        "people": people,
        "chart": chart,
        "status_th": STATUS_TH,
        "source_th": SOURCE_TH,
        "statuses": store.STATUSES,
        "nudge_cohort": nudge_link("cohort", str(number)) if number else "",
        "nudge_agency": nudge_link("agency", agency.id) if agency else "",
        "today": today,
    }
    return await views.render(request, "readiness.html", values, section="readiness")


async def csv_export(request: web.Request) -> web.StreamResponse:
    number = _int(request.query.get("cohort"))
    async with context.db(request).session() as session:
        report = await readiness_report.load(session, number)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for c in report:
        writer.writerow((c.cohort, "", "", *c.counts.as_dict().values()))
        for a in c.agencies:
            writer.writerow((c.cohort, a.id, a.name_th, *a.counts.as_dict().values()))
    name = f"readiness-cohort-{number}.csv" if number else "readiness.csv"
    # A byte-order mark so Excel opens the Thai names as UTF-8.
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def set_status(request: web.Request) -> web.StreamResponse:
    """Staff record a person's status by hand (after a phone call): source "staff", audited."""
    me = context.signed(request)
    form = await request.post()
    user_id = _int(str(form.get("user_id", "")))
    status = str(form.get("status", ""))
    async with context.db(request).session() as session:
        agency_id = await store.subscriber_agency(session, user_id) if user_id else None
        if agency_id is None or status not in store.STATUSES:
            raise web.HTTPBadRequest(text="unknown subscriber or status")
        await store.record(session, user_id or 0, status, "staff", context.clock(request).now(), staff_name=me.name)
        details = {"user_id": user_id, "agency": agency_id, "status": status}
        await audit.record(
            session, audit.READINESS_SET, staff_name=me.name, details=details, ip=context.client_ip(request)
        )
    raise await views.redirect_with_notice(
        request,
        f"/admin/readiness?agency={agency_id}",
        f"บันทึกสถานะผู้ใช้ #{user_id} เป็น “{STATUS_TH[status]}” แล้ว",
    )
