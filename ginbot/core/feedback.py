"""👍/👎 under each substantive answer: the buttons, and reading a tap back.

A tap arrives as an ordinary text message on every channel (a quick reply sends its text), so it is
recognised by its leading emoji before the NLU's answer is used; it is never read as a new question. It
rates the answer whose message_log id is kept in the person's conversation state (``ANSWER_ID``): the
latest rateable answer, the one the buttons were shown under.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.content import Content
from ginbot.core.messages import MAX_QUICK_REPLIES, QuickReply, Reply
from ginbot.core.turn import Outcome
from ginbot.db import queries
from ginbot.db.models import ChatUser, ConversationState

UP, DOWN = 1, -1
# The key in conversation_states.context holding the message_log id a tap rates.
ANSWER_ID = "answer_id"
# What a rating turn is logged and observed as: not an intent of the NLU, and not a question.
FEEDBACK_INTENT = "feedback"
# A tapped button, or the emoji typed alone with a word or two; a long message that starts with 👍 is
# still a message ("👍 แล้วกรมศุลกากรล่ะ").
MAX_RATING_CHARS = 20
# Emoji skin tones and the variation selector follow the thumb.
_MODIFIERS = "\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"


def rating_of(text: str) -> int | None:
    """1 for a 👍 tap, -1 for 👎, None for any other message."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_RATING_CHARS:
        return None
    if stripped.startswith("👍"):
        rest, rating = stripped[1:], UP
    elif stripped.startswith("👎"):
        rest, rating = stripped[1:], DOWN
    else:
        return None
    rest = rest.lstrip(_MODIFIERS)
    # "👍👍" or "👍 ตรงคำถาม" are ratings; "👍👎" is not a clear one.
    if ("👎" if rating == UP else "👍") in rest:
        return None
    return rating


def with_rating_buttons(replies: list[Reply], buttons: tuple[QuickReply, ...]) -> list[Reply]:
    """The answer with the 👍/👎 ``buttons`` (answers.yml ``buttons.rate``, in the person's language) added
    to its last message, where every channel shows quick replies, when there is room beside its own."""
    if not replies or not buttons:
        return replies
    last = replies[-1]
    if len(last.quick_replies) + len(buttons) > MAX_QUICK_REPLIES:
        return replies
    return [*replies[:-1], replace(last, quick_replies=(*last.quick_replies, *buttons))]


def kept(stored: dict[str, Any] | None) -> dict[str, Any]:
    """The part of the stored context that outlives a turn: which answer a tap rates."""
    return {ANSWER_ID: stored[ANSWER_ID]} if stored and ANSWER_ID in stored else {}


async def rate(
    session: AsyncSession, content: Content, user: ChatUser, state: ConversationState, rating: int, now: datetime
) -> Outcome:
    """Store a tap on the answer it was shown under and thank the person; a 👎 offers a person to talk to.

    The conversation's context and pending question are left as they were: after a 👎 the official often
    asks again in other words, and that is still a follow-up of what came before.
    """
    stored = (state.context or {}).get(ANSWER_ID)
    log_id = stored if isinstance(stored, int) else None
    rated = None
    if log_id is not None:
        rated = await queries.rate_answer(session, log_id, user.id, rating, now)
    if rating > 0:
        replies = [Reply(content.text("feedback.up"))]
    else:
        from ginbot.core.intents import INTENTS  # the registry imports the answers, which import this

        replies = [Reply(content.text("feedback.down"), INTENTS.offer("contact_staff", content.language))]
    return Outcome(
        replies, intent=FEEDBACK_INTENT, feedback=rating, rated_log_id=log_id if rated is not None else None
    )
