"""Which agency (or cohort) a turn is about: named in the text, chosen before, or asked for.

Rules, in order: a confident agency in the text; several close candidates -> ask which; a cohort number
-> answer for the cohort; a name that matches nothing -> say so with the closest names; the user's saved
agency; otherwise ask. The answer to an ask-back resumes the question that was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def ask_agency(turn: Turn, intent: str) -> Outcome:
    turn.wait_for("agency", intent=intent)
    return Outcome([turn.reply("ask_agency")], answered=True)


def from_text(turn: Turn, intent: str) -> Resolved | None:
    """The agency or cohort named in this message, an ask-back, or None when the text names nothing."""
    u = turn.understood
    if u.agency and u.agency.id in turn.catalog.agencies:
        return Resolved(agency=turn.catalog.agencies[u.agency.id], from_text=True)
    strong = tuple(c for c in u.candidates if not c.suggestion)
    if len(strong) > 1:
        turn.wait_for("agency", intent=intent, choices=[c.id for c in strong[:MAX_CHOICES]])
        return Resolved(outcome=Outcome([turn.reply("ask_which_agency", _choices(turn, strong))]))
    if len(strong) == 1 and strong[0].id in turn.catalog.agencies:
        return Resolved(agency=turn.catalog.agencies[strong[0].id], from_text=True)
    if u.cohort is not None:
        return Resolved(cohort=u.cohort)
    if ORG_WORD.search(u.text):
        return Resolved(outcome=not_found(turn, intent))
    return None


def not_found(turn: Turn, intent: str) -> Outcome:
    u = turn.understood
    turn.wait_for("agency", intent=intent)
    lines = [turn.text("agency_not_found")]
    buttons = _choices(turn, u.candidates)
    lines.append(turn.text("agency_not_found_suggest") if buttons else turn.text("agency_not_found_retry"))
    return Outcome([Reply("\n".join(lines), buttons)], answered=False)


def resolve(turn: Turn, intent: str) -> Resolved:
    named = from_text(turn, intent)
    if named is not None:
        return named
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
