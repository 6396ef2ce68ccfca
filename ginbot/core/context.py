"""What the conversation is about: the last answer's intent and its subject, so a follow-up reads as a
person would read it.

- "แล้ว v8 ใช้ได้ถึงวันไหน" right after "กรมสรรพากรย้ายวันไหน" is about กรมสรรพากร (the subject), not
  about the person's own agency;
- "แล้วกรมศุลกากรล่ะ" (or a bare "กรมศุลกากร") asks the previous question again about กรมศุลกากร;
- "แล้ว mac ล่ะ" after the Windows install guide asks for the Mac one.

The subject is kept apart from the person's saved agency (ChatUser.agency_id) and never becomes it
silently. It expires after ``CONTEXT_TTL`` without a message, and when an answer of another kind changes
the topic. Pure functions over plain data; the dialogue loads and stores it (conversation_states.context).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ginbot.core.understanding import Understood

# Long enough for a conversation with pauses to read a page, short enough that a question asked after
# lunch is not read as a follow-up of the morning's.
CONTEXT_TTL = timedelta(minutes=10)

# Intents whose answer is about an agency or a cohort; a follow-up can carry them to another one.
DATED = frozenset({"migration_date", "last_v8_day", "which_cohort"})
ABOUT_COHORT = DATED | {"cohort_agencies"}
ABOUT_PLATFORM = frozenset({"install_v9"})
# Small talk neither starts nor ends a topic: "ขอบคุณค่ะ … แล้วกรมศุลกากรล่ะ" still follows on.
KEEPS_TOPIC = frozenset({"greet", "thanks", "fallback"})

# The person talks about their own agency: "หน่วยงานของฉัน", "ของผม", "ที่ผมอยู่" …
OWN = re.compile(r"ของ(?:ฉัน|ผม|หนู|เรา|ดิฉัน|กระผม)|หน่วยงาน(?:ฉัน|ผม|หนู|เรา|ดิฉัน)|ที่(?:ฉัน|ผม|หนู|ดิฉัน)อยู่|\bmy\b|\bour\b", re.I)
# A statement about oneself, so a named agency is "I work there", not "what about there?".
SELF_STATEMENT = re.compile(r"อยู่(?:ที่)?|ทำงาน|สังกัด|เปลี่ยน|ย้ายไปอยู่|\bwork\b|\bi am\b|\bi'm\b", re.I)
# "แล้ว … ล่ะ", "… ละคะ", "… ด้วย": asking the same again about something else.
FOLLOW_UP = re.compile(r"^\s*(?:แล้ว|และ|ส่วน|what about|and)|(?:ล่ะ|หล่ะ|ละ|ด้วย|บ้าง)\s*(?:ครับ|คะ|ค่ะ|คับ|จ้ะ|จ้า)?\s*[?？]*\s*$", re.I)
# Below this the classifier's own intent is a guess the context may overrule.
UNSURE = 0.6
# What is left of "แล้วกรมศุลกากรล่ะคะ" / "What about the Customs Department?" once the agency's name is
# taken out: nothing but these means the message only names another subject for the same question.
FILLER = re.compile(
    r"แล้ว|และ|ส่วน|ล่ะ|หล่ะ|ละ|ด้วย|บ้าง|ครับ|คะ|ค่ะ|คับ|จ้ะ|จ้า|นะ|ที่|"
    r"\b(?:what|how|about|and|the|then|for|of)\b|[?？!.,:;\s]",
    re.I,
)
# A reply this short that names a platform is an answer, not a new question ("Android", "ไอโฟนค่ะ").
SHORT_REPLY_CHARS = 24


@dataclass(frozen=True)
class Context:
    intent: str
    at: datetime
    agency: str | None = None
    cohort: int | None = None
    platform: str | None = None
    # Agencies the person said are not theirs: ginbot does not ask "ท่านอยู่…ใช่ไหม" about them again.
    not_mine: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "at": self.at.isoformat(),
            "agency": self.agency,
            "cohort": self.cohort,
            "platform": self.platform,
            "not_mine": list(self.not_mine),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Context | None:
        if not data or not isinstance(data.get("intent"), str) or not isinstance(data.get("at"), str):
            return None
        try:
            at = datetime.fromisoformat(data["at"])
        except ValueError:
            return None
        cohort = data.get("cohort")
        return cls(
            intent=data["intent"],
            at=at,
            agency=data.get("agency") if isinstance(data.get("agency"), str) else None,
            cohort=cohort if isinstance(cohort, int) else None,
            platform=data.get("platform") if isinstance(data.get("platform"), str) else None,
            not_mine=tuple(str(a) for a in data.get("not_mine") or ()),
        )


def current(data: dict[str, Any] | None, now: datetime) -> Context | None:
    """The stored context, or None once it has expired."""
    ctx = Context.from_json(data)
    if ctx is None or not (timedelta(0) <= now - ctx.at <= CONTEXT_TTL):
        return None
    return ctx


def mentions_own(text: str) -> bool:
    return OWN.search(text) is not None


def is_short(text: str) -> bool:
    return len(text.strip()) <= SHORT_REPLY_CHARS


def names_subject(u: Understood) -> bool:
    """The text names an agency (or close candidates) or a cohort."""
    return u.agency is not None or bool(u.candidates) or u.cohort is not None


def only_names(text: str, names: Sequence[str]) -> bool:
    """The text says nothing but one of ``names`` and filler words ("แล้ว…ล่ะ", "what about the …?")."""
    rest = text
    for name in sorted((n for n in names if n), key=len, reverse=True):
        rest = re.sub(re.escape(name), " ", rest, flags=re.I)
    return rest != text and not FILLER.sub("", rest)


def follow_up(u: Understood, ctx: Context | None, names: Sequence[str] = ()) -> Understood:
    """The message as meant in context: the previous question carried to the agency, cohort or platform
    this short message names (``names``: the names of the agency it mentions). Anything else comes back
    unchanged."""
    if ctx is None:
        return u
    if ctx.intent in ABOUT_COHORT and names_subject(u) and u.intent not in ("cohort_agencies", "schedule"):
        # "แล้วกรมศุลกากรล่ะ" / "กรมศุลกากร" (a bare name reads as set_agency) / "แล้วกลุ่ม 3 ล่ะ"
        unsure = u.intent in ("set_agency", "fallback") or u.confidence < UNSURE
        carried = not SELF_STATEMENT.search(u.text) and (
            (unsure and (FOLLOW_UP.search(u.text) is not None or is_short(u.text))) or only_names(u.text, names)
        )
        if carried:
            intent = ctx.intent
            if intent == "cohort_agencies" and u.cohort is None:
                intent = "which_cohort"  # "กลุ่ม 2 มีใครบ้าง" … "แล้วกรมศุลกากรล่ะ": which cohort is it in
            return _carried(u, intent)
    if ctx.intent in ABOUT_COHORT and u.intent == "cohort_agencies" and u.cohort is not None:
        # "แล้วกลุ่ม 3 ล่ะ" after "กลุ่ม 2 ย้ายวันไหน" asks for cohort 3's date, not its member list.
        if ctx.intent in DATED and FOLLOW_UP.search(u.text) and is_short(u.text):
            return _carried(u, ctx.intent)
    if ctx.intent in ABOUT_PLATFORM and u.platform and u.intent != "install_v9":
        # "แล้ว mac ล่ะ", but not "ถอน v8 บน mac ยังไง": that asks something else about a Mac.
        unsure = u.intent == "fallback" or u.confidence < UNSURE
        if unsure and (FOLLOW_UP.search(u.text) or is_short(u.text)):
            return _carried(u, ctx.intent)
    return u


def _carried(u: Understood, intent: str) -> Understood:
    # The previous question, asked again: a knowledge topic the retrieval matched on these few words
    # ("แล้ว mac ล่ะ" is close to the Mac topics) is not what the person asked.
    return replace(u, intent=intent, topic=None)


def subject_agency(u: Understood, ctx: Context | None) -> str | None:
    """The agency a question without one is about: the one just talked about, unless the person says
    "mine" (then their saved agency applies)."""
    if ctx is None or ctx.intent not in ABOUT_COHORT or mentions_own(u.text) or names_subject(u):
        return None
    return ctx.agency


def subject_cohort(u: Understood, ctx: Context | None) -> int | None:
    if ctx is None or ctx.intent not in ABOUT_COHORT or mentions_own(u.text) or names_subject(u):
        return None
    return ctx.cohort if ctx.agency is None else None


def after_answer(
    previous: Context | None,
    intent: str | None,
    now: datetime,
    *,
    agency: str | None = None,
    cohort: int | None = None,
    platform: str | None = None,
    not_mine: Iterable[str] = (),
) -> Context | None:
    """The context after a turn answered as ``intent`` about the given subject (None: a side remark that
    keeps the topic, like small talk)."""
    earlier = previous.not_mine if previous else ()
    not_mine = tuple(dict.fromkeys([*earlier, *not_mine]))
    if previous is not None and not_mine != previous.not_mine:
        previous = replace(previous, not_mine=not_mine)
    if intent is None or intent in KEEPS_TOPIC:
        if previous is None:
            return Context(intent or "fallback", now, not_mine=not_mine) if not_mine else None
        return replace(previous, at=now)
    if intent in ABOUT_COHORT or intent in ABOUT_PLATFORM:
        return Context(intent, now, agency=agency, cohort=cohort, platform=platform, not_mine=not_mine)
    # Another kind of question: the topic changed, nothing to carry over.
    return Context(intent, now, not_mine=not_mine)
