"""Every scripted intent, declared once: its id, the answer function, the Thai name staff see, and the
button that offers it to officials.

Adding an intent means one ``Intent(...)`` line in ``INTENTS`` below (and, when the answer is not one
fixed text, its function in ``ginbot/core/answers/``) plus the training file ``intents/<id>.yml``.
Everything else reads this table: the dialogue dispatches through it, the "did you mean" buttons after a
fallback and the help menu are built from it, and the admin pages label intents with it. A test checks
that every file in ``intents/`` has exactly one entry here and every entry has a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ginbot.core.answers import account, campaign, guides, readiness, small_talk
from ginbot.core.messages import QuickReply
from ginbot.core.turn import Outcome, Turn
from ginbot.errors import DataFileError

Handler = Callable[[Turn], Outcome]
FALLBACK = "fallback"


@dataclass(frozen=True)
class Intent:
    id: str
    handler: Handler
    # What staff see for this intent on the admin pages and the dashboard.
    label_th: str
    # The button offering this intent to an official ("did you mean" after a fallback, the help menu):
    # label (≤ 20 characters) and the text sent when tapped. None: never offered as a button.
    suggestion: QuickReply | None = None
    # Shown in the help menu (in declaration order).
    menu: bool = False
    # Offered as "did you mean" after a fallback; small talk and account actions would not help there.
    suggest_on_fallback: bool = True
    # The same button for people who write in English (label ≤ 20 characters, text the NLU understands).
    suggestion_en: QuickReply | None = None

    def button(self, language: str = "th") -> QuickReply | None:
        """The button in ``language``; the Thai one where no English is declared."""
        if language == "en" and self.suggestion_en is not None:
            return self.suggestion_en
        return self.suggestion
    # Its answers carry 👍/👎 buttons (answers to a question, not small talk or settings changes).
    rateable: bool = True


class Registry:
    """The intents by id, in declaration order; refuses a second declaration of the same id."""

    def __init__(self, intents: Iterable[Intent]) -> None:
        self._by_id: dict[str, Intent] = {}
        for intent in intents:
            if intent.id in self._by_id:
                raise ValueError(f"intent {intent.id!r} is declared twice")
            self._by_id[intent.id] = intent
        if FALLBACK not in self._by_id:
            raise ValueError(f"the registry needs a {FALLBACK!r} intent")

    def __iter__(self) -> Iterator[Intent]:
        return iter(self._by_id.values())

    def __contains__(self, intent_id: object) -> bool:
        return intent_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def get(self, intent_id: str) -> Intent:
        """The intent, or the fallback for an id nobody declared (an old log row, a renamed intent)."""
        return self._by_id.get(intent_id) or self._by_id[FALLBACK]

    def label(self, intent_id: str) -> str:
        found = self._by_id.get(intent_id)
        return found.label_th if found else intent_id

    def suggestion(self, intent_id: str, language: str = "th") -> QuickReply | None:
        found = self._by_id.get(intent_id)
        return found.button(language) if found else None

    def offer(self, intent_id: str, language: str = "th") -> tuple[QuickReply, ...]:
        """The intent's button as a one-button row (empty when it has none)."""
        found = self.suggestion(intent_id, language)
        return (found,) if found is not None else ()

    def rateable(self, intent_id: str) -> bool:
        found = self._by_id.get(intent_id)
        return found is not None and found.rateable

    def menu(self, language: str = "th") -> tuple[QuickReply, ...]:
        return tuple(b for i in self if i.menu and (b := i.button(language)) is not None)

    def did_you_mean(self, ranked: Iterable[str], limit: int, language: str = "th") -> list[QuickReply]:
        """Buttons for the next-best intents, best first, skipping those not worth offering."""
        buttons: list[QuickReply] = []
        for intent_id in ranked:
            found = self._by_id.get(intent_id)
            button = found.button(language) if found is not None else None
            if found is None or not found.suggest_on_fallback or button is None:
                continue
            if button not in buttons:
                buttons.append(button)
            if len(buttons) == limit:
                break
        return buttons


class UnregisteredIntentError(DataFileError):
    """Training data for an intent nobody declared: it would be recognised and then never answered."""


def check_trained(registry: Registry, trained: Iterable[str]) -> None:
    """Refuse an intents/ folder that teaches an intent the registry has no answer for."""
    unknown = sorted(set(trained) - set(registry.ids))
    if unknown:
        files = ", ".join(f"intents/{i}.yml" for i in unknown)
        raise UnregisteredIntentError(f"{files}: no such intent in ginbot/core/intents.py (declare it there)")


def _q(label: str, text: str | None = None) -> QuickReply:
    return QuickReply(label, text or label)


INTENTS = Registry(
    [
        Intent("greet", small_talk.greet, "ทักทาย", suggest_on_fallback=False, rateable=False),
        Intent("thanks", small_talk.thanks, "ขอบคุณ", suggest_on_fallback=False, rateable=False),
        Intent("help", small_talk.help_, "ขอความช่วยเหลือ / เมนู", _q("ช่วยอะไรได้บ้าง"), suggest_on_fallback=False,
               suggestion_en=_q("What can you do?"), rateable=False),
        Intent("migration_date", campaign.migration_date, "วันย้ายไป v9",
               _q("หน่วยงานย้ายวันไหน", "หน่วยงานของฉันย้ายวันไหน"), menu=True,
               suggestion_en=_q("When does mine move?", "When does my agency move?")),
        Intent("last_v8_day", campaign.last_v8_day, "v8 ใช้ได้ถึงวันไหน", _q("v8 ใช้ได้ถึงวันไหน"), menu=True,
               suggestion_en=_q("Last day of v8", "Until when does v8 work?")),
        Intent("which_cohort", campaign.which_cohort, "หน่วยงานอยู่กลุ่มไหน",
               _q("อยู่กลุ่มไหน", "หน่วยงานของฉันอยู่กลุ่มไหน"),
               suggestion_en=_q("Which cohort?", "Which cohort is my agency in?")),
        Intent("cohort_agencies", campaign.cohort_agencies, "กลุ่มนี้มีหน่วยงานใดบ้าง",
               _q("รายชื่อแต่ละกลุ่ม", "รายชื่อหน่วยงานแต่ละกลุ่ม"),
               suggestion_en=_q("Agencies by cohort", "Which agencies are in each cohort?")),
        Intent("schedule", campaign.schedule, "กำหนดการทั้งหมด", _q("ตารางการย้าย", "ตารางการย้ายทั้งหมด"), menu=True,
               suggestion_en=_q("Timetable", "Show the whole timetable")),
        Intent("install_v9", guides.install_v9, "ติดตั้ง v9", _q("ติดตั้ง v9", "ติดตั้ง AcuConference 9 ยังไง"),
               menu=True,
               suggestion_en=_q("Install v9", "How do I install AcuConference 9?")),
        Intent("uninstall_v8", guides.fixed("uninstall_v8"), "ถอนการติดตั้ง v8",
               _q("ถอน v8", "ถอน AcuConference 8 ยังไง"),
               suggestion_en=_q("Remove v8", "How do I uninstall AcuConference 8?")),
        Intent("download", guides.fixed("download", actions="download"), "ดาวน์โหลดโปรแกรม",
               _q("ดาวน์โหลด v9", "ดาวน์โหลด AcuConference 9 ที่ไหน"),
               suggestion_en=_q("Download v9", "Where do I download AcuConference 9?")),
        Intent("no_install_consequence", guides.fixed("no_install_consequence"), "ถ้าไม่ติดตั้งจะเป็นอย่างไร",
               _q("ถ้าไม่ติดตั้ง v9", "ถ้าไม่ติดตั้ง v9 จะเป็นยังไง"),
               suggestion_en=_q("If I don't upgrade?", "What happens if I don't install v9?")),
        Intent("why_migrate", guides.fixed("why_migrate"), "ทำไมต้องย้าย", _q("ทำไมต้องย้าย", "ทำไมต้องย้ายไป v9"),
               suggestion_en=_q("Why move?", "Why do we have to move to v9?")),
        Intent("about_gin", guides.fixed("about_gin"), "GIN Conference คืออะไร",
               _q("GIN Conference คือ", "GIN Conference คืออะไร"),
               suggestion_en=_q("What is GIN?", "What is GIN Conference?")),
        Intent("cannot_join", guides.fixed("cannot_join", with_contact=True, actions="contact"),
               "เข้าประชุมไม่ได้ / ภาพเสียงมีปัญหา", _q("เข้าประชุมไม่ได้"), menu=True,
               suggestion_en=_q("Cannot join", "I cannot join a meeting")),
        Intent("contact_staff", guides.fixed("contact_staff", with_contact=True, actions="contact"), "ติดต่อเจ้าหน้าที่",
               _q("ติดต่อเจ้าหน้าที่", "ขอติดต่อเจ้าหน้าที่"), menu=True,
               suggestion_en=_q("Contact staff")),
        Intent("set_agency", account.set_agency, "บอกหน่วยงานของตน", _q("ตั้งหน่วยงาน", "ตั้งหน่วยงานของฉัน"),
               suggest_on_fallback=False, rateable=False,
               suggestion_en=_q("Set my agency")),
        Intent("subscribe", account.subscribe, "รับการแจ้งเตือน", _q("รับการแจ้งเตือน", "สมัครรับการแจ้งเตือน"),
               menu=True, rateable=False,
               suggestion_en=_q("Get reminders", "Subscribe to reminders")),
        Intent("unsubscribe", account.unsubscribe, "ยกเลิกการแจ้งเตือน",
               _q("เลิกรับแจ้งเตือน", "ยกเลิกการแจ้งเตือน"), suggest_on_fallback=False, rateable=False,
               suggestion_en=_q("Stop reminders")),
        Intent("forget_me", account.forget_me, "ลบข้อมูลของฉัน", _q("ลบข้อมูลของฉัน"), suggest_on_fallback=False,
               rateable=False, suggestion_en=_q("Delete my data")),
        # Readiness statements (wave 2, issue 17): recorded by readiness.respond() before dispatch.
        Intent("report_ready", readiness.report_ready, "แจ้งว่าใช้ v9 ได้แล้ว", suggest_on_fallback=False,
               rateable=False),
        Intent("report_not_installed", readiness.report_not_installed, "แจ้งว่ายังไม่ได้ติดตั้ง v9",
               suggest_on_fallback=False, rateable=False),
        # A fallback is already on the review queue; rating "I cannot answer that" would add nothing.
        Intent(FALLBACK, small_talk.fallback, "นอกขอบเขต (ไม่เกี่ยวกับ GIN)", suggest_on_fallback=False,
               rateable=False),
    ]
)  # fmt: skip
