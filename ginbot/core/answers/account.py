"""The user's own settings: set_agency, subscribe, unsubscribe, forget_me (PDPA), and the ask-back resume."""

from __future__ import annotations

from ginbot.core.catalog import AgencyInfo
from ginbot.core.messages import Reply
from ginbot.core.resolve import (
    NO_WORDS,
    YES_WORDS,
    answer_about,
    ask_agency,
    asked_own,
    choice_by_text,
    from_text,
    not_found,
)
from ginbot.core.turn import Outcome, Turn
from ginbot.db import queries

CONFIRM_WORDS = {"ยืนยันลบข้อมูล", "ยืนยัน", "ใช่", "ตกลง", "ลบเลย", "ok", "yes", "y", "yes, delete my data"}
# Intents that, arriving while the bot waits for an agency name, mean the user moved on to a new question.
AGENCY_INTENTS = {"set_agency", "migration_date", "last_v8_day", "which_cohort", "subscribe", "fallback"}


def confirm_agency(turn: Turn, agency: AgencyInfo) -> Reply:
    """The saved agency with its dates, worded for before, on or after its last v8 day as the other date
    answers are, and what ginbot will send: only what this channel can deliver."""
    turn.save_agency(agency)
    cohort = turn.catalog.cohort_of(agency)
    values = turn.date_values(agency, cohort, key_date=cohort.last_v8_date)
    notes = values["tense"] if turn.message.can_push else "no_push"
    text = turn.text(f"set_agency.{values['tense']}", **values) + "\n" + turn.text(f"notify_note.{notes}")
    # The same "your dates" card as a date answer: often this is the person's first answer about their agency.
    return Reply(text, card=turn.dates_card(agency, cohort, key_date=cohort.last_v8_date))


def set_agency(turn: Turn) -> Outcome:
    found = from_text(turn, "set_agency")
    if found is None or found.cohort is not None:
        return ask_agency(turn, "set_agency")
    if found.outcome is not None:
        return found.outcome
    assert found.agency is not None
    turn.clear_pending()
    return Outcome([confirm_agency(turn, found.agency)])


def subscribe(turn: Turn) -> Outcome:
    if not turn.message.can_push:  # say where reminders can reach the person instead of promising them
        return Outcome([turn.reply("subscribe_no_push")])
    agency = turn.saved_agency()
    if agency is None:
        turn.wait_for("agency", intent="subscribe", own=True)
        return Outcome([turn.reply("subscribe_need_agency")], ask_back=True)
    cohort = turn.catalog.cohort_of(agency)
    values = turn.date_values(agency, cohort, key_date=cohort.last_v8_date)
    if turn.user.subscribed:
        return Outcome([turn.reply("subscribe_already", **values)])
    turn.user.subscribed = True
    return Outcome([turn.reply("subscribe", **values)])


def unsubscribe(turn: Turn) -> Outcome:
    if not turn.user.subscribed:
        return Outcome([turn.reply("unsubscribe_already")])
    turn.user.subscribed = False
    return Outcome([turn.reply("unsubscribe")])


def forget_me(turn: Turn) -> Outcome:
    turn.wait_for("forget_confirm")
    return Outcome([turn.reply("forget_me.confirm", turn.content.buttons("forget_confirm"))])


async def forget_confirmed(turn: Turn) -> Outcome | None:
    """Runs when the bot asked "delete everything?": yes deletes, a new question moves on, else cancel."""
    text = turn.understood.text.strip().lower()
    if text in CONFIRM_WORDS:
        await queries.delete_user(turn.session, turn.user.id)
        turn.user_deleted = True
        return Outcome([turn.reply("forget_me.done")], intent="forget_me", forgotten=True)
    turn.clear_pending()
    moved_on = turn.understood.intent not in ("fallback", "forget_me") or turn.understood.topic is not None
    if moved_on and text not in ("ยกเลิก", "ไม่", "no", "cancel"):
        return None
    return Outcome([turn.reply("forget_me.cancelled")], intent="forget_me")


def resume_agency(turn: Turn) -> Outcome | None:
    """The user answers "which agency?": finish the question asked before, and remember the agency."""
    from ginbot.core.answers.campaign import answer_for_agency, answer_for_cohort

    pending_intent = str(turn.state.data.get("intent", "set_agency"))
    own = asked_own(turn, pending_intent)
    u = turn.understood
    agency = choice_by_text(turn)
    if agency is None:
        found = from_text(turn, pending_intent)
        if found is None:
            if u.intent not in AGENCY_INTENTS or u.topic is not None:
                turn.clear_pending()
                return None  # a new question: answer it instead
            return not_found(turn, pending_intent)
        if found.outcome is not None:
            return found.outcome
        if found.cohort is not None:
            turn.clear_pending()
            turn.about.cohort = found.cohort
            if pending_intent in ("set_agency", "subscribe"):
                return None
            return Outcome([answer_for_cohort(turn, pending_intent, found.cohort)], intent=pending_intent)
        agency = found.agency
    assert agency is not None
    turn.clear_pending()
    if pending_intent in ("set_agency", "subscribe"):
        return Outcome([confirm_agency(turn, agency)], intent=pending_intent)
    answer = answer_for_agency(turn, pending_intent, agency)
    if not own:
        # "ท่านหมายถึงหน่วยงานใดคะ?" about an agency named in a question: the subject, not the person's own.
        return answer_about(turn, agency, answer, intent=pending_intent)
    turn.about.agency = agency.id
    replies = [answer]
    if turn.user.agency_id != agency.id:
        turn.save_agency(agency)
        cohort = turn.catalog.cohort_of(agency)
        values = turn.date_values(agency, cohort, key_date=cohort.last_v8_date)
        note = values["tense"] if turn.message.can_push else "no_push"
        replies.append(turn.reply(f"remembered.{note}", **values))
    return Outcome(replies, intent=pending_intent)


def confirm_own_agency(turn: Turn) -> Outcome | None:
    """The answer to "ท่านอยู่…ใช่ไหมคะ": yes saves the agency, no is remembered; anything else moves on."""
    text = turn.understood.text.strip().lower().rstrip("!. ")
    agency = turn.catalog.agencies.get(str(turn.state.data.get("agency", "")))
    turn.clear_pending()
    if agency is None:
        return None
    if text in YES_WORDS:
        return Outcome([confirm_agency(turn, agency)], intent="set_agency", keeps_topic=True)
    if text.startswith(NO_WORDS) and turn.understood.agency is None and not turn.understood.candidates:
        turn.not_mine.append(agency.id)
        return Outcome([turn.reply("not_own", agency=turn.agency_name(agency))], intent="set_agency", keeps_topic=True)
    return None  # a new question (or "ไม่ใช่ ผมอยู่กรมศุลกากร"): answer it as usual
