"""Readiness: a person tells ginbot whether AcuConference 9 works for them, and ginbot records it.

Three ways in, one record:
- a check-in button (its exact text), any time;
- an unprompted statement with an intent of its own ("ติดตั้ง v9 แล้ว" → report_ready, "ยังไม่ได้ลง" →
  report_not_installed) or a trouble report worded as one's own state ("ยังเข้าไม่ได้เลย", cannot_join);
- a short free-text answer read in the context of a check-in sent in the last few days ("ได้แล้วค่ะ").

The answer then helps: ready → thanks (install reminders stop); not installed → the install guide (and the
planner nudges again later); problem → the trouble-shooting answer with the contact-staff button.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ginbot.core.answers import guides, small_talk
from ginbot.core.turn import Outcome, Turn
from ginbot.db import readiness as store
from ginbot.nlu.readiness import checkin_answer, is_status_statement, mentions_install

# A check-in stays open for a free-text answer this long; after that "ได้แล้วค่ะ" is small talk again.
CHECKIN_CONTEXT = timedelta(days=7)
INTENT_STATUS = {"report_ready": store.READY, "report_not_installed": store.NOT_INSTALLED}
# Intents under which a short answer may hide ("ได้แล้วค่ะ" reads as thanks, "ยังเลย" as fallback).
CONTEXT_INTENTS = frozenset({"fallback", "thanks", "greet", "help", "cannot_join", "install_v9", "report_ready"})


def button_status(turn: Turn) -> str | None:
    """The status a check-in button stands for, when the text is exactly one of them."""
    statuses = (store.READY, store.PROBLEM, store.NOT_INSTALLED)  # the order of buttons.checkin
    text = turn.understood.text.strip()
    for button, status in zip(turn.content.buttons("checkin"), statuses, strict=False):
        if text == button.text:
            return status
    return None


async def _checkin_open(turn: Turn, now: datetime) -> bool:
    sent = await store.last_checkin_at(turn.session, turn.user.id)
    return sent is not None and now - sent <= CHECKIN_CONTEXT


async def reported_status(turn: Turn, now: datetime) -> tuple[str, str] | None:
    """(status, source) when this turn reports the person's readiness, else None."""
    status = button_status(turn)
    if status is not None:
        return status, "button"
    intent, text = turn.understood.intent, turn.understood.text
    if intent in INTENT_STATUS and (intent != "report_ready" or mentions_install(text)):
        # The wording decides when it is definite: "ลงแล้วแต่ยังเข้าไม่ได้" leans report_ready but is a problem.
        return checkin_answer(text) or INTENT_STATUS[intent], "text"
    if intent == "cannot_join" and is_status_statement(text):
        return store.PROBLEM, "text"
    if intent in CONTEXT_INTENTS and await _checkin_open(turn, now):
        if intent == "cannot_join":
            return store.PROBLEM, "text"
        status = checkin_answer(text)
        if status is not None:
            return status, "text"
    return None


def answer(turn: Turn, status: str) -> Outcome:
    if status == store.READY:
        return Outcome([turn.reply("readiness.ready")], intent="report_ready")
    if status == store.NOT_INSTALLED:
        guide = guides.install_v9(turn)  # asks which device unless the text named one
        return Outcome([turn.reply("readiness.not_installed"), *guide.replies], intent="report_not_installed")
    # "problem": trouble-shooting and a person to call.
    trouble = guides.fixed("cannot_join", with_contact=True)(turn)
    return Outcome([turn.reply("readiness.problem"), *trouble.replies], intent="cannot_join")


async def respond(turn: Turn) -> Outcome | None:
    """Record and answer a readiness report; None when this turn is not one (dispatch as usual)."""
    now = (turn.now or datetime.now(UTC)).astimezone(UTC)
    found = await reported_status(turn, now)
    if found is None:
        return None
    status, source = found
    await store.record(turn.session, turn.user.id, status, source, now)
    if status == store.PROBLEM and turn.understood.intent == "cannot_join" and source == "text":
        # Their own words already asked for help: the usual answer, without the "recorded" preamble.
        return guides.fixed("cannot_join", with_contact=True)(turn)
    return answer(turn, status)


# The registry's answers (ginbot/core/intents.py), reached only when respond() did not take the turn: a bare
# "ได้แล้วค่ะ" with no check-in open is "got it", not a status.
def report_ready(turn: Turn) -> Outcome:
    return small_talk.thanks(turn)


def report_not_installed(turn: Turn) -> Outcome:
    return answer(turn, store.NOT_INSTALLED)
