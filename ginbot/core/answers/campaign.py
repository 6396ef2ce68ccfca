"""Dates and cohorts: migration_date, last_v8_day, which_cohort, cohort_agencies, schedule."""

from __future__ import annotations

from dataclasses import replace
from math import ceil

from ginbot.core.catalog import AgencyInfo
from ginbot.core.messages import Reply
from ginbot.core.resolve import Resolved, answer_about, resolve
from ginbot.core.turn import Outcome, Turn

# About one phone screen of names per message.
PAGE_SIZE = 15
MORE_WORDS = {"ดูต่อ", "ต่อ", "ถัดไป", "หน้าถัดไป", "เพิ่ม", "more", "next"}


def answer_for_agency(turn: Turn, intent: str, agency: AgencyInfo) -> Reply:
    cohort = turn.catalog.cohort_of(agency)
    key_date = cohort.last_v8_date if intent == "last_v8_day" else cohort.migration_date
    values = turn.date_values(agency, cohort, key_date=key_date)
    key = "which_cohort" if intent == "which_cohort" else f"{intent}.{values['tense']}"
    return replace(turn.reply(key, **values), card=turn.dates_card(agency, cohort, key_date=key_date))


def answer_for_cohort(turn: Turn, intent: str, number: int) -> Reply:
    cohort = turn.catalog.cohorts.get(number)
    if cohort is None:
        return turn.reply("cohort.unknown", count=len(turn.catalog.cohorts), cohort=number)
    if intent in ("which_cohort", "cohort_agencies"):
        return cohort_page(turn, number, 1)
    key_date = cohort.last_v8_date if intent == "last_v8_day" else cohort.migration_date
    values = turn.date_values(None, cohort, key_date=key_date)
    reply = turn.reply(f"cohort.{intent}.{values['tense']}", **values)
    return replace(reply, card=turn.dates_card(None, cohort, key_date=key_date))


def dated(turn: Turn, intent: str) -> Outcome:
    found: Resolved = resolve(turn, intent)
    if found.outcome is not None:
        return found.outcome
    if found.agency is not None:
        answer = answer_for_agency(turn, intent, found.agency)
        if found.from_text:
            return answer_about(turn, found.agency, answer)
        turn.about.agency = found.agency.id
        return Outcome([answer])
    assert found.cohort is not None
    turn.about.cohort = found.cohort
    return Outcome([answer_for_cohort(turn, intent, found.cohort)])


def cohort_page(turn: Turn, number: int, page: int) -> Reply:
    members = turn.catalog.members(number)
    pages = max(1, ceil(len(members) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    names = "\n".join(f"{i}. {turn.agency_name(a)}" for i, a in enumerate(members[start : start + PAGE_SIZE], start + 1))
    text = turn.text("cohort_agencies_page", cohort=number, count=len(members), page=page, pages=pages, names=names)
    if page < pages:
        turn.wait_for("cohort_page", cohort=number, page=page)
        return Reply(text + "\n" + turn.text("cohort_agencies_more"), turn.content.buttons("more"))
    turn.clear_pending()
    return Reply(text)


def cohort_agencies(turn: Turn) -> Outcome:
    u = turn.understood
    number = u.cohort
    if number is None and u.agency and u.agency.id in turn.catalog.agencies:
        number = turn.catalog.agencies[u.agency.id].cohort
    if number is None:
        return Outcome([turn.reply("ask_cohort", turn.content.buttons("cohorts"))], ask_back=True)
    turn.about.cohort = number
    if number not in turn.catalog.cohorts:
        return Outcome([turn.reply("cohort.unknown", count=len(turn.catalog.cohorts), cohort=number)])
    return Outcome([cohort_page(turn, number, 1)])


def next_page(turn: Turn) -> Outcome | None:
    if turn.understood.text.strip().lower() not in MORE_WORDS:
        return None
    data = turn.state.data
    return Outcome([cohort_page(turn, int(data["cohort"]), int(data["page"]) + 1)], intent="cohort_agencies")


def schedule(turn: Turn) -> Outcome:
    rows = []
    for number in sorted(turn.catalog.cohorts):
        cohort = turn.catalog.cohorts[number]
        values = turn.date_values(None, cohort, key_date=cohort.migration_date)
        rows.append(turn.text("schedule_row", **values))
    return Outcome([turn.reply("schedule", rows="\n".join(rows))])


def migration_date(turn: Turn) -> Outcome:
    return dated(turn, "migration_date")


def last_v8_day(turn: Turn) -> Outcome:
    return dated(turn, "last_v8_day")


def which_cohort(turn: Turn) -> Outcome:
    return dated(turn, "which_cohort")
