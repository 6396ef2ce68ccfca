"""Admin in Thai everywhere: CSV problems, files from Thai Excel, the audit log, typo-forgiving agency
search, Buddhist-era scheduled sends, and a favicon."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from ginbot.db.models import Agency, AuditLog, Broadcast
from ginbot.web.admin.audit_view import describe
from ginbot.web.admin.thai_time import parse_thai_datetime, show
from tests.conftest import ROOT
from tests.web.admin.conftest import Admin
from tests.web.admin.test_pages import upload

AGENCIES = (ROOT / "data" / "agencies.csv").read_text(encoding="utf-8")


async def test_csv_problems_are_explained_in_thai(admin: Admin) -> None:
    header, first, second, *rest = AGENCIES.splitlines()
    bad_cohort = first.split(",")
    bad_cohort[6] = "7"
    body = "\n".join([header, ",".join(bad_cohort), "Bad Id," + second.split(",", 1)[1], *rest]) + "\n"
    resp = await admin.post("/admin/agencies/import", upload("agencies", body.encode()))
    html = unescape(await resp.text())
    assert resp.status == 400
    assert "ไม่มีกลุ่ม '7' (กลุ่มที่มี: 1, 2, 3)" in html
    assert "รหัส 'Bad Id' ใช้ได้เฉพาะ a-z ตัวเล็ก 0-9" in html
    assert "unknown cohort" not in html and "must be lowercase" not in html
    async with admin.db.session() as s:
        failed = await s.scalar(select(AuditLog).where(AuditLog.action == "csv_import_failed"))
    assert failed is not None and all("บรรทัดที่" in e for e in failed.details["errors"])


async def test_a_file_saved_by_thai_excel_is_read_as_thai(admin: Admin) -> None:
    header, first, *rest = AGENCIES.splitlines()
    renamed = first.split(",")
    renamed[1] += " (แก้ใน Excel)"
    body = "\n".join([header, ",".join(renamed), *rest]) + "\r\n"
    resp = await admin.post("/admin/agencies/import", upload("agencies", body.encode("cp874")))
    assert resp.status == 303, await resp.text()
    async with admin.db.session() as s:
        assert await s.scalar(select(func.count()).where(Agency.name_th.like("%(แก้ใน Excel)"))) == 1


async def test_a_file_in_another_encoding_gets_a_thai_way_to_save_it(admin: Admin) -> None:
    # Not UTF-8, and no Thai letters when read as Windows-874 either: ask for UTF-8, in Thai.
    body = "id,name_th,abbr_th,name_en,abbr_en,ministry_th,cohort,aliases\nx,Caf\xe9,,,,,1,\n".encode("latin-1")
    resp = await admin.post("/admin/agencies/import", upload("agencies", body))
    html = await resp.text()
    assert resp.status == 400
    assert "ไฟล์ต้องเป็น UTF-8" in html and "CSV UTF-8 (Comma delimited)" in html


async def test_the_audit_log_reads_as_thai_not_python(admin: Admin) -> None:
    body = AGENCIES
    await admin.post("/admin/agencies/import", upload("agencies", body.encode()))
    html = await (await admin.client.get("/admin/audit")).text()
    assert "<b>ชนิดไฟล์</b> รายชื่อหน่วยงาน" in html and "<b>เหมือนเดิม</b> 163" in html
    assert "<b>รหัสที่ลบ</b> ไม่มี" in html
    for python in ("[]", "['", "{'", "removed_ids", "unchanged"):
        assert python not in html, python


def test_audit_details_are_described_in_thai() -> None:
    details = {
        "broadcast_id": 7, "target": "cohort:2", "channel": None, "send_at": "2020-07-05T02:30:00+00:00",
        "recipients": 1200, "intent": "cannot_join", "message_ids": list(range(1, 9)), "reason": "wrong_password",
        "shiny_new_key": True,
    }  # fmt: skip
    assert describe(details, {"cannot_join": "เข้าประชุมไม่ได้"}) == [
        ("ประกาศเลขที่", "7"),
        ("ส่งถึง", "กลุ่มที่ 2"),
        ("ช่องทาง", "ทุกช่องทาง"),
        ("เวลาส่ง", "5 ก.ค. 2563 09:30"),
        ("จำนวนผู้รับ", "1,200"),
        ("หมวดคำถาม", "เข้าประชุมไม่ได้"),
        ("ข้อความ", "1, 2, 3, 4, 5 … และอีก 3 รายการ"),
        ("สาเหตุ", "ชื่อหรือรหัสผ่านไม่ถูกต้อง"),
        ("shiny_new_key", "ใช่"),  # an unknown key is still shown
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("กรมสรรพกร", ["กรมสรรพากร"]), ("สรรพ", ["กรมสรรพากร", "กรมสรรพสามิต"]), ("กรมศุลกกร", ["กรมศุลกากร"])],
)
async def test_agency_search_forgives_typos_as_the_bot_does(admin: Admin, q: str, expected: list[str]) -> None:
    html = await (await admin.client.get("/admin/agencies", params={"q": q})).text()
    for name in expected:
        assert f"<td>{name}</td>" in html or f">{name}<" in html, (q, name)
    assert "กรมชลประทาน" not in html


@pytest.mark.parametrize(
    "typed",
    ["5 ก.ค. 2563 09:30", "5 กรกฎาคม 2563 9.30 น.", "5/7/2563 09:30", "๕ ก.ค. ๒๕๖๓ ๐๙:๓๐", "2020-07-05T09:30"],
)
def test_scheduled_times_are_read_in_buddhist_era(typed: str) -> None:
    assert parse_thai_datetime(typed) == datetime(2020, 7, 5, 9, 30)


@pytest.mark.parametrize("typed", ["", "พรุ่งนี้", "5 ก.ค. 2563", "31 ก.พ. 2563 09:00", "5 ก.ค. 2563 25:00"])
def test_what_is_not_a_time_is_refused(typed: str) -> None:
    assert parse_thai_datetime(typed) is None


def test_the_field_shows_what_it_reads() -> None:
    moment = datetime(2020, 7, 5, 9, 30)
    assert show(moment) == "5 ก.ค. 2563 09:30" and parse_thai_datetime(show(moment)) == moment


async def test_a_broadcast_is_scheduled_with_a_buddhist_era_date(admin: Admin) -> None:
    page = await (await admin.client.get("/admin/broadcasts/new")).text()
    assert "4 ก.ค. 2563 09:00" in page  # the example is tomorrow (GINBOT_TODAY 2020-07-03), in พ.ศ.
    assert 'type="datetime-local"' not in page
    form = {"target_kind": "all", "text": "ทดสอบตั้งเวลา", "when": "later", "send_at": "5 ก.ค. 2563 09:30"}
    preview = await admin.post("/admin/broadcasts/preview", form)
    html = await preview.text()
    assert preview.status == 200, html
    nonce = html.split('name="nonce" value="')[1].split('"')[0]
    done = await admin.post("/admin/broadcasts", {**form, "nonce": nonce})
    assert done.status == 303
    async with admin.db.session() as s:
        row = await s.scalar(select(Broadcast).where(Broadcast.text == "ทดสอบตั้งเวลา"))
    assert row is not None
    send_at = row.send_at if row.send_at.tzinfo else row.send_at.replace(tzinfo=UTC)
    assert send_at == datetime(2020, 7, 5, 2, 30, tzinfo=UTC)  # 09:30 in Bangkok


async def test_pages_have_a_favicon(admin: Admin) -> None:
    for page in ("/admin", "/"):
        html = await (await admin.client.get(page)).text()
        assert '<link rel="icon" href="/static/favicon.svg"' in html, page
    icon = await admin.client.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    assert (await icon.read()).startswith(b"<svg")
