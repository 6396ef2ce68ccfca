"""Learning from a closed conversation: the official's question, as staff word it, becomes a training
example of the intent staff choose, and the running classifier is retrained at once.

Knowledge topics (question + staff answer) would be the richer target; until topic storage exists on main
the existing ``training_examples`` mechanism is what staff can save into.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from ginbot.core.intents import INTENTS
from ginbot.db import handoffs
from ginbot.db.models import AuditLog, TrainingExample, utcnow
from ginbot.db.session import Database
from ginbot.nlu.intents import IntentExample
from ginbot.nlu.text import normalise
from ginbot.web import lifecycle

LEARN = "handoff_learn"
MAX_QUESTION_CHARS = 500


class LearnError(Exception):
    """Nothing was saved; the message is Thai, for the staff member."""


async def learn(
    db: Database,
    nlu: Any | None,
    lock: asyncio.Lock,
    *,
    handoff_id: int,
    question: str,
    intent: str,
    staff_name: str,
    ip: str | None,
) -> str:
    """Save ``question`` as an example of ``intent`` from closed handoff ``handoff_id``; returns the intent."""
    question = question.strip()
    if intent not in INTENTS or intent == "fallback":
        raise LearnError("เลือกหมวดคำถามที่ถูกต้องก่อนบันทึก")
    if not question or len(question) > MAX_QUESTION_CHARS:
        raise LearnError(f"คำถามต้องมี 1–{MAX_QUESTION_CHARS} ตัวอักษร")
    async with db.session() as session:
        handoff = await handoffs.get(session, handoff_id)
        if handoff is None:
            raise LearnError("ไม่พบการสนทนานี้")
        if handoff.status != "closed":
            raise LearnError("บันทึกให้บอตเรียนรู้ได้เมื่อปิดการสนทนาแล้ว")
        known = {normalise(t) for t in (await session.scalars(select(TrainingExample.text))).all()}
        new = normalise(question) not in known
        if new:
            session.add(TrainingExample(text=question, intent=intent, staff_name=staff_name))
        handoff.learned = True
        session.add(
            AuditLog(
                staff_name=staff_name,
                action=LEARN,
                details={"handoff_id": handoff_id, "intent": intent, "example": question},
                ip=ip,
                created_at=utcnow(),
            )
        )
    if new and nlu is not None:
        async with lock:  # one retrain at a time, as the unanswered page does
            await asyncio.get_running_loop().run_in_executor(None, nlu.retrain, [IntentExample(question, intent)])
        lifecycle.resettle_heap()
    return intent
