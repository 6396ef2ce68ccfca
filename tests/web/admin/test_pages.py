"""The admin pages over HTTP, with a recording bot: what staff see and what their actions store."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
from sqlalchemy import func, select

from ginbot.db.models import Agency, AuditLog, Broadcast, MessageLog, OutboxRow, TrainingExample
from ginbot.delivery.planner import plan_once
from tests.conftest import ROOT
from tests.web.admin.conftest import Admin, add_people, csrf_of, log_messages


async def cohort_agency(admin: Admin, cohort: int) -> str:
    async with admin.db.session() as s:
        found = await s.scalar(select(Agency.id).where(Agency.cohort == cohort).order_by(Agency.id))
    assert found is not None
    return found


async def test_dashboard_shows_subscribers_messages_and_fallback_rate(admin: Admin) -> None:
    c1, c2 = await cohort_agency(admin, 1), await cohort_agency(admin, 2)
    await add_people(admin.db, [
        {"channel": "line", "platform_user_id": "U1", "agency_id": c1},
        {"channel": "line", "platform_user_id": "U2", "agency_id": c1},
        {"channel": "telegram", "platform_user_id": "7", "agency_id": c2},
        {"channel": "telegram", "platform_user_id": "8", "agency_id": None},
        {"channel": "line", "platform_user_id": "U3", "agency_id": c2, "subscribed": False},
    ])  # fmt: skip
    await log_messages(admin.db, [("ย้ายวันไหน", "migration_date", 0.9, True)] * 3 + [("ห้องเต็ม", "fallback", 0.2, False)])
    html = await (await admin.client.get("/admin")).text()
    assert "ภาพรวมการย้าย GIN Conference" in html
    assert "25.0%" in html  # 1 of 4 messages unanswered
    assert "บอกหน่วยงานแล้ว (80.0%)" in html  # 4 of 5 people named their agency
    assert "3 ก.ค. 2563" in html  # GINBOT_TODAY pinned to 2020-07-03, Buddhist era
    assert html.count("ยังไม่บอกหน่วยงาน") == 1
    assert "ทั้งหมด" in html and "<svg" in html
    assert "ยังไม่มีผู้ใช้ให้คะแนนคำตอบ" in html


async def test_dashboard_shows_ratings_per_intent_in_thai(admin: Admin) -> None:
    ids = await log_messages(admin.db, [("ถอน v8", "uninstall_v8", 0.9, True), ("ถอนยังไง", "uninstall_v8", 0.9, True)])
    async with admin.db.session() as s:
        for log_id, rating in zip(ids, (1, -1), strict=True):
            row = await s.get(MessageLog, log_id)
            assert row is not None
            row.rating = rating
    html = await (await admin.client.get("/admin")).text()
    assert "คะแนนคำตอบจากผู้ใช้" in html
    assert "<td>ถอนการติดตั้ง v8</td><td class=\"n\">1</td><td class=\"n bad\">1</td><td class=\"n\">50.0%</td>" in html


async def test_recipient_count_follows_the_target(admin: Admin) -> None:
    c1 = await cohort_agency(admin, 1)
    await add_people(admin.db, [
        {"channel": "line", "platform_user_id": "U1", "agency_id": c1},
        {"channel": "telegram", "platform_user_id": "7", "agency_id": c1},
        {"channel": "web", "platform_user_id": "visitor-1", "agency_id": c1},  # never pushed to
        {"channel": "line", "platform_user_id": "U9", "agency_id": c1, "blocked": True},
    ])  # fmt: skip
    async def count(**query: str) -> dict[str, object]:
        resp = await admin.client.get("/admin/api/recipients", params=query)
        assert resp.status == 200
        body: dict[str, object] = await resp.json()
        return body

    assert (await count(target_kind="cohort", cohort="1"))["count"] == 2
    assert (await count(target_kind="cohort", cohort="1", channel="line"))["count"] == 1
    assert (await count(target_kind="cohort", cohort="2"))["count"] == 0
    assert (await count(target_kind="agency", agency=c1))["count"] == 2
    assert "error" in await count(target_kind="agency", agency="ไม่มีหน่วยงานนี้")


async def test_preview_shows_the_text_escaped_with_line_breaks_and_refuses_bad_input(admin: Admin) -> None:
    text = "แจ้งปิดปรับปรุง <b>คืนนี้</b>\r\n22:00 น. & พรุ่งนี้"
    resp = await admin.post("/admin/broadcasts/preview", {"target_kind": "cohort", "cohort": "1", "text": text, "when": "now"})
    html = await resp.text()
    assert resp.status == 200
    assert "แจ้งปิดปรับปรุง &lt;b&gt;คืนนี้&lt;/b&gt;\n22:00 น. &amp; พรุ่งนี้" in html
    assert "หน่วยงานกลุ่มที่ 1" in html
    bad = await admin.post("/admin/broadcasts/preview", {"target_kind": "cohort", "cohort": "9", "text": "", "when": "later", "send_at": "2020-07-01T09:00"})
    html = await bad.text()
    assert bad.status == 400
    assert "เลือกกลุ่ม" in html and "พิมพ์ข้อความประกาศ" in html and "เวลานี้ผ่านไปแล้ว" in html


async def test_confirming_stores_one_broadcast_even_if_sent_twice(admin: Admin) -> None:
    c1 = await cohort_agency(admin, 1)
    await add_people(admin.db, [{"channel": "line", "platform_user_id": "U1", "agency_id": c1}])
    preview = await admin.post("/admin/broadcasts/preview", {"target_kind": "agency", "agency": c1, "text": "ทดสอบ", "when": "later", "send_at": "2020-07-05T09:30"})
    nonce = (await preview.text()).split('name="nonce" value="')[1].split('"')[0]
    form = {"target_kind": "agency", "agency": c1, "text": "ทดสอบ", "when": "later", "send_at": "2020-07-05T09:30", "nonce": nonce}
    first = await admin.post("/admin/broadcasts", form)
    again = await admin.post("/admin/broadcasts", form)
    assert first.status == again.status == 303
    assert first.headers["Location"] == again.headers["Location"]
    async with admin.db.session() as s:
        (row,) = (await s.scalars(select(Broadcast))).all()
    assert (row.target_kind, row.target_value, row.status, row.created_by) == ("agency", c1, "scheduled", "admin:somchai")
    assert row.recipient_count == 1
    # 09:30 in Bangkok is 02:30 UTC.
    send_at = row.send_at if row.send_at.tzinfo else row.send_at.replace(tzinfo=UTC)
    assert send_at == datetime(2020, 7, 5, 2, 30, tzinfo=UTC)
    report = await admin.client.get(first.headers["Location"])
    html = await report.text()
    assert "รอถึงเวลาส่ง" in html and "บันทึกประกาศหมายเลข" in html


async def test_report_json_follows_the_fan_out(admin: Admin) -> None:
    await add_people(admin.db, [{"channel": "telegram", "platform_user_id": str(n), "agency_id": await cohort_agency(admin, 1)} for n in range(3)])
    preview = await admin.post("/admin/broadcasts/preview", {"target_kind": "all", "text": "ทดสอบ", "when": "now"})
    nonce = (await preview.text()).split('name="nonce" value="')[1].split('"')[0]
    done = await admin.post("/admin/broadcasts", {"target_kind": "all", "text": "ทดสอบ", "when": "now", "nonce": nonce})
    url = done.headers["Location"] + "/report.json"
    before = await (await admin.client.get(url)).json()
    assert before["queued"] == 0 and before["done"] is False
    # "Now" on the pinned day (GINBOT_TODAY) is at most 23:59 in Bangkok, 16:59 UTC.
    await plan_once(admin.db, None, datetime(2020, 7, 3, 17, tzinfo=UTC), 0)
    after = await (await admin.client.get(url)).json()
    assert after["queued"] == 3 and after["total"] == 3 and after["done"] is False
    async with admin.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxRow)) == 3


async def test_agencies_search_in_thai_english_and_abbreviation(admin: Admin) -> None:
    for q, expected in (("สรรพากร", "กรมสรรพากร"), ("revenue", "กรมสรรพากร"), ("สพร", "สำนักงานพัฒนารัฐบาลดิจิทัล")):
        html = await (await admin.client.get("/admin/agencies", params={"q": q})).text()
        assert expected in html, q
    html = await (await admin.client.get("/admin/agencies", params={"cohort": "1"})).text()
    assert "(14 จาก 163)" in html
    nothing = await (await admin.client.get("/admin/agencies", params={"q": "<script>x</script>"})).text()
    assert "&lt;script&gt;x&lt;/script&gt;" in nothing and "<script>x" not in nothing


def upload(kind: str, content: bytes, filename: str = "official.csv") -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("kind", kind)
    data.add_field("file", content, filename=filename, content_type="text/csv")
    return data


async def test_a_bad_csv_changes_nothing_and_lists_every_error_by_line(admin: Admin) -> None:
    original = (ROOT / "data" / "agencies.csv").read_text(encoding="utf-8").splitlines()
    broken = list(original)
    broken[3] = broken[3].replace(",1,", ",7,", 1) if ",1," in broken[3] else broken[3] + ",extra"
    broken[5] = "Bad Id," + broken[5].split(",", 1)[1]
    resp = await admin.post("/admin/agencies/import", upload("agencies", ("\n".join(broken) + "\n").encode()))
    html = await resp.text()
    assert resp.status == 400
    assert "นำเข้าไม่สำเร็จ ไม่มีข้อมูลใดถูกเปลี่ยน" in html
    assert '<td class="n">4</td>' in html and '<td class="n">6</td>' in html  # file lines, header is line 1
    assert "official.csv" in html
    assert admin.bot.reloads == 0
    async with admin.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Agency)) == 163


async def test_a_good_csv_is_imported_and_the_bot_reloads(admin: Admin) -> None:
    text = (ROOT / "data" / "agencies.csv").read_text(encoding="utf-8")
    header, first, *rest = text.splitlines()
    renamed = first.split(",")
    renamed[1] = renamed[1] + " (ชื่อใหม่)"
    body = "\n".join([header, ",".join(renamed), *rest]) + "\n"
    resp = await admin.post("/admin/agencies/import", upload("agencies", body.encode()))
    assert resp.status == 303
    assert admin.bot.reloads == 1
    html = await (await admin.client.get("/admin/agencies")).text()
    assert "สำเร็จ: เพิ่ม 0 แก้ไข 1 เหมือนเดิม 162 ลบ 0" in html
    assert "(ชื่อใหม่)" in html


async def test_unanswered_questions_are_grouped_and_shown_as_text(admin: Admin) -> None:
    await log_messages(admin.db, [
        ("แชร์หน้าจอไม่ได้", "fallback", 0.3, False),
        ("ขอบคุณครับ", "thanks", 0.95, True),  # answered well: not for review
        ("แชร์หน้าจอไม่ได้ครับ", "fallback", 0.2, False),
        ("<script>alert('x')</script>", "fallback", 0.1, False),
        ("ย้ายวันไหน", "migration_date", 0.45, True),  # answered, but unsure
    ])  # fmt: skip
    html = await (await admin.client.get("/admin/unanswered")).text()
    assert "4 ข้อความ ใน 3 กลุ่ม" in html
    assert "ขอบคุณครับ" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    # Newest first: the script message was logged after the screen-sharing pair.
    assert html.index("ย้ายวันไหน") < html.index("&lt;script&gt;") < html.index("แชร์หน้าจอไม่ได้")


async def test_a_confident_answer_rated_thumbs_down_is_on_the_unanswered_page(admin: Admin) -> None:
    ids = await log_messages(admin.db, [("ถอน v8 ยังไงคะ", "uninstall_v8", 0.97, True), ("โหลด v9", "download", 0.9, True)])
    async with admin.db.session() as s:
        row = await s.get(MessageLog, ids[0])
        assert row is not None
        row.rating = -1
    html = await (await admin.client.get("/admin/unanswered")).text()
    assert "ถอน v8 ยังไงคะ" in html and "👎 ไม่ตรงคำถาม" in html
    assert "โหลด v9" not in html


async def test_assigning_a_group_stores_examples_retrains_and_marks_reviewed(admin: Admin) -> None:
    ids = await log_messages(admin.db, [
        ("แชร์หน้าจอไม่ได้", "fallback", 0.3, False),
        ("แชร์หน้าจอไม่ได้ครับ", "fallback", 0.2, False),
        ("แชร์หน้าจอไม่ได้", "fallback", 0.3, False),  # the same words again: one example is enough
    ])  # fmt: skip
    form = aiohttp.FormData([("id", str(i)) for i in ids] + [("intent", "cannot_join"), ("action", "assign")])
    resp = await admin.post("/admin/unanswered/assign", form)
    assert resp.status == 303
    (retrained,) = admin.bot.understanding.nlu.retrained
    assert sorted(e.text for e in retrained) == ["แชร์หน้าจอไม่ได้", "แชร์หน้าจอไม่ได้ครับ"]
    assert {e.intent for e in retrained} == {"cannot_join"}
    async with admin.db.session() as s:
        stored = (await s.scalars(select(TrainingExample).order_by(TrainingExample.id))).all()
        reviewed = (await s.scalars(select(MessageLog.reviewed_intent))).all()
    assert [(t.text, t.intent, t.staff_name) for t in stored] == [
        ("แชร์หน้าจอไม่ได้", "cannot_join", "somchai"), ("แชร์หน้าจอไม่ได้ครับ", "cannot_join", "somchai"),
    ]  # fmt: skip
    assert stored[0].source_message_id == ids[0]
    assert set(reviewed) == {"cannot_join"}
    page = await (await admin.client.get("/admin/unanswered")).text()
    assert "สอนบอตแล้ว: 3 ข้อความ" in page and "ไม่มีคำถามค้างตรวจ" in page


async def test_dismissing_teaches_nothing(admin: Admin) -> None:
    (msg,) = await log_messages(admin.db, [("555", "fallback", 0.3, False)])
    resp = await admin.post("/admin/unanswered/assign", aiohttp.FormData([("id", str(msg)), ("action", "dismiss")]))
    assert resp.status == 303
    assert admin.bot.understanding.nlu.retrained == []
    async with admin.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(TrainingExample)) == 0
        assert await s.scalar(select(MessageLog.reviewed_intent)) == "-"


async def test_the_audit_log_records_each_action(admin: Admin) -> None:
    await admin.client.post("/admin/signin", data={"name": "x"})  # refused (no token): not a sign-in attempt
    preview = await admin.post("/admin/broadcasts/preview", {"target_kind": "cohort", "cohort": "1", "text": "ประกาศ", "when": "now"})
    nonce = (await preview.text()).split('name="nonce" value="')[1].split('"')[0]
    await admin.post("/admin/broadcasts", {"target_kind": "cohort", "cohort": "1", "text": "ประกาศ", "when": "now", "nonce": nonce})
    (msg,) = await log_messages(admin.db, [("ห้องประชุมเต็ม", "fallback", 0.2, False)])
    await admin.post("/admin/unanswered/assign", aiohttp.FormData([("id", str(msg)), ("intent", "contact_staff")]))
    await admin.post("/admin/agencies/import", upload("cohorts", (ROOT / "data" / "cohorts.csv").read_bytes()))
    await admin.post("/admin/agencies/import", upload("cohorts", b"cohort,migration_date\n1,2020-07-01\n"))
    await admin.post("/admin/password", {"current": "correct horse battery", "new": "another-password", "again": "another-password"})
    await admin.post("/admin/signout", {})
    page = await admin.client.get("/admin/signin")
    await admin.client.post("/admin/signin", data={"csrf": csrf_of(await page.text()), "name": "somchai", "password": "wrong"})
    async with admin.db.session() as s:
        rows = (await s.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    actions = [r.action for r in rows]
    assert actions == [
        "staff_created", "sign_in", "broadcast_created", "unanswered_assigned", "csv_imported",
        "csv_import_failed", "password_changed", "sign_out", "sign_in_failed",
    ]  # fmt: skip
    by = {r.action: r for r in rows}
    assert by["broadcast_created"].details["target"] == "cohort:1" and by["broadcast_created"].staff_name == "somchai"
    assert by["broadcast_created"].details["via"] == "admin"
    assert by["unanswered_assigned"].details == {"intent": "contact_staff", "message_ids": [msg], "examples": ["ห้องประชุมเต็ม"]}
    assert by["csv_imported"].details["unchanged"] == 3
    failed = by["sign_in_failed"]
    assert failed.ip == "127.0.0.1" and failed.details["reason"] == "wrong_password"
    assert failed.details["count"] == failed.details["wrong"] == 1  # refusals are counted per address and name
    assert all(r.created_at is not None for r in rows)


async def test_the_audit_page_lists_actions_in_thai(admin: Admin) -> None:
    html = await (await admin.client.get("/admin/audit")).text()
    assert "เข้าสู่ระบบ" in html and "สร้างบัญชีเจ้าหน้าที่" in html

