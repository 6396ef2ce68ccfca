"""SQLAlchemy 2 typed models.

Personal data is kept to the minimum a helpdesk needs: the platform's opaque user id, the chosen agency,
the subscription flags and timestamps. Names, phone numbers and profile pictures are never stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
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

    agency: Mapped[Agency | None] = relationship(lazy="raise")


class ConversationState(Base):
    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"), primary_key=True)
    # What the bot is waiting for (e.g. "agency" to finish a migration_date answer), or None.
    pending: Mapped[str | None] = mapped_column(String(40), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class MessageLog(Base):
    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_answered_created", "answered", "created_at"),)

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
