"""The readiness pages over HTTP (both databases): counts per cohort and agency, agencies with nobody
ready first, the chart, CSV, staff recording a status (audited), and the nudge through the composer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from ginbot.db import readiness
from ginbot.db.models import AuditLog, Broadcast, ChatUser, Readiness, ReadinessReport
from tests.web.admin.conftest import Admin, add_people


async def two_agencies(admin: Admin) -> tuple[str, str, dict[str, int]]:
    """Cohort 1: tmd (one ready, one problem, one who never answered) and dga (one not installed)."""
    await add_people(admin.db, [
        {"channel": "line", "platform_user_id": "U1", "agency_id": "tmd"},
        {"channel": "telegram", "platform_user_id": "2", "agency_id": "tmd"},
        {"channel": "line", "platform_user_id": "U3", "agency_id": "tmd"},
        {"channel": "line", "platform_user_id": "U4", "agency_id": "dga"},
        {"channel": "line", "platform_user_id": "U5", "agency_id": "rd"},  # cohort 2
    ])  # fmt: skip
    async with admin.db.session() as session:
        ids = dict((await session.execute(select(ChatUser.platform_user_id, ChatUser.id))).all())
        at = datetime(2020, 7, 1, 3, 0, tzinfo=UTC)  # 10:00 Bangkok on cohort 1's migration day
        await readiness.record(session, ids["U1"], "ready", "button", at)
        await readiness.record(session, ids["2"], "problem", "text", at)
        await readiness.record(session, ids["U4"], "not_installed", "button", at)
    return "tmd", "dga", ids


async def test_cohort_page_counts_and_puts_agencies_nobody_ready_first(admin: Admin) -> None:
    await two_agencies(admin)
    html = await (await admin.client.get("/admin/readiness?cohort=1")).text()
    assert "ความพร้อมใช้งาน AcuConference 9" in html
    # Cohort 1 row: 4 subscribers, 1 ready, 1 problem, 1 not installed, 1 no answer; 13 of 14 agencies unready.
    assert '<td class="n">4</td><td class="n ok">1</td>' in html and "13 จาก 14" in html
    rows = html.split('<table id="agencies">')[1]
    assert rows.index('data-agency="dga"') < rows.index('data-agency="tmd"')  # nobody ready first
    assert 'class="nobody-ready" data-agency="dga"' in rows and 'class="has-ready" data-agency="tmd"' in rows
    assert '<svg class="readiness-chart"' in html and 'data-series="ready"' in html
    assert "/admin/broadcasts/new?target_kind=cohort&amp;cohort=1&amp;notready=1" in html


async def test_agency_page_shows_each_person_and_how_they_answered(admin: Admin) -> None:
    await two_agencies(admin)
    html = await (await admin.client.get("/admin/readiness?agency=tmd")).text()
    assert "กรมอุตุนิยมวิทยา" in html and 'data-field="subscribers">3<' in html
    assert html.count("<td>#") == 3 and "กดปุ่ม" in html and "พิมพ์ตอบ" in html
    assert "1 ก.ค. 2563 10:00" in html  # when, in Bangkok time and the Buddhist era
    assert (await admin.client.get("/admin/readiness?agency=nope")).status == 404


async def test_staff_record_a_status_by_hand_and_it_is_audited(admin: Admin) -> None:
    _, _, ids = await two_agencies(admin)
    resp = await admin.post("/admin/readiness/status", {"user_id": str(ids["U3"]), "status": "ready"})
    assert resp.status == 303 and resp.headers["Location"] == "/admin/readiness?agency=tmd"
    async with admin.db.session() as session:
        current = await session.get(Readiness, ids["U3"])
        assert current is not None and (current.status, current.source) == ("ready", "staff")
        last = await session.scalar(select(ReadinessReport).order_by(ReadinessReport.id.desc()))
        assert last is not None and last.staff_name == "somchai"
        entry = await session.scalar(select(AuditLog).where(AuditLog.action == "readiness_set"))
        assert entry is not None and entry.staff_name == "somchai"
        assert entry.details == {"user_id": ids["U3"], "agency": "tmd", "status": "ready"}
    html = await (await admin.client.get("/admin/readiness?agency=tmd")).text()
    assert "เจ้าหน้าที่บันทึก" in html and "บันทึกสถานะผู้ใช้" in html


async def test_bad_status_input_changes_nothing(admin: Admin) -> None:
    _, _, ids = await two_agencies(admin)
    for data in ({"user_id": str(ids["U3"]), "status": "maybe"}, {"user_id": "999999", "status": "ready"}, {}):
        assert (await admin.post("/admin/readiness/status", data)).status == 400
    async with admin.db.session() as session:
        assert await session.get(Readiness, ids["U3"]) is None
        assert await session.scalar(select(AuditLog).where(AuditLog.action == "readiness_set")) is None


async def test_csv_export(admin: Admin) -> None:
    await two_agencies(admin)
    resp = await admin.client.get("/admin/readiness.csv?cohort=1")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert 'filename="readiness-cohort-1.csv"' in resp.headers["Content-Disposition"]
    body = (await resp.read()).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == {
        "cohort": "1", "agency_id": "", "name_th": "", "subscribers": "4", "ready": "1", "problem": "1",
        "not_installed": "1", "no_answer": "1",
    }  # fmt: skip
    tmd = next(r for r in rows if r["agency_id"] == "tmd")
    assert (tmd["name_th"], tmd["subscribers"], tmd["ready"], tmd["no_answer"]) == ("กรมอุตุนิยมวิทยา", "3", "1", "1")
    assert len(rows) == 1 + 14


async def test_the_nudge_goes_through_the_composer_to_those_not_ready(admin: Admin) -> None:
    await two_agencies(admin)
    html = await (await admin.client.get("/admin/broadcasts/new?target_kind=cohort&cohort=1&notready=1")).text()
    assert 'name="notready" value="1" checked' in html
    count = await (await admin.client.get("/admin/api/recipients?target_kind=cohort&cohort=1&notready=1")).json()
    assert count["count"] == 3 and count["target"] == "ผู้ที่ยังไม่ยืนยันว่าใช้ v9 ได้ ในหน่วยงานกลุ่มที่ 1"
    form = {"target_kind": "cohort", "cohort": "1", "notready": "1", "text": "กรุณาติดตั้ง v9", "when": "now"}
    preview = await admin.post("/admin/broadcasts/preview", form)
    page = await preview.text()
    assert preview.status == 200 and "ผู้ที่ยังไม่ยืนยันว่าใช้ v9 ได้ ในหน่วยงานกลุ่มที่ 1" in page
    nonce = page.split('name="nonce" value="')[1].split('"')[0]
    done = await admin.post("/admin/broadcasts", {**form, "nonce": nonce})
    assert done.status == 303
    async with admin.db.session() as session:
        row = await session.scalar(select(Broadcast).where(Broadcast.kind == "announcement"))
        assert row is not None and (row.target_kind, row.target_value, row.recipient_count) == ("notready", "cohort:1", 3)
        entry = await session.scalar(select(AuditLog).where(AuditLog.action == "broadcast_created"))
        assert entry is not None and entry.details["target"] == "notready:cohort:1"
    # "Everyone" cannot be narrowed to the not-ready: the composer says why.
    wrong = await admin.post("/admin/broadcasts/preview", {**form, "target_kind": "all"})
    assert wrong.status == 400 and "เลือกกลุ่มหรือหน่วยงานก่อน" in await wrong.text()
