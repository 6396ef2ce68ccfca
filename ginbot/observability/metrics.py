"""Every Prometheus metric ginbot exposes, as named module-level objects that other modules import.

All metrics live in ``REGISTRY``, ginbot's own CollectorRegistry rather than prometheus-client's global
one, so ``GET /metrics`` shows exactly ginbot's series and tests can read values with
``REGISTRY.get_sample_value(...)``.

The metrics are per process: ``ginbot serve`` exposes them at ``/metrics``. A separate ``ginbot worker``
counts its own deliveries in its own process and serves them on ``GINBOT_METRICS_PORT`` when that is set
(``ginbot.observability.http.serve_metrics``).

Label values are kept to small fixed sets (channel names, intent ids, the outcomes and reasons below):
every distinct value is a new time series, so a user id or free text must never become a label.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)

from ginbot.channels.registry import REGISTRY as CHANNELS_REGISTRY
from ginbot.core.messages import IncomingMessage

log = logging.getLogger(__name__)

# The *_created series (one timestamp per labelled series) double the output and no dashboard uses them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
REGISTRY = CollectorRegistry(auto_describe=True)

# Channels that receive and send messages; pre-creating their series makes a quiet channel read 0
# (rather than "no data") so rate() and alerts work from the first scrape.
CHANNELS = CHANNELS_REGISTRY.chat_names()
DELIVERY_OUTCOMES = ("sent", "failed", "blocked", "retried")
REJECTION_REASONS = (
    "bad_signature", "bad_secret", "malformed", "too_large", "shutting_down", "too_old", "store_failed"
)

BUILD_INFO = Info("ginbot_build", "The running ginbot version.", registry=REGISTRY)

MESSAGES_RECEIVED = Counter(
    "ginbot_messages_received_total",
    "Messages from people, per channel (text, follow and unfollow events).",
    ["channel"],
    registry=REGISTRY,
)
"""Incremented by ``observe_turn``, the Bot's turn observer (ginbot.wiring installs it), once per turn."""

INTENTS = Counter(
    "ginbot_intents_total",
    "Messages classified, per intent id (fallback included).",
    ["intent"],
    registry=REGISTRY,
)
"""Incremented by ``observe_turn`` once per understood text message, with the final intent id."""

TOPIC_ANSWERS = Counter(
    "ginbot_topic_answers_total",
    "Messages answered from a knowledge topic (data/knowledge/ or staff-created), per topic id.",
    ["topic"],
    registry=REGISTRY,
)
FALLBACKS = Counter(
    "ginbot_fallbacks_total",
    "Messages the bot could not answer (intent fallback), per channel.",
    ["channel"],
    registry=REGISTRY,
)
"""Incremented by ``observe_turn`` alongside INTENTS when the intent is ``fallback``; a rising share of
fallbacks is the signal that the intents need new training examples."""

# A chat answer normally takes tens of milliseconds; LINE's reply token stays valid about a minute, so
# the buckets stretch to 30 s to show a slow database long before replies are lost.
REPLY_LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REPLY_LATENCY = Histogram(
    "ginbot_reply_latency_seconds",
    "Time from a message arriving to the bot's replies being ready, per channel.",
    ["channel"],
    buckets=REPLY_LATENCY_BUCKETS_S,
    registry=REGISTRY,
)
"""Observed by ``observe_turn`` with the time ``Bot.handle`` took, waiting for its transaction included."""

OUTBOX_QUEUED = Gauge(
    "ginbot_outbox_queued",
    "Outbox messages waiting to be sent, per channel (read from the database at scrape time).",
    ["channel"],
    registry=REGISTRY,
)
"""Set at scrape time from the source registered with ``set_outbox_depth_source`` (ginbot.delivery
registers it). No source registered, or the query failing: the gauge has no samples, meaning unknown."""

DELIVERIES = Counter(
    "ginbot_deliveries_total",
    "Outbox messages per recipient by outcome: sent, failed (gave up), blocked (user blocked the bot), "
    "retried (a failed attempt that will be tried again), per channel.",
    ["channel", "outcome"],
    registry=REGISTRY,
)
"""Incremented by the sender (ginbot.delivery) once per recipient per attempt outcome; a LINE multicast
to 500 people counts 500. Use ``count_delivery`` to keep outcomes to the fixed set."""

WEBHOOK_REJECTIONS = Counter(
    "ginbot_webhook_rejections_total",
    "Webhook requests refused, per channel and reason.",
    ["channel", "reason"],
    registry=REGISTRY,
)
"""Incremented by ginbot/web/webhooks.py when it refuses a request (bad_signature, bad_secret, malformed,
too_large) and by the shutdown gate (shutting_down)."""


# --- handoff to staff (ginbot.core.handoff, ginbot.handoff.desk) -----------------------------------------
HANDOFF_CLOSERS = ("official", "staff")
# Staff answer within minutes in office hours, by the next morning outside them.
FIRST_REPLY_BUCKETS_S = (30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 4 * 3600.0, 16 * 3600.0, 72 * 3600.0)

HANDOFFS_OPENED = Counter(
    "ginbot_handoffs_opened_total", "Conversations handed to staff, per channel.", ["channel"], registry=REGISTRY
)
"""Incremented by ``observe_turn`` when a turn opened a handoff."""

HANDOFFS_CLOSED = Counter(
    "ginbot_handoffs_closed_total",
    "Handoffs closed, by who closed them (the official or staff).",
    ["by"],
    registry=REGISTRY,
)
"""Incremented by ``observe_turn`` (the official ended it) and ginbot.handoff.desk (staff closed it)."""

HANDOFFS_WAITING = Gauge(
    "ginbot_handoffs_waiting",
    "Handoffs open and not yet answered by staff (read from the database at scrape time).",
    registry=REGISTRY,
)
"""Set at scrape time from the source registered with ``set_handoff_waiting_source``."""

HANDOFF_FIRST_REPLY = Histogram(
    "ginbot_handoff_first_reply_seconds",
    "Time from a handoff opening to the first staff reply.",
    buckets=FIRST_REPLY_BUCKETS_S,
    registry=REGISTRY,
)
"""Observed by ginbot.handoff.desk on each handoff's first staff reply."""


def _prime() -> None:
    for channel in CHANNELS_REGISTRY.chat_names():
        MESSAGES_RECEIVED.labels(channel)
        FALLBACKS.labels(channel)
        REPLY_LATENCY.labels(channel)
        for outcome in DELIVERY_OUTCOMES:
            DELIVERIES.labels(channel, outcome)
    for channel in CHANNELS_REGISTRY.webhook_channels().values():
        for reason in REJECTION_REASONS:
            WEBHOOK_REJECTIONS.labels(channel, reason)
        HANDOFFS_OPENED.labels(channel)
    for by in HANDOFF_CLOSERS:
        HANDOFFS_CLOSED.labels(by)
    try:
        BUILD_INFO.info({"version": version("ginbot")})
    except PackageNotFoundError:  # running from a source tree that was never installed
        BUILD_INFO.info({"version": "unknown"})


_prime()


def count_delivery(channel: str, outcome: str, recipients: int = 1) -> None:
    """Count ``recipients`` deliveries with ``outcome``; an unknown outcome is a programming error."""
    if outcome not in DELIVERY_OUTCOMES:
        raise ValueError(f"outcome must be one of {DELIVERY_OUTCOMES}, got {outcome!r}")
    DELIVERIES.labels(channel, outcome).inc(recipients)


def count_rejection(channel: str, reason: str) -> None:
    if reason not in REJECTION_REASONS:
        raise ValueError(f"reason must be one of {REJECTION_REASONS}, got {reason!r}")
    WEBHOOK_REJECTIONS.labels(channel, reason).inc()


# --- outbox depth: read at scrape time -------------------------------------------------------------------

OutboxDepthSource = Callable[[], Awaitable[Mapping[str, int]]]
_outbox_source: OutboxDepthSource | None = None
# A scrape must answer even when the database is slow; Prometheus' default scrape timeout is 10 s.
OUTBOX_QUERY_TIMEOUT_S = 3.0


def set_outbox_depth_source(source: OutboxDepthSource | None) -> None:
    """Register the coroutine function that counts queued outbox rows per channel (None unregisters).

    Called once at start-up by whoever owns the database in that process, e.g.
    ``set_outbox_depth_source(lambda: queries.outbox_depth(db))``.
    """
    global _outbox_source
    _outbox_source = source
    if source is None:
        OUTBOX_QUEUED.clear()


WaitingSource = Callable[[], Awaitable[int]]
_waiting_source: WaitingSource | None = None


def set_handoff_waiting_source(source: WaitingSource | None) -> None:
    """Register the coroutine function that counts handoffs waiting for staff (None unregisters)."""
    global _waiting_source
    _waiting_source = source


async def _refresh_waiting() -> None:
    source = _waiting_source
    if source is None:
        return
    try:
        HANDOFFS_WAITING.set(await asyncio.wait_for(source(), timeout=OUTBOX_QUERY_TIMEOUT_S))
    except Exception:
        log.warning("handoff waiting query failed; ginbot_handoffs_waiting not updated", exc_info=True)


async def refresh() -> None:
    """Bring the scrape-time gauges up to date; never raises, so /metrics always answers."""
    await _refresh_waiting()
    source = _outbox_source
    if source is None:
        return
    try:
        depth = await asyncio.wait_for(source(), timeout=OUTBOX_QUERY_TIMEOUT_S)
    except Exception:
        log.warning("outbox depth query failed; ginbot_outbox_queued left empty", exc_info=True)
        OUTBOX_QUEUED.clear()
        return
    OUTBOX_QUEUED.clear()
    for channel in CHANNELS_REGISTRY.push_names():
        OUTBOX_QUEUED.labels(channel).set(0)
    for channel, count in depth.items():
        OUTBOX_QUEUED.labels(channel).set(count)


async def render() -> bytes:
    """The Prometheus text exposition of every ginbot metric, refreshed first."""
    await refresh()
    return generate_latest(REGISTRY)


def observe_turn(message: IncomingMessage, understood: Any, outcome: Any, elapsed_s: float) -> None:
    """A ``Bot`` turn observer: messages per channel, the final intent, fallbacks and reply latency."""
    MESSAGES_RECEIVED.labels(message.channel).inc()
    REPLY_LATENCY.labels(message.channel).observe(elapsed_s)
    if understood is None:  # follow / unfollow: no text to classify
        return
    intent = outcome.intent or understood.intent
    INTENTS.labels(intent).inc()
    for event in getattr(outcome, "staff_events", ()):
        if event.kind == "opened":
            HANDOFFS_OPENED.labels(message.channel).inc()
        elif event.kind == "ended":
            HANDOFFS_CLOSED.labels("official").inc()
    topic = getattr(outcome, "topic", None)
    if topic:  # answered from a topic, whatever intent the classifier leaned to: not a fallback
        TOPIC_ANSWERS.labels(topic).inc()
    elif intent == "fallback":
        FALLBACKS.labels(message.channel).inc()


def sample(name: str, **labels: str) -> float:
    """One current value, 0.0 when the series does not exist yet (for tests and the admin page)."""
    value = REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None or math.isnan(value) else value

