"""The composition of the send limits: in memory for one process (SQLite), shared through PostgreSQL for a
deployment of many (every `serve` and `worker` asks the same rows). Chosen by the database URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ginbot.core.messages import Channel
from ginbot.db.dedicated import DedicatedConnection
from ginbot.db.session import Database
from ginbot.delivery.ratelimit import Limiter, RateLimiter
from ginbot.delivery.shared_limits import SharedRateLimiter


@dataclass(frozen=True)
class Rates:
    telegram_per_s: float
    telegram_per_chat_interval_s: float
    line_requests_per_s: float


@dataclass
class Limits:
    """The limiter of each push channel, and what they hold open."""

    by_channel: Mapping[str, Limiter]
    _conns: tuple[DedicatedConnection, ...] = ()

    @classmethod
    def in_memory(cls, rates: Rates) -> Limits:
        return cls(
            {
                Channel.TELEGRAM: RateLimiter(rates.telegram_per_s, rates.telegram_per_chat_interval_s),
                Channel.LINE: RateLimiter(rates.line_requests_per_s),
            }
        )

    @classmethod
    def for_database(cls, db: Database, rates: Rates) -> Limits:
        """Shared on PostgreSQL (several processes may send), in memory on SQLite (one process does)."""
        if not db.url.startswith("postgresql"):
            return cls.in_memory(rates)
        overall, chats = DedicatedConnection(db), DedicatedConnection(db)
        return cls(
            {
                Channel.TELEGRAM: SharedRateLimiter(
                    overall,
                    Channel.TELEGRAM,
                    rates.telegram_per_s,
                    rates.telegram_per_chat_interval_s,
                    chat_conn=chats,
                ),
                Channel.LINE: SharedRateLimiter(overall, Channel.LINE, rates.line_requests_per_s),
            },
            (overall, chats),
        )

    async def close(self) -> None:
        for limiter in self.by_channel.values():
            await limiter.close()
        for conn in self._conns:
            await conn.close()
