"""The staff inbox in /admin, end to end on the stubs: a LINE official asks for a person, a signed-in
staff member sees it, takes it, answers (one LINE push), follows the official's next message and closes."""

from __future__ import annotations

from sqlalchemy import select

from ginbot.core.content import Content
from ginbot.db.models import AuditLog, TrainingExample
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import line_text_event, line_user_id
from tests.channels.conftest import channel_settings, serve
from tests.handoff.conftest import line_says, real_bot
from tests.web.admin.conftest import Admin, add_staff, page_csrf, sign_in


async def test_staff_answer_a_line_official_from_the_inbox(
    seeded: Database, line_stub: LineStub, nlu: Nlu, content: Content
) -> None:
    await add_staff(seeded)
    official = line_user_id(27)
    bot = real_bot(seeded, nlu, content)
    # No public URL: the admin's cookies are then not "Secure", as on plain-HTTP test servers.
    settings = channel_settings(line_stub, GINBOT_RUN_SENDER="true", GINBOT_SENDER_IDLE_POLL_S="0.2")
    async with serve(settings, seeded, bot) as served:
        client = served.client
        # Before signing in, nobody sees a transcript.
        assert (await client.get("/admin/inbox.json", allow_redirects=False)).status in (302, 303, 401)
        assert (await sign_in(client)).status == 303
        admin = Admin(client, served.app, bot, seeded)  # type: ignore[arg-type]

        await line_says(served, line_text_event(official, "กรมสรรพากรค่ะ"))
        await line_says(served, line_text_event(official, "ขอคุยกับเจ้าหน้าที่ ลงทะเบียนไม่ได้"))
        (row,) = (await (await client.get("/admin/inbox.json")).json())["open"]
        assert row["channel"] == "LINE" and row["agency"] == "กรมสรรพากร"
        assert row["status"] == "รอเจ้าหน้าที่" and row["last_text"] == "ขอคุยกับเจ้าหน้าที่ ลงทะเบียนไม่ได้"
        assert row["waiting"]  # how long they have waited
        dashboard = await (await client.get("/admin")).text()
        assert 'id="handoff-waiting"><b>1</b>' in dashboard
        assert "ginbot_handoffs_waiting 1.0" in await (await client.get("/metrics")).text()

        page = f"/admin/inbox/{row['id']}"
        admin.csrf = await page_csrf(client, page)
        assert (await admin.post(f"{page}/take", {})).status == 303
        assert (await admin.post(f"{page}/reply", {"text": "ลองรีเซ็ตรหัสผ่านที่หน้าเว็บได้เลยค่ะ"})).status == 303
        (push,) = await line_stub.wait_for("push")
        assert push.body["to"] == official
        assert push.body["messages"][0]["text"] == "เจ้าหน้าที่ สพร.: ลองรีเซ็ตรหัสผ่านที่หน้าเว็บได้เลยค่ะ"
        assert "somchai" not in push.body["messages"][0]["text"]

        # The official's next message appears in the transcript the page polls; the bot stays quiet.
        follow_up = line_text_event(official, "ได้แล้วค่ะ ขอบคุณค่ะ")
        await line_says(served, follow_up)
        assert line_stub.reply_texts(follow_up["replyToken"]) == []
        lines = (await (await client.get(f"{page}.json")).json())["lines"]
        assert [(line["from"], line["text"]) for line in lines][-2:] == [
            ("staff", "ลองรีเซ็ตรหัสผ่านที่หน้าเว็บได้เลยค่ะ"),
            ("official", "ได้แล้วค่ะ ขอบคุณค่ะ"),
        ]

        assert "ginbot_handoffs_waiting 0.0" in await (await client.get("/metrics")).text()
        assert (await admin.post(f"{page}/close", {})).status == 303
        await line_stub.wait_for("push", 2)
        back = line_text_event(official, "กรมสรรพากรย้ายวันไหน")
        await line_says(served, back)
        assert "7 กรกฎาคม 2563" in line_stub.reply_texts(back["replyToken"])[0]
        assert (await (await client.get("/admin/inbox.json")).json())["open"] == []

        # Learning: the question saved as a training example of the intent staff choose.
        learned = {"question": "ลงทะเบียนไม่ได้", "intent": "cannot_join"}
        assert (await admin.post(f"{page}/learn", learned)).status == 303

    async with seeded.session() as session:
        actions = [(a.staff_name, a.action) for a in await session.scalars(select(AuditLog).order_by(AuditLog.id))]
        example = await session.scalar(select(TrainingExample))
    assert [a for a in actions if a[1].startswith("handoff_")] == [
        ("somchai", "handoff_take"),
        ("somchai", "handoff_reply"),
        ("somchai", "handoff_close"),
        ("somchai", "handoff_learn"),
    ]
    assert example is not None and (example.text, example.intent) == ("ลงทะเบียนไม่ได้", "cannot_join")
    assert len(line_stub.calls("push")) == 2
