"""Learning from a closed conversation. Staff save the official's question (as they word it) as

- a phrasing of an existing knowledge topic, or the first question of a new topic whose answer is their own
  reply (ginbot.web.admin.knowledge.save_question; ``mark_learned`` runs in its transaction), or
- a training example of a scripted intent (``learn`` here), when the question belongs to one.

Either way the running NLU is retrained at once and the change survives restarts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.intents import INTENTS
from ginbot.db import handoffs
from ginbot.db.models import AuditLog, HandoffMessage, TrainingExample, utcnow
from ginbot.db.session import Database
from ginbot.nlu.intents import IntentExample
from ginbot.nlu.text import normalise

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
        await mark_learned(session, handoff_id)
        known = {normalise(t) for t in (await session.scalars(select(TrainingExample.text))).all()}
        new = normalise(question) not in known
        if new:
            session.add(TrainingExample(text=question, intent=intent, staff_name=staff_name))
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
    return intent


async def mark_learned(session: AsyncSession, handoff_id: int) -> None:
    """Mark closed conversation ``handoff_id`` as learned from; LearnError if it is missing or still open."""
    handoff = await handoffs.get(session, handoff_id)
    if handoff is None:
        raise LearnError("ไม่พบการสนทนานี้")
    if handoff.status != "closed":
        raise LearnError("บันทึกให้บอตเรียนรู้ได้เมื่อปิดการสนทนาแล้ว")
    handoff.learned = True


def staff_answer(lines: Sequence[HandoffMessage], limit: int) -> str:
    """What staff answered in the conversation, as a first draft of a new topic's answer (≤ ``limit``)."""
    said = "\n".join(line.text.strip() for line in lines if line.sender == "staff" and line.text.strip())
    return said[:limit]
