"""The sender: claim -> send -> record, one small batch at a time, per registered push channel.

Channels come from ginbot.channels.registry: one whose requests carry one person (Telegram) is sent row by
row; one whose requests carry many under a retry key (LINE's multicast) is sent batch by batch.

Each Telegram batch is committed as soon as its sends finish, so a kill -9 can duplicate at most the rows
of one claimed batch (``sender_batch_size``); those rows are flagged ``possibly_duplicated`` when the next
worker finds them still "sending" after their lease. LINE batches keep their retry key, so a resend after a
crash gets 409 from LINE and is recorded as sent: no duplicates.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ginbot.backoff import Backoff
from ginbot.channels.registry import REGISTRY, PushTransport, Registry
from ginbot.core.messages import Channel, Reply
from ginbot.db.session import Database
from ginbot.delivery import direct, outbox
from ginbot.delivery.limits import Limits, Rates
from ginbot.delivery.outcomes import Outcome, SendError, next_step
from ginbot.delivery.ratelimit import Limiter
from ginbot.observability import metrics
from ginbot.settings import Settings

log = logging.getLogger(__name__)
# Recorded statuses as the deliveries counter names them; "queued" after a counted attempt is a retry.
_COUNTED = {"sent": "sent", "failed": "failed", "blocked": "blocked"}


def count_recorded(channel: str, status: str, counted_attempt: bool, recipients: int = 1) -> None:
    """Count a recorded outcome into ginbot_deliveries_total; rows handed back unattempted are not counted."""
    outcome = _COUNTED.get(status) or ("retried" if status == "queued" and counted_attempt else None)
    if outcome is not None:
        metrics.count_delivery(channel, outcome, recipients)


@dataclass(frozen=True)
class SenderConfig:
    batch_size: int = 50
    concurrency: int = 16
    line_multicast_size: int = 500
    max_attempts: int = 8
    lease_s: float = 120.0
    backoff_base_s: float = 5.0
    backoff_max_s: float = 1800.0
    idle_poll_s: float = 1.0
    send_timeout_s: float = 30.0
    telegram_rate_per_s: float = 30.0
    telegram_per_chat_interval_s: float = 1.0
    line_requests_per_s: float = 50.0

    @classmethod
    def from_settings(cls, s: Settings) -> SenderConfig:
        return cls(
            batch_size=s.sender_batch_size,
            concurrency=s.sender_concurrency,
            line_multicast_size=s.line_multicast_size,
            max_attempts=s.sender_max_attempts,
            lease_s=s.sender_lease_s,
            backoff_base_s=s.sender_backoff_base_s,
            backoff_max_s=s.sender_backoff_max_s,
            idle_poll_s=s.sender_idle_poll_s,
            send_timeout_s=s.send_timeout_s,
            telegram_rate_per_s=s.telegram_rate_per_s,
            telegram_per_chat_interval_s=s.telegram_per_chat_interval_s,
            line_requests_per_s=s.line_requests_per_s,
        )

    @property
    def rates(self) -> Rates:
        return Rates(self.telegram_rate_per_s, self.telegram_per_chat_interval_s, self.line_requests_per_s)

    @property
    def backoff(self) -> Backoff:
        # Equal jitter: rows failed together by one outage come back spread out, not all at once.
        return Backoff(first_s=self.backoff_base_s, max_s=self.backoff_max_s, jitter=0.5)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Sender:
    def __init__(
        self,
        db: Database,
        *,
        line: PushTransport | None = None,
        telegram: PushTransport | None = None,
        transports: Mapping[str, PushTransport] | None = None,
        config: SenderConfig,
        now: Callable[[], datetime] = _utcnow,
        rng: random.Random | None = None,
        registry: Registry = REGISTRY,
        limiters: Mapping[str, Limiter] | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        # Channel name -> transport; ``line=``/``telegram=`` are the wave-1 spelling of the same thing.
        self.transports: dict[str, PushTransport] = dict(transports or {})
        if line is not None:
            self.transports[Channel.LINE] = line
        if telegram is not None:
            self.transports[Channel.TELEGRAM] = telegram
        self.config = config
        self.now = now
        self.rng = rng or random.Random()
        # Channels without a configured limit are not limited here (their platform is ours to know). Given:
        # the deployment's shared limits (see ginbot/delivery/limits.py); else this process's own.
        self.limiters: dict[str, Limiter] = dict(
            limiters if limiters is not None else Limits.in_memory(config.rates).by_channel
        )
        # One event per send loop (each clears its own): wake() sets them all.
        self._wakes: list[asyncio.Event] = []

    @property
    def line(self) -> PushTransport | None:
        return self.transports.get(Channel.LINE)

    @line.setter
    def line(self, transport: PushTransport) -> None:
        self.transports[Channel.LINE] = transport

    @property
    def telegram(self) -> PushTransport | None:
        return self.transports.get(Channel.TELEGRAM)

    @telegram.setter
    def telegram(self, transport: PushTransport) -> None:
        self.transports[Channel.TELEGRAM] = transport

    def channels(self) -> list[str]:
        """Registered push channels this sender has a transport for, in registration order."""
        return [name for name in self.registry.push_names() if name in self.transports]

    def _multicast(self, channel: str) -> bool:
        return channel in self.registry and self.registry.get(channel).recipients_per_request > 1

    async def batch(self, channel: str) -> int:
        """Claim and send one batch of ``channel``; return how many recipients it had."""
        return await (self._multicast_batch(channel) if self._multicast(channel) else self._rows_batch(channel))

    async def _acquire(self, channel: str, chat_id: str | None = None) -> None:
        limiter = self.limiters.get(channel)
        if limiter is not None:
            await limiter.acquire(chat_id)

    def _step(self, exc: SendError | None, attempts: int) -> tuple[str, float, bool]:
        outcome = Outcome.SENT if exc is None else exc.outcome
        step = next_step(
            outcome,
            attempts_before=attempts,
            max_attempts=self.config.max_attempts,
            retry_after_s=exc.retry_after_s if exc else None,
            backoff=self.config.backoff,
            rng=self.rng,
        )
        return step.status, step.delay_s, step.count_attempt

    # --- one request per person (Telegram) ---------------------------------------------------------------

    async def telegram_batch(self) -> int:
        """Claim and send one batch of Telegram rows; return how many rows were claimed."""
        return await self._rows_batch(Channel.TELEGRAM)

    async def _rows_batch(self, channel: str) -> int:
        transport = self.transports.get(channel)
        if transport is None:
            return 0
        async with self.db.session() as session:
            claimed = await outbox.claim_rows(
                session, channel, self.now(), lease_s=self.config.lease_s, limit=self.config.batch_size
            )
        if not claimed:
            return 0
        results: list[outbox.RowResult] = []
        gate = asyncio.Semaphore(self.config.concurrency)
        paused_until: list[datetime] = []  # set by the first 429 in this batch

        async def one(row: outbox.Claimed) -> None:
            async with gate:
                if not paused_until:
                    await self._acquire(channel, row.chat_id)
                if paused_until:
                    # Flood control hit: hand the rest back instead of holding them past their lease.
                    results.append(
                        outbox.RowResult(
                            row.id, "queued", next_attempt_at=paused_until[0], count_attempt=False
                        )
                    )
                    return
                error: SendError | None = None
                try:
                    await asyncio.wait_for(
                        transport.send([row.chat_id], Reply(row.text, row.buttons, card=row.card), f"row-{row.id}"), self.config.send_timeout_s
                    )
                except SendError as exc:
                    error = exc
                except TimeoutError:
                    error = SendError(Outcome.RETRY, f"timed out after {self.config.send_timeout_s} s")
                except Exception as exc:  # a bug or an unexpected SDK error must not lose the row
                    log.exception("%s send failed unexpectedly", channel)
                    error = SendError(Outcome.RETRY, f"unexpected: {exc!r}"[:300])
                status, delay_s, count = self._step(error, row.attempts)
                if error is not None and error.outcome is Outcome.RATE_LIMITED and error.retry_after_s:
                    limiter = self.limiters.get(channel)
                    if limiter is not None:
                        await limiter.pause(error.retry_after_s)
                    paused_until.append(self.now() + timedelta(seconds=error.retry_after_s))
                results.append(
                    outbox.RowResult(
                        row.id,
                        status,
                        error=error.detail if error else None,
                        next_attempt_at=self.now() + timedelta(seconds=delay_s)
                        if status == "queued"
                        else None,
                        count_attempt=count,
                        user_id=row.user_id,
                    )
                )

        try:
            await asyncio.gather(*(one(row) for row in claimed))
        finally:
            # Recorded even when cancelled half-way: whatever was sent is marked, the rest waits for its lease.
            async with self.db.session() as session:
                await outbox.record_results(session, results, self.now())
            for result in results:
                count_recorded(channel, result.status, result.count_attempt)
        return len(claimed)

    # --- many people per request (LINE multicast) --------------------------------------------------------

    async def line_batch(self) -> int:
        """Claim and send one LINE multicast; return how many recipients it had."""
        return await self._multicast_batch(Channel.LINE)

    async def _multicast_batch(self, channel: str) -> int:
        transport = self.transports.get(channel)
        if transport is None:
            return 0
        size = min(self.config.line_multicast_size, self.registry.get(channel).recipients_per_request)
        async with self.db.session() as session:
            batch = await outbox.claim_line_batch(
                session, self.now(), lease_s=self.config.lease_s, size=size, channel=channel
            )
        if batch is None:
            return 0
        if not batch.user_ids:  # everyone left the batch (e.g. forgotten): nothing to send
            async with self.db.session() as session:
                await outbox.record_batch(session, batch, status="sent", now=self.now())
            return 0
        await self._acquire(channel)
        error: SendError | None = None
        try:
            await asyncio.wait_for(
                transport.send(batch.user_ids, Reply(batch.text, batch.buttons, card=batch.card), batch.retry_key), self.config.send_timeout_s
            )
        except SendError as exc:
            error = exc
        except TimeoutError:
            error = SendError(Outcome.RETRY, f"timed out after {self.config.send_timeout_s} s")
        except Exception as exc:
            log.exception("%s multicast failed unexpectedly", channel)
            error = SendError(Outcome.RETRY, f"unexpected: {exc!r}"[:300])
        status, delay_s, count = self._step(error, batch.attempts)
        if status == "blocked":  # LINE has no per-person 403 in a multicast; never expected
            status = "failed"
        async with self.db.session() as session:
            await outbox.record_batch(
                session,
                batch,
                status=status,
                now=self.now(),
                error=error.detail if error else None,
                next_attempt_at=self.now() + timedelta(seconds=delay_s) if status == "queued" else None,
                count_attempt=count,
            )
        count_recorded(channel, status, count, recipients=len(batch.user_ids))
        return len(batch.user_ids)

    # --- direct messages (staff replies) ------------------------------------------------------------------

    def wake(self) -> None:
        """Rows were queued (a staff reply, a broadcast fanned out): claim them now rather than at the next
        idle poll."""
        for event in self._wakes:
            event.set()

    async def direct_batch(self) -> int:
        """Claim and send one batch of direct rows: one person each, with the row's own retry key (LINE
        answers 409 to a repeat, so a resend after a crash is not delivered twice)."""
        async with self.db.session() as session:
            claimed = await direct.claim(
                session, self.now(), channels=self.channels(), lease_s=self.config.lease_s, limit=self.config.batch_size
            )
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.config.concurrency)
        results: list[outbox.RowResult] = []

        async def one(row: direct.DirectClaim) -> None:
            async with gate:
                error: SendError | None = None
                try:
                    await self._acquire(row.channel, row.to)
                    send = self.transports[row.channel].send([row.to], Reply(row.text), row.retry_key)
                    await asyncio.wait_for(send, self.config.send_timeout_s)
                except SendError as exc:
                    error = exc
                except TimeoutError:
                    error = SendError(Outcome.RETRY, f"timed out after {self.config.send_timeout_s} s")
                except Exception as exc:
                    log.exception("direct send failed unexpectedly")
                    error = SendError(Outcome.RETRY, f"unexpected: {exc!r}"[:300])
                status, delay_s, count = self._step(error, row.attempts)
                results.append(
                    outbox.RowResult(
                        row.id,
                        status,
                        error=error.detail if error else None,
                        next_attempt_at=self.now() + timedelta(seconds=delay_s) if status == "queued" else None,
                        count_attempt=count,
                        user_id=row.user_id,
                    )
                )

        try:
            await asyncio.gather(*(one(row) for row in claimed))
        finally:
            async with self.db.session() as session:
                await outbox.record_results(session, results, self.now())
            channel_of = {row.id: row.channel for row in claimed}
            for result in results:
                count_recorded(channel_of[result.row_id], result.status, result.count_attempt)
        return len(claimed)

    # --- loops ------------------------------------------------------------------------------------------

    async def drain(self) -> int:
        """Send until nothing is due (tests, `--once` style runs); return rows handled."""
        total = 0
        while True:
            handled = 0
            for channel in self.channels():
                handled += await self.batch(channel)
            handled += await self.direct_batch()
            total += handled
            if handled == 0:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        """Every channel side by side until ``stop`` is set; a batch in progress is always finished."""
        loops = [self._batch_of(channel) for channel in self.channels()] + [self.direct_batch]
        wakes = [asyncio.Event() for _ in loops]
        self._wakes.extend(wakes)
        try:
            await asyncio.gather(*(self._loop(one, stop, wake) for one, wake in zip(loops, wakes, strict=True)))
        finally:
            for wake in wakes:
                self._wakes.remove(wake)

    def _batch_of(self, channel: str) -> Callable[[], Awaitable[int]]:
        async def one() -> int:
            return await self.batch(channel)

        return one

    async def _loop(
        self, one_batch: Callable[[], Awaitable[int]], stop: asyncio.Event, wake: asyncio.Event | None = None
    ) -> None:
        while not stop.is_set():
            if wake is not None:
                wake.clear()  # before the claim: a wake during the batch makes the next wait return at once
            try:
                handled = await one_batch()
            except Exception:
                # The database may be restarting; the rows wait for us, so log and come back later.
                log.exception("sender batch failed")
                handled = 0
            if not handled:
                waits = [asyncio.ensure_future(stop.wait())]
                if wake is not None:
                    waits.append(asyncio.ensure_future(wake.wait()))
                _done, pending = await asyncio.wait(
                    waits, timeout=self.config.idle_poll_s, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    task.cancel()
