"""One conversation turn: everything an answer needs, and the few ways it may change the user's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core.catalog import AgencyInfo, Catalog, CohortInfo
from ginbot.core.content import Content
from ginbot.core.context import Context
from ginbot.core.dates import (
    english_date,
    english_date_short,
    relative_en,
    relative_th,
    tense,
    thai_date,
    thai_date_short,
)
from ginbot.core.messages import Card, CardField, IncomingMessage, QuickReply, Reply
from ginbot.core.understanding import Understood
from ginbot.db.models import ChatUser, ConversationState


@dataclass
class Outcome:
    replies: list[Reply]
    answered: bool = True
    # The intent the turn was finally answered as (an ask-back completes the intent asked earlier).
    intent: str | None = None
    # The knowledge topic the answer came from, if it did (logged, counted per topic on the admin pages).
    topic: str | None = None
    # The turn asks the official something (which agency? which device? is this your agency?) rather
    # than answering: it is not offered for rating.
    ask_back: bool = False
    # A 👍 (1) or 👎 (-1) tap: this turn rated the answer ``rated_log_id`` (message_log.id) instead of
    # asking anything. Turn observers (metrics, the staff handoff) can act on a 👎 here.
    feedback: int | None = None
    rated_log_id: int | None = None
    # Set by the dialogue: the answer carries 👍/👎 buttons and a tap will rate it.
    rateable: bool = False
    # A side remark (yes/no to "is this your agency?"): what the conversation was about stays as it was.
    keeps_topic: bool = False
    # Whether the person's conversation is with staff (waiting or answered) after this turn.
    handoff: bool = False
    # What staff should see once the turn is committed (ginbot.core.handoff.StaffEvent).
    staff_events: list[Any] = field(default_factory=list)
    # The person's data was deleted in this turn (forget_me): a channel keeping its own copy of the
    # conversation (the web chat's browser history) deletes that too.
    forgotten: bool = False


@dataclass
class Subject:
    """What an answer was about, for the next turn's context (ginbot.core.context)."""

    agency: str | None = None
    cohort: int | None = None
    platform: str | None = None


@dataclass
class Turn:
    message: IncomingMessage
    understood: Understood
    user: ChatUser
    state: ConversationState
    catalog: Catalog
    content: Content
    today: date
    session: AsyncSession
    # Set by forget_me once the user's data is gone: the turn log must not point at them again.
    user_deleted: bool = False
    # What the conversation was about before this turn (None: nothing recent), and what this answer is
    # about (the answers fill it in); agencies the person said are not theirs, this turn.
    context: Context | None = None
    about: Subject = field(default_factory=Subject)
    not_mine: list[str] = field(default_factory=list)
    # The moment of this turn (ginbot's clock, UTC); answers that record something stamp it with this.
    now: datetime | None = None

    # --- state -------------------------------------------------------------------------------------------
    def wait_for(self, pending: str, **data: Any) -> None:
        self.state.pending = pending
        # A new dict, not an in-place update: the JSON column only notices reassignment.
        self.state.data = dict(data)

    def clear_pending(self) -> None:
        self.state.pending = None
        self.state.data = {}

    def save_agency(self, agency: AgencyInfo) -> None:
        """Telling ginbot one's agency turns reminders and announcements on (they can be turned off), on a
        channel that can deliver them."""
        self.user.agency_id = agency.id
        self.user.subscribed = self.message.can_push or self.user.subscribed
        self.user.blocked = False

    # --- content -----------------------------------------------------------------------------------------
    def text(self, key: str, **values: Any) -> str:
        return self.content.text(key, **values)

    def reply(self, key: str, buttons: tuple[QuickReply, ...] = (), **values: Any) -> Reply:
        return Reply(self.text(key, **values), buttons)

    @property
    def language(self) -> str:
        """The language this turn is answered in (the content's): "th" or "en"."""
        return self.content.language

    def agency_name(self, agency: AgencyInfo) -> str:
        """The agency as the person reads it: its English name in English, when the list has one."""
        return agency.name_en if self.language == "en" and agency.name_en else agency.name_th

    def dates_card(self, agency: AgencyInfo | None, cohort: CohortInfo, *, key_date: date) -> Card:
        """The "your dates" card: agency, cohort, migration day, last v8 day, how far away the date asked
        about is, and buttons for the install guide and reminders (in the turn's language)."""
        label = self.content.card_labels("dates_card")
        values = self.date_values(agency, cohort, key_date=key_date)
        until = "until_last_v8" if key_date == cohort.last_v8_date else "until_migration"
        fields = [
            CardField(label["cohort"], str(cohort.number)),
            CardField(label["migration"], values["migration"]),
            CardField(label["last_v8"], values["last_v8"]),
            CardField(label[until], values["when"]),
        ]
        return Card(
            title=label["title"],
            subtitle=values["agency"] or f"{label['cohort']} {cohort.number}",
            fields=tuple(fields),
            buttons=self.content.actions("dates"),
        )

    def saved_agency(self) -> AgencyInfo | None:
        return self.catalog.agencies.get(self.user.agency_id) if self.user.agency_id else None

    def date_values(self, agency: AgencyInfo | None, cohort: CohortInfo, *, key_date: date) -> dict[str, Any]:
        english = self.language == "en"
        long_date, short_date = (english_date, english_date_short) if english else (thai_date, thai_date_short)
        return {
            "agency": self.agency_name(agency) if agency else "",
            "cohort": cohort.number,
            "count": len(self.catalog.members(cohort.number)),
            "migration": long_date(cohort.migration_date),
            "last_v8": long_date(cohort.last_v8_date),
            "migration_short": short_date(cohort.migration_date),
            "last_v8_short": short_date(cohort.last_v8_date),
            "when": (relative_en if english else relative_th)(self.today, key_date),
            "tense": tense(self.today, key_date),
        }
