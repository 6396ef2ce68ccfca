"""Unanswered questions: list them grouped, and teach the bot from staff's answer.

Teaching stores each distinct wording as a training example (table training_examples, which
ginbot.wiring.build_nlu merges in at every start and in `ginbot parse`), marks the messages reviewed, and
retrains the running classifier in a worker thread, so the very next chat message benefits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.intents import INTENTS
from ginbot.db.models import MessageLog, TrainingExample
from ginbot.db.session import Database
from ginbot.nlu.intents import IntentExample
from ginbot.nlu.text import normalise, tokens
from ginbot.web import lifecycle
from ginbot.web.admin import audit
from ginbot.web.admin.clustering import Group, Question, group_similar
from ginbot.web.admin.context import Retrainable
from ginbot.web.admin.stats import needs_review

# One retrain of the running NLU at a time, whichever page asked for it (intents here, knowledge topics in
# ginbot.web.admin.knowledge): two at once could lose one's change.
RETRAIN_LOCK_KEY = web.AppKey("admin_retrain_lock", asyncio.Lock)
# Reviewed without teaching anything (chit-chat, a reply the bot handled fine): stored in reviewed_intent.
DISMISSED = "-"
# The page shows the newest this many; older ones wait their turn (staff work through the top).
PAGE_LIMIT = 500
# Polite particles carry no meaning for grouping: "แชร์หน้าจอไม่ได้ครับ" is "แชร์หน้าจอไม่ได้".
PARTICLES = frozenset({"ครับ", "คับ", "ครับผม", "คะ", "ค่ะ", "ค่า", "นะ", "นะคะ", "นะครับ", "จ้า", "จ้ะ", "ฮะ", "ค่ะๆ"})



def grouping_key(text: str) -> str:
    return " ".join(t for t in tokens(normalise(text)) if t not in PARTICLES)


def pending_query(limit: int = PAGE_LIMIT) -> Select[int, str, datetime, str, float, str, int | None]:
    """The newest unreviewed questions (served by the partial index ix_message_log_unreviewed)."""
    return (
        select(
            MessageLog.id,
            MessageLog.text,
            MessageLog.created_at,
            MessageLog.intent,
            MessageLog.confidence,
            MessageLog.channel,
            MessageLog.rating,
        )
        .where(needs_review(), MessageLog.text != "")
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc())
        .limit(limit)
    )


async def pending_groups(db: Database) -> tuple[list[Group], int]:
    """The newest unreviewed questions, grouped; and how many there are in all."""
    async with db.session() as session:
        rows = (await session.execute(pending_query())).all()
    questions = [Question(*row) for row in rows]
    # Segmenting a few hundred short texts takes a moment of CPU: keep it off the event loop.
    groups = await asyncio.to_thread(group_similar, questions, grouping_key)
    return groups, len(questions)


@dataclass(frozen=True)
class Taught:
    messages: int  # marked reviewed
    new_examples: list[IntentExample]
    retrained: bool


async def _unreviewed(session: AsyncSession, ids: Sequence[int]) -> Sequence[MessageLog]:
    return (
        await session.scalars(select(MessageLog).where(MessageLog.id.in_(ids), MessageLog.reviewed_intent.is_(None)))
    ).all()


async def teach(db: Database, nlu: Retrainable | None, lock: asyncio.Lock, *, ids: Sequence[int], intent: str,
                staff_name: str, ip: str | None) -> Taught:  # fmt: skip
    """Assign the messages ``ids`` to ``intent`` (or DISMISSED) and retrain the running NLU."""
    if intent != DISMISSED and intent not in INTENTS:
        raise ValueError(f"unknown intent {intent!r}")
    new: list[IntentExample] = []
    async with db.session() as session:
        messages = await _unreviewed(session, ids)
        if intent != DISMISSED:
            known = {normalise(t) for t in (await session.scalars(select(TrainingExample.text))).all()}
            for message in messages:
                key = normalise(message.text)
                if not key or key in known:
                    continue
                known.add(key)
                session.add(TrainingExample(text=message.text, intent=intent, source_message_id=message.id,
                                            staff_name=staff_name))  # fmt: skip
                new.append(IntentExample(text=message.text, intent=intent))
        for message in messages:
            message.reviewed_intent = intent
        action = audit.UNANSWERED_DISMISSED if intent == DISMISSED else audit.UNANSWERED_ASSIGNED
        details = {"intent": intent, "message_ids": [m.id for m in messages], "examples": [e.text for e in new]}
        if messages:
            await audit.record(session, action, staff_name=staff_name, details=details, ip=ip)
    retrained = False
    if new and nlu is not None:
        # One retrain at a time: Nlu.retrain appends to its example list, and two at once could lose one.
        async with lock:
            await asyncio.get_running_loop().run_in_executor(None, nlu.retrain, new)
        lifecycle.resettle_heap()
        retrained = True
    return Taught(len(messages), new, retrained)
