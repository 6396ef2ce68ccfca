"""Which agency (or cohort) a turn is about: named in the text, chosen before, or asked for.

Rules, in order: a confident agency in the text; several close candidates -> ask which; a cohort number
-> answer for the cohort; a name that matches nothing -> say so with the closest names; the agency or
cohort the conversation is about (ginbot.core.context), unless the person says "mine"; the user's saved
agency; otherwise ask. The answer to an ask-back resumes the question that was asked.

An agency named in a question is the subject of that question, never silently the person's own: only an
answer to "which is your agency?" (``own=True`` in the pending data) or a "yes" to "ท่านอยู่…ใช่ไหมคะ"
(``answer_about``) saves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ginbot.core import context
from ginbot.core.catalog import AgencyInfo, short_label
from ginbot.core.messages import QuickReply, Reply
from ginbot.core.turn import Outcome, Turn
from ginbot.core.understanding import AgencyGuess

MAX_CHOICES = 6
# Words that show the user named an organisation, so a miss means "unknown agency", not "no agency".
ORG_WORD = re.compile(r"กรม|สำนักงาน|สำนัก|สถาบัน|องค์การ|กองทัพ|กองบัญชาการ|มหาวิทยาลัย|department|office|agency", re.I)


@dataclass(frozen=True)
class Resolved:
    agency: AgencyInfo | None = None
    cohort: int | None = None
    outcome: Outcome | None = None  # set when the turn must ask back instead of answering
    from_text: bool = False


def _choices(turn: Turn, guesses: tuple[AgencyGuess, ...]) -> tuple[QuickReply, ...]:
    buttons = []
    for g in guesses[:MAX_CHOICES]:
        info = turn.catalog.agencies.get(g.id)
        if info is not None:
            buttons.append(QuickReply(short_label(info), info.name_th))
    return tuple(buttons)


# Asking for these is asking for the person's own agency.
OWN_INTENTS = frozenset({"set_agency", "subscribe"})


def asked_own(turn: Turn, intent: str) -> bool:
    """Whether the agency being asked for is the person's own (kept across a follow-up ask-back)."""
    waiting = turn.state.pending == "agency" and bool(turn.state.data.get("own"))
    return waiting or intent in OWN_INTENTS


def ask_agency(turn: Turn, intent: str) -> Outcome:
    turn.wait_for("agency", intent=intent, own=True)
    return Outcome([turn.reply("ask_agency")], answered=True, ask_back=True)


YES_WORDS = {"ใช่", "ใช่ค่ะ", "ใช่ครับ", "ใช่คะ", "ใช่คับ", "ใช่แล้ว", "ใช่แล้วค่ะ", "ใช่แล้วครับ", "ถูกต้อง",
             "ถูกต้องค่ะ", "ถูกต้องครับ", "ครับ", "ค่ะ", "yes", "ok", "y"}  # fmt: skip
NO_WORDS = ("ไม่ใช่", "ไม่", "เปล่า", "no", "ไม่ได้อยู่")


def answer_about(turn: Turn, agency: AgencyInfo, answer: Reply, *, intent: str | None = None) -> Outcome:
    """An answer about an agency the person named: then offer to make it theirs, never assume it.

    The question goes in the same message as the answer (one message, its yes/no buttons under it). It is
    asked only of someone without a saved agency, and not again about an agency they said is not theirs.
    """
    turn.about.agency = agency.id
    declined = turn.context.not_mine if turn.context else ()
    if turn.user.agency_id is not None or agency.id in declined or agency.id in turn.not_mine:
        return Outcome([answer], intent=intent)
    turn.wait_for("confirm_agency", agency=agency.id)
    question = turn.text("ask_is_own", agency=turn.agency_name(agency))
    asked = replace(answer, text=f"{answer.text}\n\n{question}", quick_replies=turn.content.buttons("yes_no"))
    return Outcome([asked], intent=intent, ask_back=True)


def from_text(turn: Turn, intent: str) -> Resolved | None:
    """The agency or cohort named in this message, an ask-back, or None when the text names nothing."""
    u = turn.understood
    if u.agency and u.agency.id in turn.catalog.agencies:
        return Resolved(agency=turn.catalog.agencies[u.agency.id], from_text=True)
    strong = tuple(c for c in u.candidates if not c.suggestion)
    if len(strong) > 1:
        own = asked_own(turn, intent)
        turn.wait_for("agency", intent=intent, choices=[c.id for c in strong[:MAX_CHOICES]], own=own)
        return Resolved(outcome=Outcome([turn.reply("ask_which_agency", _choices(turn, strong))], ask_back=True))
    if len(strong) == 1 and strong[0].id in turn.catalog.agencies:
        return Resolved(agency=turn.catalog.agencies[strong[0].id], from_text=True)
    if u.cohort is not None:
        return Resolved(cohort=u.cohort)
    if ORG_WORD.search(u.text):
        return Resolved(outcome=not_found(turn, intent))
    return None


def not_found(turn: Turn, intent: str) -> Outcome:
    u = turn.understood
    turn.wait_for("agency", intent=intent, own=asked_own(turn, intent))
    lines = [turn.text("agency_not_found")]
    buttons = _choices(turn, u.candidates)
    lines.append(turn.text("agency_not_found_suggest") if buttons else turn.text("agency_not_found_retry"))
    return Outcome([Reply("\n".join(lines), buttons)], answered=False, ask_back=True)


def resolve(turn: Turn, intent: str) -> Resolved:
    named = from_text(turn, intent)
    if named is not None:
        return named
    subject = context.subject_agency(turn.understood, turn.context)
    if subject is not None and subject in turn.catalog.agencies:
        return Resolved(agency=turn.catalog.agencies[subject])
    cohort = context.subject_cohort(turn.understood, turn.context)
    if cohort is not None:
        return Resolved(cohort=cohort)
    saved = turn.saved_agency()
    if saved is not None:
        return Resolved(agency=saved)
    return Resolved(outcome=ask_agency(turn, intent))


def choice_by_text(turn: Turn) -> AgencyInfo | None:
    """A tapped choice sends the agency's exact Thai name; accept it even if NLU would hesitate."""
    text = turn.understood.text.strip()
    for agency_id in turn.state.data.get("choices", []):
        info = turn.catalog.agencies.get(agency_id)
        if info is not None and text in (info.name_th, info.abbr_th, short_label(info)):
            return info
    return None
