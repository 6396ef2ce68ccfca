"""The staff inbox: conversations handed to staff, their transcripts, and the reply/take/close buttons.

The list and an open conversation follow new messages without a reload: the page asks the ``.json``
twin every few seconds (plain polling: it works through every proxy, and a few staff browsers cost
nothing). Every action goes through ginbot.handoff.desk, which audits it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.intents import INTENTS
from ginbot.db import handoffs
from ginbot.db.models import Handoff, HandoffMessage
from ginbot.handoff.desk import Desk, DeskError
from ginbot.handoff.learning import LearnError, learn, mark_learned, staff_answer
from ginbot.nlu.topics import MAX_ANSWER_CHARS
from ginbot.web import lifecycle
from ginbot.web.admin import context, knowledge, unanswered, views
from ginbot.web.admin.knowledge import KnowledgeFormError

CHANNEL_NAMES = {"line": "LINE", "telegram": "Telegram", "web": "เว็บแชท", "console": "คอนโซล"}
STATUS_TH = {"waiting": "รอเจ้าหน้าที่", "staff": "เจ้าหน้าที่ตอบแล้ว", "closed": "ปิดแล้ว"}
SENDER_TH = {"official": "ผู้ใช้", "staff": "เจ้าหน้าที่", "bot": "ginbot"}


def _desk(request: web.Request) -> Desk:
    from ginbot.web.handoff import DESK_KEY

    return request.app[DESK_KEY]


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def waited_th(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "ไม่ถึง 1 นาที"
    if minutes < 60:
        return f"{minutes} นาที"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} ชม. {minutes} นาที"
    return f"{hours // 24} วัน {hours % 24} ชม."


def _row_json(row: handoffs.OpenRow, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": CHANNEL_NAMES.get(row.channel, row.channel),
        "agency": row.agency or "ยังไม่ระบุหน่วยงาน",
        "status": STATUS_TH.get(row.status, row.status),
        "assigned": row.assigned_staff or "",
        "last_text": row.last_text,
        "last_from": SENDER_TH.get(row.last_sender, row.last_sender),
        "last_at": views.th_datetime(row.last_at),
        "waiting": waited_th((now - row.waiting_since).total_seconds()) if row.waiting_since else "",
    }


def _line_json(line: HandoffMessage) -> dict[str, Any]:
    return {
        "id": line.id,
        "from": line.sender,
        "who": line.staff_name if line.sender == "staff" else SENDER_TH.get(line.sender, line.sender),
        "text": line.text,
        "at": views.th_datetime(line.created_at),
    }


async def _open_rows(request: web.Request) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    async with context.db(request).session() as session:
        rows = await handoffs.open_list(session)
    return [_row_json(r, now) for r in rows]


async def page(request: web.Request) -> web.StreamResponse:
    async with context.db(request).session() as session:
        closed = await handoffs.closed_recent(session)
    values = {
        "rows": await _open_rows(request),
        "closed": closed,
        "channels": CHANNEL_NAMES,
    }
    return await views.render(request, "inbox.html", values, section="inbox")


async def page_json(request: web.Request) -> web.Response:
    return web.json_response({"open": await _open_rows(request)}, dumps=views_json)


async def _conversation(request: web.Request) -> tuple[Handoff, str | None, list[HandoffMessage]]:
    async with context.db(request).session() as session:
        handoff = await handoffs.get(session, _id(request))
        if handoff is None:
            raise web.HTTPNotFound(text="ไม่พบการสนทนานี้ (อาจถูกลบตามคำขอของผู้ใช้)")
        agency = await handoffs.agency_name(session, handoff.agency_id)
        lines = list(await handoffs.transcript(session, handoff.id))
    return handoff, agency, lines


async def conversation(request: web.Request) -> web.StreamResponse:
    handoff, agency, lines = await _conversation(request)
    values = {
        "h": handoff,
        "agency": agency or "ยังไม่ระบุหน่วยงาน",
        "channel": CHANNEL_NAMES.get(handoff.channel, handoff.channel),
        "status": STATUS_TH.get(handoff.status, handoff.status),
        "lines": [_line_json(line) for line in lines],
        "label": context.settings(request).handoff_staff_label,
        "intents": [(i.id, i.label_th) for i in INTENTS if i.id != "fallback"],
        "question": next((line.text for line in lines if line.sender == "official"), ""),
        "answer": staff_answer(lines, MAX_ANSWER_CHARS),
        "topics": await unanswered.known_topics(request),
    }
    return await views.render(request, "conversation.html", values, section="inbox")


async def conversation_json(request: web.Request) -> web.Response:
    handoff, _agency, lines = await _conversation(request)
    body = {
        "status": STATUS_TH.get(handoff.status, handoff.status),
        "closed": handoff.status == "closed",
        "assigned": handoff.assigned_staff or "",
        "lines": [_line_json(line) for line in lines],
    }
    return web.json_response(body, dumps=views_json)


async def _act(request: web.Request, action: str) -> web.StreamResponse:
    me = context.signed(request)
    handoff_id = _id(request)
    here = f"/admin/inbox/{handoff_id}"
    form = await request.post()
    desk, ip = _desk(request), context.client_ip(request)
    try:
        if action == "reply":
            text = form.get("text")
            await desk.reply(handoff_id, text if isinstance(text, str) else "", staff_name=me.name, via="admin", ip=ip)
            notice = "ส่งคำตอบแล้ว"
        elif action == "take":
            await desk.take(handoff_id, staff_name=me.name, via="admin", ip=ip)
            notice = "รับเรื่องนี้แล้ว (มอบหมายให้ท่าน)"
        elif action == "close":
            await desk.close(handoff_id, staff_name=me.name, via="admin", ip=ip)
            notice = "ปิดการสนทนาแล้ว ผู้ใช้กลับไปคุยกับ ginbot"
        else:
            notice = await _learn(request, form, handoff_id, staff_name=me.name, ip=ip)
    except (DeskError, LearnError, KnowledgeFormError) as exc:
        notice = str(exc)
    raise await views.redirect_with_notice(request, here, notice)


async def _learn(request: web.Request, form: Any, handoff_id: int, *, staff_name: str, ip: str | None) -> str:
    """Save the conversation's question where staff chose: a topic, a new topic, or an intent's examples."""
    def field(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    target, question = field("target") or "intent", field("question")
    db, nlu, lock = context.db(request), context.nlu_of(context.bot(request)), request.app[unanswered.RETRAIN_LOCK_KEY]
    if target == "intent":
        saved = await learn(db, nlu, lock, handoff_id=handoff_id, question=question, intent=field("intent"),
                            staff_name=staff_name, ip=ip)  # fmt: skip
        lifecycle.resettle_heap()  # a retrain leaves the old model's garbage behind, as the review page's does
        return f"บันทึกคำถามเป็นตัวอย่างของหมวด “{INTENTS.label(saved)}” แล้ว"
    creating = target == "new_topic"
    if not creating and not field("topic"):
        raise LearnError("เลือกหัวข้อความรู้ก่อนบันทึก")

    async def mark(session: AsyncSession) -> None:
        await mark_learned(session, handoff_id)

    changed = await knowledge.save_question(
        db, context.settings(request), nlu, lock, question=question, topic_id=None if creating else field("topic"),
        title=field("title"), answer=field("answer"), staff_name=staff_name, ip=ip,
        details={"handoff_id": handoff_id}, also=mark,
    )  # fmt: skip
    notice = "สร้างหัวข้อความรู้ใหม่แล้ว" if creating else "เพิ่มคำถามให้หัวข้อความรู้แล้ว"
    if not changed.new_phrasings and not creating:
        notice = "หัวข้อนี้มีคำถามนี้อยู่แล้ว"
    return notice + (" บอตใช้ความรู้ใหม่นี้แล้ว" if changed.retrained else "")


async def reply(request: web.Request) -> web.StreamResponse:
    return await _act(request, "reply")


async def take(request: web.Request) -> web.StreamResponse:
    return await _act(request, "take")


async def close(request: web.Request) -> web.StreamResponse:
    return await _act(request, "close")


async def save_learning(request: web.Request) -> web.StreamResponse:
    return await _act(request, "learn")


def views_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin/inbox", page, name="admin_inbox")
    r.add_get("/admin/inbox.json", page_json, name="admin_inbox_json")
    r.add_get("/admin/inbox/{id:\\d+}", conversation, name="admin_conversation")
    r.add_get("/admin/inbox/{id:\\d+}.json", conversation_json, name="admin_conversation_json")
    r.add_post("/admin/inbox/{id:\\d+}/reply", reply, name="admin_handoff_reply")
    r.add_post("/admin/inbox/{id:\\d+}/take", take, name="admin_handoff_take")
    r.add_post("/admin/inbox/{id:\\d+}/close", close, name="admin_handoff_close")
    r.add_post("/admin/inbox/{id:\\d+}/learn", save_learning, name="admin_handoff_learn")
