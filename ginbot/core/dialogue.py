"""``Bot.handle(IncomingMessage) -> list[Reply]``: state, ask-back, dispatch to answers, and the turn log.

Everything here is channel-neutral; LINE, Telegram, the terminal and the web chat all call the same
``handle``. Conversation state lives in the database, so a restart loses no conversation. Turns that
arrive together (a busy webhook) are written in one transaction, at most one per person, so each person's
messages are still answered in order.

A turn, in order: a 👍/👎 tap rates the previous answer (ginbot.core.feedback); an answer to ginbot's own
question resumes it (pending ask-backs); a short follow-up is read in the conversation's context
(ginbot.core.context); otherwise the intent's answer from the registry (ginbot.core.intents). Substantive
answers get 👍/👎 buttons, and the conversation's context is stored for the next turn.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ginbot.core import context, feedback, handoff
from ginbot.core.answers import account, campaign, guides, knowledge, readiness, small_talk
from ginbot.core.catalog import Catalog, load_catalog
from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.intents import INTENTS, Registry
from ginbot.core.messages import IncomingMessage, Kind, Reply
from ginbot.core.office_hours import OfficeHours
from ginbot.core.turn import Outcome, Turn
from ginbot.core.understanding import Understanding, Understood
from ginbot.db import queries
from ginbot.db.group_commit import GroupCommit
from ginbot.db.models import ChatUser, ConversationState
from ginbot.db.session import Database

log = logging.getLogger(__name__)

# Officials paste whole e-mails sometimes; nobody's question needs more than this, and the log stays small.
MAX_TEXT_CHARS = 2000
LAST_SEEN_PRECISION = timedelta(minutes=1)

# Called after every turn (understood is None for follow/unfollow events); metrics hook in here so the
# core never imports an exporter.
TurnResult = tuple[Understood | None, Outcome]
TurnObserver = Callable[[IncomingMessage, Understood | None, Outcome, float], None]
# Told what staff should see after each committed turn (the Telegram staff group, live inbox); must not
# block or raise: the official's answer waits for it.
StaffListener = Callable[[list[handoff.StaffEvent]], None]


def _stale(seen: datetime | None, now: datetime) -> bool:
    """Whether "last seen" is worth an UPDATE: a minute's precision is plenty for the dashboard, and a
    conversation of quick messages then costs one write fewer per turn."""
    if seen is None:
        return True
    if seen.tzinfo is None:  # SQLite returns naive UTC
        seen = seen.replace(tzinfo=UTC)
    return now - seen >= LAST_SEEN_PRECISION


class Bot:
    def __init__(
        self,
        db: Database,
        understanding: Understanding,
        content: Content,
        clock: Clock | None = None,
        catalog: Catalog | None = None,
        observers: list[TurnObserver] | None = None,
        intents: Registry = INTENTS,
        office_hours: OfficeHours | None = None,
    ) -> None:
        self.db = db
        self.intents = intents
        self.understanding = understanding
        self.content = content
        self.clock = clock or Clock()
        self._catalog = catalog
        self._catalog_lock = asyncio.Lock()
        # Metrics and tests watch turns through these; they must not raise.
        self.observers = list(observers or [])
        self.office_hours = office_hours or OfficeHours(tz=self.clock.tz)
        self.staff_listeners: list[StaffListener] = []
        self._turns: GroupCommit[IncomingMessage, TurnResult] = GroupCommit(
            self._run_turns, name="turns", key=lambda m: (m.channel, m.user_id)
        )

    async def catalog(self) -> Catalog:
        if self._catalog is None:
            async with self._catalog_lock:
                if self._catalog is None:
                    await self.reload()
        assert self._catalog is not None
        return self._catalog

    async def reload(self) -> None:
        """Re-read cohorts and agencies (after an import)."""
        async with self.db.session() as session:
            self._catalog = await load_catalog(session)

    @property
    def transactions(self) -> int:
        """How many database transactions the turns so far took: fewer than turns when they arrived
        together (see GroupCommit)."""
        return self._turns.batches

    async def handle(self, message: IncomingMessage) -> list[Reply]:
        return (await self.respond(message)).replies

    async def respond(self, message: IncomingMessage) -> Outcome:
        """The whole outcome of a turn: replies, the intent answered, whether staff have the conversation."""
        started = time.perf_counter()
        understood, outcome = await self._turns.submit(message)
        elapsed_s = time.perf_counter() - started
        for observe in self.observers:
            try:
                observe(message, understood, outcome, elapsed_s)
            except Exception:  # an observer must never break a conversation
                log.exception("turn observer failed")
        if outcome.staff_events:
            for listener in self.staff_listeners:
                try:
                    listener(outcome.staff_events)
                except Exception:
                    log.exception("staff listener failed")
        return outcome

    async def _run_turns(self, messages: list[IncomingMessage]) -> list[TurnResult | BaseException]:
        """Turns that arrived together, in one transaction (one per person; see GroupCommit).

        If anything in the batch fails, nothing of it is kept and each turn is run again alone, so one
        person's failing turn costs nobody else their answer.
        """
        try:
            catalog = await self.catalog()
            texts = [m.text[:MAX_TEXT_CHARS] for m in messages]
            # Understood before the session opens: on SQLite the session holds the one connection.
            understood = [
                self.understanding.understand(t) if m.kind == Kind.TEXT else None
                for m, t in zip(messages, texts, strict=True)
            ]
            async with self.db.session() as session:
                people = await queries.users_and_states(session, [(m.channel, m.user_id) for m in messages])
                results: list[TurnResult | BaseException] = []
                log_entries: list[queries.LogEntry] = []
                rated_by: list[ConversationState | None] = []  # whose next 👍/👎 rates each logged answer
                for m, t, u in zip(messages, texts, understood, strict=True):
                    user, state = people[(m.channel, m.user_id)]
                    outcome, entry = await self._turn(session, catalog, m, t, u, user, state)
                    results.append((u, outcome))
                    if entry is not None:
                        log_entries.append(entry)
                        rated_by.append(state if entry.user_id is not None and outcome.rateable else None)
                for m in messages:
                    if m.receipt is not None:
                        await m.receipt(session)
                ids = await queries.log_messages(session, log_entries)
                for rater, log_id in zip(rated_by, ids, strict=True):
                    if rater is not None:
                        rater.context = {**(rater.context or {}), feedback.ANSWER_ID: log_id}
                return results
        except Exception as exc:
            if len(messages) == 1:
                return [exc]
            log.warning("a batch of %d turns failed; running them one at a time", len(messages))
            return [result for m in messages for result in await self._run_turns([m])]

    async def _turn(
        self,
        session: AsyncSession,
        catalog: Catalog,
        message: IncomingMessage,
        text: str,
        understood: Understood | None,
        user: ChatUser,
        state: ConversationState,
    ) -> tuple[Outcome, queries.LogEntry | None]:
        """One person's turn inside the batch's session: the answer, and the log line to write for it."""
        now = self.clock.now().astimezone(UTC)  # UTC: SQLite drops offsets; admin pages read UTC
        if _stale(user.last_seen_at, now):
            user.last_seen_at = now
        if message.kind == Kind.UNFOLLOW:
            user.blocked, user.subscribed = True, False
            return Outcome([]), None
        if message.kind == Kind.FOLLOW or understood is None:
            user.blocked = False
            return Outcome(self._welcome(user.agency_id is None, state, user.language)), None
        rating = None if state.mode in handoff.WITH_STAFF else feedback.rating_of(text)  # with staff: for them
        if rating is not None:
            return await feedback.rate(session, self.content.in_language(user.language), user, state, rating, now), None
        # Answer in the language of the message; one that cannot tell ("v9", "ok") keeps the last one.
        if understood.language is not None and understood.language != user.language:
            user.language = understood.language
        content = self.content.in_language(user.language)
        previous = context.current(state.context, now)
        turn = Turn(message, understood, user, state, catalog, content, self.clock.today(), session,
                    context=previous, now=now)  # fmt: skip
        outcome = await self._respond(turn, now)
        outcome.intent = outcome.intent or turn.understood.intent
        if turn.user_deleted:  # their state row is gone with them
            return outcome, self._entry(turn, text, outcome, now)
        outcome.handoff = handoff.in_handoff(turn)
        about = turn.about
        # A knowledge topic's answer changes the subject like any other kind of question.
        asked_as = "topic" if outcome.topic is not None else outcome.intent
        after = context.after_answer(previous, None if outcome.keeps_topic else asked_as, now,
                                     agency=about.agency, cohort=about.cohort, platform=about.platform,
                                     not_mine=turn.not_mine)  # fmt: skip
        # A new dict, not an in-place update: the JSON column only notices reassignment.
        state.context = {**feedback.kept(state.context), **(after.to_json() if after else {})}
        outcome.rateable = (
            outcome.answered
            and not outcome.ask_back
            and not outcome.staff_events  # handing over, relaying to staff, or ending it: nothing to rate
            and (outcome.topic is not None or self.intents.rateable(outcome.intent))
        )
        if outcome.rateable:
            outcome.replies = feedback.with_rating_buttons(outcome.replies, content.buttons("rate"))
        return outcome, self._entry(turn, text, outcome, now)

    def _entry(self, turn: Turn, text: str, outcome: Outcome, now: datetime) -> queries.LogEntry:
        understood, message = turn.understood, turn.message
        return queries.LogEntry(
            user_id=None if turn.user_deleted else turn.user.id,
            channel=message.channel,
            text=text,
            intent=outcome.intent or understood.intent,
            confidence=understood.confidence,
            entities=understood.entities(),
            answered=outcome.answered,
            topic=outcome.topic,
            at=now,
        )

    def _welcome(self, needs_agency: bool, state: Any, language: str | None) -> list[Reply]:
        content = self.content.in_language(language)
        if needs_agency:
            state.pending, state.data = "agency", {"intent": "set_agency"}
            return [Reply(content.text("greet_ask_agency"))]
        return [Reply(content.text("greet"), small_talk.menu(content.language))]

    async def _respond(self, turn: Turn, now: datetime) -> Outcome:
        if handoff.in_handoff(turn) and turn.state.pending != "forget_confirm":
            if handoff.wants_end(turn):
                return await handoff.end_by_official(turn, now)
            if turn.understood.intent != "forget_me":  # deleting one's data never waits for staff
                return await handoff.relay(turn, now)
        elif handoff.wants_person(turn):
            return await handoff.open_handoff(turn, self.office_hours, now)
        return handoff.count_fallbacks(turn, await self._answer(turn))

    async def _answer(self, turn: Turn) -> Outcome:
        pending = turn.state.pending
        resumed: Outcome | None = None
        if pending == "forget_confirm":
            resumed = await account.forget_confirmed(turn)
        elif pending == "agency":
            resumed = account.resume_agency(turn)
        elif pending == "cohort_page":
            resumed = campaign.next_page(turn)
        elif pending == "platform":
            resumed = guides.platform_reply(turn)
        elif pending == "confirm_agency":
            resumed = account.confirm_own_agency(turn)
        if resumed is not None:
            return resumed
        if turn.state.pending is not None and turn.state.pending == pending:
            turn.clear_pending()
        # Before follow-ups: a check-in's short answer ("ได้แล้วค่ะ") is read against the check-in, not the topic.
        reported = await readiness.respond(turn)  # "ติดตั้งแล้ว", a check-in button or answer
        if reported is not None:
            return reported
        if turn.understood.intent == "report_ready":
            # Not a status after all ("แล้ว mac ล่ะ" names no install): let the follow-up rules read it.
            turn.understood = dataclasses.replace(turn.understood, intent="fallback")
        turn.understood = context.follow_up(turn.understood, turn.context, _names(turn))
        if turn.understood.topic is not None:
            return knowledge.answer(turn)
        return self.intents.get(turn.understood.intent).handler(turn)



def _names(turn: Turn) -> list[str]:
    """Every name of the agencies a message mentions (to tell "แล้วกรมศุลกากรล่ะ" from a new question)."""
    u = turn.understood
    ids = ([u.agency.id] if u.agency else []) + [c.id for c in u.candidates]
    found = [turn.catalog.agencies[i] for i in dict.fromkeys(ids) if i in turn.catalog.agencies]
    return [n for a in found for n in (a.name_th, a.name_en, a.abbr_th, a.abbr_en, *a.aliases) if n]
