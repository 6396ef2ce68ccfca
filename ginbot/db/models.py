"""SQLAlchemy 2 typed models.

Personal data is kept to the minimum a helpdesk needs: the platform's opaque user id, the chosen agency,
the subscription flags and timestamps. Names, phone numbers and profile pictures are never stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Cohort(Base):
    __tablename__ = "cohorts"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    migration_date: Mapped[date] = mapped_column(Date)
    last_v8_date: Mapped[date] = mapped_column(Date)


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(300))
    abbr_th: Mapped[str] = mapped_column(String(50), default="")
    name_en: Mapped[str] = mapped_column(String(300), default="")
    abbr_en: Mapped[str] = mapped_column(String(50), default="")
    ministry_th: Mapped[str] = mapped_column(String(300), default="")
    cohort: Mapped[int] = mapped_column(ForeignKey("cohorts.number"), index=True)
    # `|`-separated, exactly as in data/agencies.csv.
    aliases: Mapped[str] = mapped_column(Text, default="")

    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.split("|") if a]


class ChatUser(Base):
    __tablename__ = "chat_users"
    __table_args__ = (UniqueConstraint("channel", "platform_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(100))
    # SET NULL rather than CASCADE: an agency removed by an import must never delete a person.
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="SET NULL"), nullable=True, index=True
    )
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the platform says the user blocked the bot (LINE unfollow, Telegram 403).
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "th" or "en": the language the person last wrote in; pushes and reminders use it. None: Thai.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    agency: Mapped[Agency | None] = relationship(lazy="raise")


class ConversationState(Base):
    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"), primary_key=True)
    # What the bot is waiting for (e.g. "agency" to finish a migration_date answer), or None.
    pending: Mapped[str | None] = mapped_column(String(40), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the conversation is about (ginbot.core.context: last intent and its agency/cohort/platform, with
    # its time) and "answer_id", the message_log row a 👍/👎 tap rates. Migration 0006.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # Who answers this person (ginbot.core.handoff): "bot", "waiting" (for staff) or "staff". Kept here, read
    # with the state every turn anyway, so the bot-only path costs no extra query.
    mode: Mapped[str] = mapped_column(String(10), default="bot", server_default="bot")
    # Unanswered (fallback) turns in a row; at two, ginbot offers a person.
    fallbacks_in_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MessageLog(Base):
    __tablename__ = "message_log"
    __table_args__ = (
        Index("ix_message_log_answered_created", "answered", "created_at"),
        # The unanswered page reads only rows staff have not reviewed yet, newest first; the OR in its
        # condition (a fallback, or a low-confidence answer) cannot use a plain index, so this one holds
        # just the unreviewed rows, which stay few while the log grows.
        Index(
            "ix_message_log_unreviewed",
            "created_at",
            "id",
            sqlite_where=text("reviewed_intent IS NULL"),
            postgresql_where=text("reviewed_intent IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    entities: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answered: Mapped[bool] = mapped_column(Boolean)
    # Set when staff assigned an unanswered question to an intent (admin review).
    reviewed_intent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # The official's 👍 (1) or 👎 (-1) for this answer, the last one they tapped; None: not rated. A 👎 puts
    # the question on the unanswered page however confident the answer was. Migration 0006.
    rating: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The knowledge topic that answered the message (data/knowledge/ or knowledge_topics), if one did.
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)


# --- delivery: broadcasts, LINE multicast batches, the outbox (ginbot/delivery) ----------------------------
# Owned by ginbot.delivery; migration 0003. Reminders are stored as broadcasts too (kind "reminder", one per
# reminder rule and agency), so one fan-out, one sender and one report serve both.


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "announcement" (staff) or "reminder" (planner)
    # Reminders: "reminder:<rule>:<agency>:<anchor date>", so planning twice (or on two machines) adds nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    text: Mapped[str] = mapped_column(Text)
    target_kind: Mapped[str] = mapped_column(String(10))  # all | cohort | agency
    target_value: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)  # None: every channel
    # Reminders come in one broadcast per language ("th", "en"); None (staff announcements): everyone.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Rows still unsent after this are skipped (a late "3 days left" reminder would be wrong).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # draft (awaiting staff confirmation) | scheduled | fanning_out | fanned_out | skipped | cancelled
    status: Mapped[str] = mapped_column(String(20))
    # Highest chat_users.id already fanned out: a crashed fan-out resumes after it.
    fanout_cursor: Mapped[int] = mapped_column(Integer, default=0)
    recipient_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A staff preview's confirmation token (Telegram button); cleared once confirmed.
    confirm_token: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # Buttons under the text, [{"label": …, "text": …}] (the check-in's answers): LINE quick replies,
    # a Telegram inline keyboard. None: text only. Migration 0011.
    quick_replies: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)
    # A card shown with the text (title, label/value fields, link/phone buttons; ginbot.delivery.cards), its
    # body being the text itself: a LINE Flex bubble, Telegram's bold-titled HTML, the web chat's card.
    # None: text only. Migration 0014.
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class LineBatch(Base):
    """One LINE multicast request: its recipients are the outbox rows pointing here, fixed once formed,
    so a retry sends the same request with the same X-Line-Retry-Key and LINE answers 409 to a repeat."""

    __tablename__ = "line_batches"
    __table_args__ = (Index("ix_line_batches_claim", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # queued | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxRow(Base):
    """One message to one person; LINE rows are sent through a LineBatch, Telegram rows one by one."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The fan-out inserts with ON CONFLICT DO NOTHING against this: resumable, never duplicated.
        UniqueConstraint("broadcast_id", "user_id"),
        Index("ix_outbox_claim", "channel", "status", "next_attempt_at"),
        Index("ix_outbox_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for a direct message to one person (a staff reply in a handoff): its text and retry key are
    # on the row itself, and LINE gets it as a push, not a multicast.
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    retry_key: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # CASCADE: "forget me" removes a person's pending messages with them.
    user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    # queued | sending | sent | failed (dead letter) | blocked | skipped
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    line_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("line_batches.id", ondelete="SET NULL"), nullable=True, index=True
    )
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Found still "sending" after its lease ran out: a Telegram copy may already have reached the person.
    possibly_duplicated: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- channels: the durable inbox of webhook events (ginbot/channels/inbox.py) -----------------------------
# Owned by ginbot.channels; migration 0008 (replaces 0002's processed_events).


class InboxEvent(Base):
    """One platform event as it arrived (LINE event object, Telegram Update), stored before the webhook
    answers 200, then processed with a lease and retries.

    ``(channel, event_key)`` is unique: the key is LINE's webhookEventId or Telegram's update_id (bounded,
    hashed when long), so a redelivery is one INSERT that does nothing. Rows stay until they are older than
    the dedupe window (a platform may still redeliver), then ``prune`` deletes finished ones.

    Status: ``pending`` (waiting, from ``next_attempt_at``), ``working`` (leased until ``lease_until``),
    ``done``, ``failed`` (gave up after the last attempt). Of one person's unfinished events only the
    earliest is ever leased, so they are handled in arrival order, across processes too.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_key", name="uq_inbox_events_channel_event_key"),
        # The "is an earlier event of this person unfinished?" probe of every lease.
        Index("ix_inbox_events_person", "channel", "person", "id"),
        Index("ix_inbox_events_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # arrival order
    channel: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(80))
    person: Mapped[str] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)  # the raw event, JSON, exactly as the platform sent it
    # The platform's order of this person's events (LINE: the event's timestamp in ms; Telegram: update_id):
    # two messages sent a moment apart may reach two replicas and be stored the other way round.
    sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set just before a LINE reply is sent: after a crash, a reply that may have gone out is retried with
    # its token (LINE refuses a spent token) rather than pushed a second time.
    reply_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# --- admin: staff accounts, their sessions, the audit log, staff-taught examples (ginbot/web/admin) ------------
# Owned by ginbot.web.admin; migration 0004.


class Staff(Base):
    """A helpdesk staff account for the admin pages (`ginbot staff add NAME`)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # argon2id, in its self-describing PHC string form (parameters travel with the hash).
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Consecutive wrong passwords since the last good one; drives the growing lock-out.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored, so a copy of the database
    (a back-up, a log of queries) does not let anyone sign in as staff."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # A one-shot notice for the next page (after a POST that redirects), e.g. "taught 3 questions".
    flash: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditLog(Base):
    """Who did what in the admin, and every failed sign-in (also what the per-IP lock-out counts)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_ip_created", "action", "ip", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A name, not a foreign key: the record must outlive the account it names.
    staff_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class TrainingExample(Base):
    """A question staff assigned to an intent on the admin page; trained on beside intents/*.yml."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(40))
    # SET NULL: "forget me" deletes the person's messages; the reviewed wording stays as training data.
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_log.id", ondelete="SET NULL"), nullable=True, index=True
    )
    staff_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- knowledge that staff added on the admin page (ginbot/web/admin/knowledge.py); migration 0009 --------------
# Merged with data/knowledge/*.yml at every start and on "reload knowledge", like training_examples with intents/.


class KnowledgeTopic(Base):
    """A topic staff created from the unanswered-questions page (title + answer; phrasings below)."""

    __tablename__ = "knowledge_topics"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(Text)
    staff_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KnowledgeQuestion(Base):
    """A phrasing staff added to a topic (a file topic or a knowledge_topics row): retrieval learns it."""

    __tablename__ = "knowledge_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the topic may live in a file under data/knowledge/.
    topic_id: Mapped[str] = mapped_column(String(40), index=True)
    text: Mapped[str] = mapped_column(Text)
    # SET NULL: "forget me" deletes the person's messages; the reviewed wording stays as a phrasing.
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_log.id", ondelete="SET NULL"), nullable=True, index=True
    )
    staff_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- readiness: does AcuConference 9 work for each person? (ginbot/db/readiness.py) ----------------------
# Owned by readiness; migration 0010. Answers come from check-in buttons, free text, or staff.


class Readiness(Base):
    """A person's latest answer to "does AcuConference 9 work for you?" (one row per person, upserted)."""

    __tablename__ = "readiness"

    user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # ready | problem | not_installed
    source: Mapped[str] = mapped_column(String(10))  # button | text | staff
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReadinessReport(Base):
    """Every answer ever given, kept for the staff chart over days (CASCADE: "forget me" removes them)."""

    __tablename__ = "readiness_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    # Who recorded it when source is "staff"; a name, not a key, like the audit log.
    staff_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
# --- handoff: conversations taken over by staff (ginbot/core/handoff.py, ginbot/handoff) ---------------------
# Owned by the handoff feature; migration 0008.


class Handoff(Base):
    """One conversation handed to staff: opened by the official, answered and closed by staff (or them)."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # CASCADE: "forget me" deletes the transcript with the person.
    user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # waiting | staff | closed
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_staff_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assigned_staff: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The Telegram staff group's forum topic for this conversation, when the group is a forum.
    telegram_thread_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # Saved as a knowledge topic or training examples after closing (admin "learning").
    learned: Mapped[bool] = mapped_column(Boolean, default=False)


class HandoffMessage(Base):
    """One line of a handoff's transcript: the official's, a staff member's, or ginbot's notice."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # official | staff | bot
    # The staff account (admin name or "telegram:<id>") for staff lines; never shown to the official.
    staff_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # ginbot's post of this line in the Telegram staff group: a staff reply to that post answers here.
    staff_post_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


# --- shared rate limits (ginbot/db/rate_limits.py); migration 0013 ---------------------------------------


class RateLimit(Base):
    """One rate limit shared by every process (PostgreSQL): when its next send may start.

    Used on PostgreSQL only (SQLite runs one process, whose limits live in memory); a row idle for a while
    is pruned, since a missing row means the same as a free one.
    """

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # "telegram", "telegram:chat:42"…
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The statement that last granted a slot (RETURNING compares it with its own timestamp).
    granted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
