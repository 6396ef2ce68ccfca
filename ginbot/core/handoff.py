"""Conversation modes: with the bot, waiting for staff, with staff; closing returns the person to the bot.

Decisions made here, channel-neutral:
- Asking for a person (``contact_staff`` or the offer's button) opens a handoff at once, no confirm step,
  and says what happens next: within office hours that staff will answer here, outside them when staff
  are back (the question stays queued).
- After two unanswered (fallback) messages in a row ginbot offers a person.
- While waiting or with staff, the person's messages go to staff (transcript + the staff notifiers) and
  the bot does not answer them; "จบการสนทนา" (or its button) ends it and the bot is back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ginbot.core.answers import small_talk
from ginbot.core.messages import QuickReply
from ginbot.core.office_hours import OfficeHours, back_at, hours_en, hours_th, is_open
from ginbot.core.turn import Outcome, Turn
from ginbot.db import handoffs

BOT, WAITING, STAFF = "bot", "waiting", "staff"
WITH_STAFF = (WAITING, STAFF)
OFFER_AFTER_FALLBACKS = 2
END_TEXT = "จบการสนทนา"
# What ends a handoff when the official types (or taps) it; compared after strip and lower-casing.
END_WORDS = frozenset({END_TEXT, "จบสนทนา", "ปิดการสนทนา", "จบการสนทนาค่ะ", "จบการสนทนาครับ", "/end", "end chat"})
OPEN_TEXT = "ขอคุยกับเจ้าหน้าที่"
# Button texts that open a handoff whatever the classifier makes of them.
OPEN_WORDS = frozenset({OPEN_TEXT, "คุยกับเจ้าหน้าที่", "ขอติดต่อเจ้าหน้าที่", "talk to staff"})
CONTACT_DETAIL_WORDS = ("เบอร์", "โทร", "อีเมล", "email", "e-mail", "ติดต่อทางไหน")
END_BUTTON = QuickReply("จบการสนทนา", END_TEXT)
OPEN_BUTTON = QuickReply("คุยกับเจ้าหน้าที่", OPEN_TEXT)
END_BUTTON_EN = QuickReply("End chat", "end chat")
OPEN_BUTTON_EN = QuickReply("Talk to staff", "talk to staff")


@dataclass(frozen=True)
class StaffEvent:
    """Something staff should see, raised by a turn once it is committed (posted to the staff group)."""

    kind: str  # opened | message | ended
    handoff_id: int
    message_id: int | None  # the transcript line (its staff-group post is remembered on it)
    text: str
    channel: str
    agency: str | None  # the agency's Thai name, when the person told ginbot
    thread_id: int | None = None  # the conversation's forum topic, once it has one


def in_handoff(turn: Turn) -> bool:
    return turn.state.mode in WITH_STAFF


def wants_person(turn: Turn) -> bool:
    text = turn.understood.text.strip()
    if text.lower() in OPEN_WORDS:
        return True
    # "ขอเบอร์เจ้าหน้าที่" wants the phone number (the contact answer, with a button for a person), not a
    # conversation in which the bot would fall silent.
    return turn.understood.intent == "contact_staff" and not any(w in text.lower() for w in CONTACT_DETAIL_WORDS)


def wants_end(turn: Turn) -> bool:
    return turn.understood.text.strip().lower() in END_WORDS


async def open_handoff(turn: Turn, hours: OfficeHours, now: datetime) -> Outcome:
    agency = turn.saved_agency()
    handoff = await handoffs.open_handoff(
        turn.session,
        user_id=turn.user.id,
        channel=turn.message.channel,
        agency_id=agency.id if agency else None,
        now=now,
    )
    line = await handoffs.add_message(turn.session, handoff.id, "official", turn.understood.text, now=now)
    turn.clear_pending()
    turn.state.mode = WAITING
    turn.state.fallbacks_in_row = 0
    end_button = END_BUTTON_EN if turn.language == "en" else END_BUTTON
    if is_open(hours, now):
        reply = turn.reply("handoff.opened_open", (end_button,))
    else:
        english = turn.language == "en"
        back = back_at(hours, now, english=english)
        reply = turn.reply("handoff.opened_closed", (end_button,), back=back, hours=hours_en(hours) if english else hours_th(hours))
    event = StaffEvent(
        "opened", handoff.id, line.id, turn.understood.text, turn.message.channel, agency.name_th if agency else None
    )
    return Outcome([reply], intent="contact_staff", staff_events=[event])


async def relay(turn: Turn, now: datetime) -> Outcome:
    """The person writes while waiting or with staff: to the transcript and the staff, no bot answer."""
    handoff = await handoffs.current(turn.session, turn.user.id)
    if handoff is None:  # closed meanwhile by staff in another transaction: back to the bot
        turn.state.mode = BOT
        return Outcome([], answered=False)
    line = await handoffs.add_message(turn.session, handoff.id, "official", turn.understood.text, now=now)
    agency = turn.saved_agency()
    event = StaffEvent(
        "message",
        handoff.id,
        line.id,
        turn.understood.text,
        turn.message.channel,
        agency.name_th if agency else None,
        handoff.telegram_thread_id,
    )
    return Outcome([], intent=turn.understood.intent, staff_events=[event])


async def end_by_official(turn: Turn, now: datetime) -> Outcome:
    handoff = await handoffs.current(turn.session, turn.user.id)
    turn.state.mode = BOT
    turn.state.fallbacks_in_row = 0
    events = []
    if handoff is not None:
        handoff.status, handoff.closed_at, handoff.closed_by = "closed", handoffs.as_utc(now), "official"
        line = await handoffs.add_message(turn.session, handoff.id, "official", turn.understood.text, now=now)
        agency = turn.saved_agency()
        events.append(
            StaffEvent(
                "ended",
                handoff.id,
                line.id,
                turn.understood.text,
                turn.message.channel,
                agency.name_th if agency else None,
                handoff.telegram_thread_id,
            )
        )
    reply = turn.reply("handoff.ended_by_official", small_talk.menu())
    return Outcome([reply], intent="contact_staff", staff_events=events)


def count_fallbacks(turn: Turn, outcome: Outcome) -> Outcome:
    """Keep the count of unanswered messages in a row; at two, offer a person."""
    if outcome.answered:
        turn.state.fallbacks_in_row = 0
        return outcome
    turn.state.fallbacks_in_row = (turn.state.fallbacks_in_row or 0) + 1
    if turn.state.fallbacks_in_row >= OFFER_AFTER_FALLBACKS:
        turn.state.fallbacks_in_row = 0
        outcome.replies.append(turn.reply("handoff.offer", (OPEN_BUTTON_EN if turn.language == "en" else OPEN_BUTTON,)))
    return outcome
