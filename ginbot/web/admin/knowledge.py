"""Growing the knowledge from the admin pages: reload data/knowledge/, add phrasings to a topic, create a topic.

Each takes effect at once (the running NLU retrains in a worker thread, one retrain at a time) and survives a
restart: staff additions are stored in knowledge_topics / knowledge_questions, which ginbot.wiring merges with
the files at every start. Every action leaves an audit record, a failed reload too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.db import queries
from ginbot.db.models import KnowledgeQuestion, KnowledgeTopic
from ginbot.db.session import Database
from ginbot.errors import DataFileError
from ginbot.nlu.topics import MAX_ANSWER_CHARS, MAX_TITLE_CHARS, TopicSet, same_text_key
from ginbot.settings import Settings
from ginbot.web import lifecycle
from ginbot.web.admin import audit, context, review, views
from ginbot.wiring import knowledge, stored_knowledge

# message_log.reviewed_intent of questions that became a topic's phrasings (not an intent id).
REVIEWED_AS_TOPIC = "#topic"
UNANSWERED = "/admin/unanswered"
MAX_QUESTION_CHARS = 500


class KnowledgeFormError(ValueError):
    """What staff typed cannot become a topic; the message says why, in Thai."""


@dataclass(frozen=True)
class Changed:
    topic_id: str
    messages: int  # marked reviewed
    new_phrasings: int
    retrained: bool


async def current_topics(db: Database, settings: Settings) -> TopicSet:
    """data/knowledge/ plus what staff stored: what the bot knows after a restart or a reload."""
    async with db.session() as session:
        stored = await stored_knowledge(session)
    return await asyncio.to_thread(knowledge, settings, stored)


async def _retrain(nlu: Any | None, lock: asyncio.Lock, topics: TopicSet) -> bool:
    if nlu is None:
        return False
    # One retrain at a time (the intent review shares the lock): two at once could lose one's change.
    async with lock:
        await asyncio.get_running_loop().run_in_executor(None, lambda: nlu.retrain(topics=topics))
    lifecycle.resettle_heap()
    return True


async def reload(db: Database, settings: Settings, nlu: Any | None, lock: asyncio.Lock, *, staff_name: str,
                 ip: str | None) -> int:  # fmt: skip
    """Re-read data/knowledge/ (and the stored additions) and retrain; the number of topics.

    A broken file raises DataFileError (file:line) after recording the failure; the running model is kept.
    """
    try:
        topics = await current_topics(db, settings)
    except DataFileError as exc:
        async with db.session() as session:
            await audit.record(session, audit.KNOWLEDGE_RELOAD_FAILED, staff_name=staff_name,
                               details={"error": str(exc)}, ip=ip)  # fmt: skip
        raise
    retrained = await _retrain(nlu, lock, topics)
    async with db.session() as session:
        await audit.record(session, audit.KNOWLEDGE_RELOADED, staff_name=staff_name,
                           details={"topics": len(topics), "retrained": retrained}, ip=ip)  # fmt: skip
    return len(topics)


async def add_phrasings(db: Database, settings: Settings, nlu: Any | None, lock: asyncio.Lock, *,
                        ids: Sequence[int], topic_id: str | None = None, title: str = "", answer: str = "",
                        staff_name: str, ip: str | None) -> Changed:  # fmt: skip
    """The unanswered messages ``ids`` become phrasings of ``topic_id``, or of a new topic (title + answer)."""
    creating = topic_id is None
    known = await current_topics(db, settings)
    title, answer, topic_id = _target(known, topic_id, title, answer)
    phrasings = {same_text_key(q) for t in known.topics for q in t.phrasings()}
    added = 0
    async with db.session() as session:
        messages = await queries.unreviewed_messages(session, ids)
        if creating:
            session.add(KnowledgeTopic(id=topic_id, title=title, answer=answer, staff_name=staff_name))
        for message in messages:
            key = same_text_key(message.text)
            if key and key not in phrasings:
                phrasings.add(key)
                session.add(KnowledgeQuestion(topic_id=topic_id, text=message.text.strip(),
                                              source_message_id=message.id, staff_name=staff_name))  # fmt: skip
                added += 1
            message.reviewed_intent = REVIEWED_AS_TOPIC
        if messages:
            details = {"topic": topic_id, "message_ids": [m.id for m in messages], "phrasings": added}
            if creating:
                details |= {"title": title, "answer": answer}
            action = audit.KNOWLEDGE_TOPIC_CREATED if creating else audit.KNOWLEDGE_PHRASINGS_ADDED
            await audit.record(session, action, staff_name=staff_name, details=details, ip=ip)
        elif creating:
            raise KnowledgeFormError("ข้อความที่เลือกถูกตรวจไปแล้ว")  # rolls the new topic back
    retrained = bool(added or creating) and await _retrain(nlu, lock, await current_topics(db, settings))
    return Changed(topic_id, len(messages), added, retrained)


def _target(known: TopicSet, topic_id: str | None, title: str, answer: str) -> tuple[str, str, str]:
    """(title, answer, topic id) of where questions go: ``topic_id`` if it exists, else a new staff topic."""
    if topic_id is not None:
        if known.get(topic_id) is None:
            raise KnowledgeFormError("ไม่พบหัวข้อความรู้ที่เลือก")
        return title, answer, topic_id
    title, answer = title.strip(), answer.strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise KnowledgeFormError(f"ชื่อหัวข้อต้องมี 1–{MAX_TITLE_CHARS} ตัวอักษร (เป็นปุ่มในแชต)")
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        raise KnowledgeFormError(f"คำตอบต้องมี 1–{MAX_ANSWER_CHARS} ตัวอักษร (ให้อ่านจบในจอโทรศัพท์)")
    return title, answer, f"staff_{uuid.uuid4().hex[:8]}"


async def save_question(db: Database, settings: Settings, nlu: Any | None, lock: asyncio.Lock, *, question: str,
                        topic_id: str | None = None, title: str = "", answer: str = "", staff_name: str,
                        ip: str | None, details: dict[str, Any],
                        also: Callable[[AsyncSession], Awaitable[None]] | None = None) -> Changed:  # fmt: skip
    """One question (as staff word it) becomes a phrasing of ``topic_id``, or the first of a new topic.

    ``also`` runs in the same transaction (the inbox marks its conversation learned there), so a failure in
    it stores nothing. ``details`` go into the audit record beside the topic.
    """
    question = question.strip()
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise KnowledgeFormError(f"คำถามต้องมี 1–{MAX_QUESTION_CHARS} ตัวอักษร")
    creating = topic_id is None
    known = await current_topics(db, settings)
    title, answer, topic_id = _target(known, topic_id, title, answer)
    key = same_text_key(question)
    new = bool(key) and key not in {same_text_key(q) for t in known.topics for q in t.phrasings()}
    async with db.session() as session:
        if also is not None:
            await also(session)
        if creating:
            session.add(KnowledgeTopic(id=topic_id, title=title, answer=answer, staff_name=staff_name))
        if new:
            session.add(KnowledgeQuestion(topic_id=topic_id, text=question, staff_name=staff_name))
        details = {"topic": topic_id, "question": question, "phrasings": int(new)} | details
        if creating:
            details |= {"title": title, "answer": answer}
        action = audit.KNOWLEDGE_TOPIC_CREATED if creating else audit.KNOWLEDGE_PHRASINGS_ADDED
        await audit.record(session, action, staff_name=staff_name, details=details, ip=ip)
    retrained = (new or creating) and await _retrain(nlu, lock, await current_topics(db, settings))
    return Changed(topic_id, 0, int(new), retrained)


# --- handlers ------------------------------------------------------------------------------------------------


def _lock(request: web.Request) -> asyncio.Lock:
    return request.app[review.RETRAIN_LOCK_KEY]


async def reload_handler(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    nlu = context.nlu_of(context.bot(request))
    try:
        count = await reload(context.db(request), context.settings(request), nlu, _lock(request),
                             staff_name=me.name, ip=context.client_ip(request))  # fmt: skip
    except DataFileError as exc:
        raise await views.redirect_with_notice(request, UNANSWERED, f"โหลดความรู้ใหม่ไม่สำเร็จ บอตยังใช้ชุดเดิม: {exc}") from None
    notice = f"โหลดความรู้ใหม่แล้ว: {count} หัวข้อ" + ("" if nlu else " (จะมีผลเมื่อเริ่มบอตใหม่)")
    raise await views.redirect_with_notice(request, UNANSWERED, notice)


async def topic_handler(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    form = await request.post()
    ids = sorted({int(v) for v in form.getall("id", []) if isinstance(v, str) and v.isdigit()})
    if not ids:
        raise await views.redirect_with_notice(request, UNANSWERED, "ไม่ได้เลือกข้อความใด")
    creating = form.get("action") == "create_topic"
    topic = form.get("topic")
    if not creating and not (isinstance(topic, str) and topic):
        raise await views.redirect_with_notice(request, UNANSWERED, "เลือกหัวข้อความรู้ก่อนกด “เพิ่มเป็นคำถามของหัวข้อ”")
    nlu = context.nlu_of(context.bot(request))
    try:
        changed = await add_phrasings(
            context.db(request), context.settings(request), nlu, _lock(request), ids=ids,
            topic_id=None if creating else str(topic), title=str(form.get("title") or ""),
            answer=str(form.get("answer") or ""), staff_name=me.name, ip=context.client_ip(request),
        )  # fmt: skip
    except (KnowledgeFormError, DataFileError) as exc:
        raise await views.redirect_with_notice(request, UNANSWERED, str(exc)) from None
    verb = "สร้างหัวข้อใหม่แล้ว" if creating else "เพิ่มเป็นคำถามของหัวข้อแล้ว"
    notice = f"{verb}: {changed.messages} ข้อความ ({changed.new_phrasings} แบบใหม่)"
    notice += " บอตใช้ความรู้ใหม่นี้แล้ว ไม่ต้องรีสตาร์ต" if changed.retrained else " จะมีผลเมื่อเริ่มบอตใหม่"
    raise await views.redirect_with_notice(request, UNANSWERED, notice)
