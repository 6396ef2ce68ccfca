"""Growing the knowledge from the admin pages: add phrasings, create a topic, reload data/knowledge/.

A real (small) NLU stands behind the bot here, trained on tests/nlu/fixtures: the point is that what staff do
is answered at once, and again after a restart (a new NLU built from the files plus the database).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ginbot.db import handoffs
from ginbot.db.models import AuditLog, ChatUser, KnowledgeQuestion, KnowledgeTopic, MessageLog
from ginbot.db.session import Database
from ginbot.nlu.agency_table import load_agencies_csv
from ginbot.nlu.engine import Nlu
from ginbot.web.admin.knowledge import REVIEWED_AS_TOPIC
from ginbot.web.app import create_app
from ginbot.wiring import knowledge, stored_knowledge
from tests.nlu.conftest import FIXTURE_AGENCIES, FIXTURE_INTENTS, FIXTURES
from tests.web.admin.conftest import Admin, RecordingBot, add_staff, admin_settings, log_messages, sign_in


def _fresh_nlu(data: Path, topics: object = None) -> Nlu:
    return Nlu.from_paths(FIXTURE_INTENTS, load_agencies_csv(FIXTURE_AGENCIES), knowledge_dir=data / "knowledge")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "data", data)
    # The app reads its answers and policies from GINBOT_DATA_DIR too: the bundled ones.
    bundled = Path(__file__).resolve().parents[3] / "data"
    for name in ("answers.yml", "answers.en.yml", "reminders.yml", "checkins.yml"):
        if not (data / name).exists():
            shutil.copy(bundled / name, data / name)
    return data


@pytest.fixture
async def teacher(seeded_sqlite: Database, data_dir: Path) -> AsyncIterator[Admin]:
    """Signed in as ``somchai``; the bot's NLU is real and reads data_dir/knowledge."""
    await add_staff(seeded_sqlite)
    bot = RecordingBot()
    bot.understanding.nlu = _fresh_nlu(data_dir)  # type: ignore[assignment]
    settings = admin_settings(GINBOT_DATA_DIR=str(data_dir))
    app = create_app(settings, db=seeded_sqlite, bot=bot)  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        assert (await sign_in(client)).status == 303
        yield Admin(client, app, bot, seeded_sqlite)


def _nlu(admin: Admin) -> Nlu:
    nlu = admin.bot.understanding.nlu
    assert isinstance(nlu, Nlu)
    return nlu


async def _restarted(admin: Admin, data: Path) -> Nlu:
    """What a restart builds: the files plus what the database holds."""
    async with admin.db.session() as session:
        stored = await stored_knowledge(session)
    topics = knowledge(admin_settings(GINBOT_DATA_DIR=str(data)), stored)
    return Nlu.from_paths(FIXTURE_INTENTS, load_agencies_csv(FIXTURE_AGENCIES), topics=topics)


async def _actions(db: Database) -> list[str]:
    async with db.session() as s:
        return list((await s.scalars(select(AuditLog.action).order_by(AuditLog.id))).all())


async def test_the_page_offers_topics_and_the_reload(teacher: Admin) -> None:
    await log_messages(teacher.db, [("จอดรถตรงไหนคะ", "fallback", 0.2, False)])
    page = await (await teacher.client.get("/admin/unanswered")).text()
    assert 'value="share_screen"' in page and "แชร์หน้าจอ" in page
    assert 'action="/admin/knowledge/reload"' in page and 'value="create_topic"' in page


async def test_creating_a_topic_answers_it_at_once_and_after_a_restart(teacher: Admin, data_dir: Path) -> None:
    ids = await log_messages(teacher.db, [
        ("มาประชุมที่ตึกจอดรถตรงไหนคะ", "fallback", 0.2, False),
        ("ที่จอดรถสำหรับคนมาประชุมอยู่ไหน", "fallback", 0.3, False),
    ])  # fmt: skip
    paraphrase = "ขับรถมาประชุมจอดรถได้ที่ไหน"
    before = _nlu(teacher).parse(paraphrase).topic
    form = aiohttp.FormData([("id", str(i)) for i in ids] + [
        ("action", "create_topic"), ("title", "ที่จอดรถ"), ("answer", "จอดที่อาคาร B ชั้น 2 ค่ะ"),
    ])  # fmt: skip
    resp = await teacher.post("/admin/unanswered/topic", form)
    assert resp.status == 303
    async with teacher.db.session() as s:
        (created,) = (await s.scalars(select(KnowledgeTopic))).all()
        phrasings = (await s.scalars(select(KnowledgeQuestion.text).order_by(KnowledgeQuestion.id))).all()
        reviewed = set((await s.scalars(select(MessageLog.reviewed_intent))).all())
    assert (created.title, created.answer, created.staff_name) == ("ที่จอดรถ", "จอดที่อาคาร B ชั้น 2 ค่ะ", "somchai")
    assert list(phrasings) == ["มาประชุมที่ตึกจอดรถตรงไหนคะ", "ที่จอดรถสำหรับคนมาประชุมอยู่ไหน"]
    assert reviewed == {REVIEWED_AS_TOPIC}
    assert before is None or before.id != created.id
    found = _nlu(teacher).parse(paraphrase).topic  # at once, no restart
    assert found is not None and (found.id, found.title) == (created.id, "ที่จอดรถ")
    again = (await _restarted(teacher, data_dir)).parse(paraphrase).topic
    assert again is not None and again.id == created.id
    assert (await _actions(teacher.db))[-1] == "knowledge_topic_created"
    page = await (await teacher.client.get("/admin/unanswered")).text()
    assert "สร้างหัวข้อใหม่แล้ว: 2 ข้อความ" in page


async def test_questions_become_phrasings_of_an_existing_topic(teacher: Admin, data_dir: Path) -> None:
    asked = "ผู้ฟังมองไม่เห็นสไลด์ที่ผมเปิดอยู่บนเครื่อง"
    (msg,) = await log_messages(teacher.db, [(asked, "fallback", 0.2, False)])
    resp = await teacher.post("/admin/unanswered/topic",
                              aiohttp.FormData([("id", str(msg)), ("action", "add_to_topic"), ("topic", "share_screen")]))  # fmt: skip
    assert resp.status == 303
    async with teacher.db.session() as s:
        rows = (await s.scalars(select(KnowledgeQuestion))).all()
    assert [(r.topic_id, r.text, r.source_message_id) for r in rows] == [("share_screen", asked, msg)]
    for nlu in (_nlu(teacher), await _restarted(teacher, data_dir)):
        found = nlu.parse(asked).topic
        assert found is not None and found.id == "share_screen"
    assert (await _actions(teacher.db))[-1] == "knowledge_phrasings_added"


async def test_a_title_too_long_for_a_button_stores_nothing(teacher: Admin) -> None:
    (msg,) = await log_messages(teacher.db, [("จอดรถตรงไหน", "fallback", 0.2, False)])
    form = aiohttp.FormData([("id", str(msg)), ("action", "create_topic"),
                             ("title", "ที่จอดรถสำหรับผู้มาประชุมทุกท่าน"), ("answer", "ชั้น 2 ค่ะ")])  # fmt: skip
    assert (await teacher.post("/admin/unanswered/topic", form)).status == 303
    async with teacher.db.session() as s:
        assert (await s.scalars(select(KnowledgeTopic))).all() == []
        assert await s.scalar(select(MessageLog.reviewed_intent)) is None
    assert "ชื่อหัวข้อต้องมี" in await (await teacher.client.get("/admin/unanswered")).text()


async def test_reload_reads_a_new_file_and_a_broken_one_keeps_the_old_model(teacher: Admin, data_dir: Path) -> None:
    (data_dir / "knowledge" / "parking.yml").write_text(
        "# test\nid: parking\ntitle: ที่จอดรถ\nquestions:\n"
        + "".join(f'  - "{q}"\n' for q in ("จอดรถตรงไหน", "ที่จอดรถอยู่ไหน", "มีที่จอดรถไหม", "จอดรถได้ไหม",
                                            "ลานจอดรถเต็ม", "parking อยู่ไหน", "ขับรถมาจอดที่ไหน", "จอดรถฟรีไหม"))
        + "answer: ชั้น 2 ค่ะ\n",
        encoding="utf-8",
    )  # fmt: skip
    assert (await teacher.post("/admin/knowledge/reload", {})).status == 303
    found = _nlu(teacher).parse("มาประชุมจะจอดรถที่ไหนดีคะ").topic
    assert found is not None and found.id == "parking"
    assert "โหลดความรู้ใหม่แล้ว: 4 หัวข้อ" in await (await teacher.client.get("/admin/unanswered")).text()

    (data_dir / "knowledge" / "broken.yml").write_text("id: broken\ntitle: x\nquestions: [\n", encoding="utf-8")
    assert (await teacher.post("/admin/knowledge/reload", {})).status == 303
    page = await (await teacher.client.get("/admin/unanswered")).text()
    assert "โหลดความรู้ใหม่ไม่สำเร็จ" in page and "broken.yml" in page
    assert len(_nlu(teacher).topics) == 4  # the old model answers on
    assert (await _actions(teacher.db))[-2:] == ["knowledge_reloaded", "knowledge_reload_failed"]


async def _closed_conversation(db: Database, *said: tuple[str, str]) -> int:
    """A handoff closed by staff, with its transcript (sender, text)."""
    now = datetime.now(UTC)
    async with db.session() as s:
        user = ChatUser(channel="line", platform_user_id="U" + "a" * 32, subscribed=True)
        s.add(user)
        await s.flush()
        handoff = await handoffs.open_handoff(s, user_id=user.id, channel="line", agency_id=None, now=now)
        for sender, text in said:
            await handoffs.add_message(s, handoff.id, sender, text, now=now,
                                       staff_name="somchai" if sender == "staff" else None)  # fmt: skip
        handoff.status, handoff.closed_at = "closed", now
        return handoff.id


async def test_a_closed_conversation_becomes_a_new_topic_answered_at_once(teacher: Admin, data_dir: Path) -> None:
    handoff_id = await _closed_conversation(
        teacher.db, ("official", "ขอคุยกับเจ้าหน้าที่ มาประชุมที่ตึกจอดรถตรงไหนคะ"), ("staff", "จอดที่อาคาร B ชั้น 2 ค่ะ")
    )
    page = f"/admin/inbox/{handoff_id}"
    html = await (await teacher.client.get(page)).text()
    # The form offers the existing topics and drafts the new topic's answer from what staff said.
    assert 'value="share_screen"' in html and ">จอดที่อาคาร B ชั้น 2 ค่ะ</textarea>" in html
    learned = {"target": "new_topic", "question": "มาประชุมที่ตึกจอดรถตรงไหนคะ", "title": "ที่จอดรถ",
               "answer": "จอดที่อาคาร B ชั้น 2 ค่ะ"}  # fmt: skip
    assert (await teacher.post(f"{page}/learn", learned)).status == 303
    async with teacher.db.session() as s:
        (created,) = (await s.scalars(select(KnowledgeTopic))).all()
        (question,) = (await s.scalars(select(KnowledgeQuestion))).all()
        handoff = await handoffs.get(s, handoff_id)
        record = await s.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert (created.title, created.answer, question.text) == ("ที่จอดรถ", "จอดที่อาคาร B ชั้น 2 ค่ะ", "มาประชุมที่ตึกจอดรถตรงไหนคะ")
    assert handoff is not None and handoff.learned
    assert record is not None and record.action == "knowledge_topic_created"
    assert record.details["handoff_id"] == handoff_id
    for nlu in (_nlu(teacher), await _restarted(teacher, data_dir)):
        found = nlu.parse("มาประชุมจอดรถได้ตรงไหน").topic
        assert found is not None and found.id == created.id


async def test_a_closed_conversation_adds_a_phrasing_to_a_topic(teacher: Admin, data_dir: Path) -> None:
    asked = "ผู้ฟังมองไม่เห็นสไลด์ที่ผมเปิดอยู่บนเครื่อง"
    handoff_id = await _closed_conversation(teacher.db, ("official", asked), ("staff", "กดปุ่มแชร์หน้าจอก่อนค่ะ"))
    form = {"target": "topic", "question": asked, "topic": "share_screen"}
    assert (await teacher.post(f"/admin/inbox/{handoff_id}/learn", form)).status == 303
    async with teacher.db.session() as s:
        rows = (await s.scalars(select(KnowledgeQuestion))).all()
    assert [(r.topic_id, r.text) for r in rows] == [("share_screen", asked)]
    found = _nlu(teacher).parse(asked).topic
    assert found is not None and found.id == "share_screen"
    assert (await _actions(teacher.db))[-1] == "knowledge_phrasings_added"


async def test_an_open_conversation_teaches_nothing(teacher: Admin) -> None:
    now = datetime.now(UTC)
    async with teacher.db.session() as s:
        user = ChatUser(channel="line", platform_user_id="U" + "b" * 32, subscribed=True)
        s.add(user)
        await s.flush()
        handoff_id = (await handoffs.open_handoff(s, user_id=user.id, channel="line", agency_id=None, now=now)).id
    form = {"target": "new_topic", "question": "จอดรถตรงไหน", "title": "ที่จอดรถ", "answer": "อาคาร B"}
    resp = await teacher.post(f"/admin/inbox/{handoff_id}/learn", form, allow_redirects=True)
    assert "บันทึกให้บอตเรียนรู้ได้เมื่อปิดการสนทนาแล้ว" in await resp.text()
    async with teacher.db.session() as s:
        assert (await s.scalars(select(KnowledgeTopic))).all() == []
