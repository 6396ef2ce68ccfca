"""Read-only overview pages: the dashboard (how the migration is going) and the audit log."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ginbot.core.intents import INTENTS
from ginbot.db import handoffs, queries
from ginbot.delivery.broadcasts import recent_reports
from ginbot.delivery.policy import PolicyError, load_policy
from ginbot.handoff.figures import summarise
from ginbot.nlu.topics import TopicSet
from ginbot.web.admin import audit, context, stats, views
from ginbot.web.admin.broadcasts import report_view

log = logging.getLogger(__name__)
DAYS_SHOWN = 14
# First-reply times are figured over the last month of handoffs.
HANDOFF_DAYS = 30


async def dashboard(request: web.Request) -> web.StreamResponse:
    settings = context.settings(request)
    tz = ZoneInfo(settings.timezone)
    clock = context.clock(request)
    async with context.db(request).session() as session:
        audience = await stats.subscribers(session)
        people = await stats.people(session)
        reminder_rows = await stats.reminder_deliveries(session)
        reminder_broadcasts = await stats.reminder_broadcasts(session)
        days = await stats.messages_per_day(session, clock.today(), DAYS_SHOWN, tz)
        reports = await recent_reports(session, limit=6, skipped=False)
        pending = await stats.unreviewed(session)
        by_intent, by_topic = await stats.ratings(session)
        cohorts = await queries.cohorts(session)
        per_cohort = await queries.agency_counts_by_cohort(session)
        agency_names = {a.id: a.name_th for a in await queries.agencies(session)}
        handoff_figures = await handoffs.figures(session, context.real_now() - timedelta(days=HANDOFF_DAYS))
    upcoming: list[stats.UpcomingReminder] = []
    try:
        policy = load_policy(settings.reminders_path)
        dates = [(c.number, c.last_v8_date, c.migration_date) for c in cohorts]
        upcoming = stats.upcoming_reminders(policy, dates, per_cohort, clock.now())
    except (OSError, PolicyError, ValueError) as exc:
        log.warning("dashboard: reminder policy unreadable: %s", exc)
    unanswered, total = stats.fallback_rate(days)
    peak = max((d.total for d in days), default=0) or 1
    values: dict[str, Any] = {
        "audience": audience,
        "channels": stats.channels(),
        "channel_totals": {c: sum(r.by_channel.get(c, 0) for r in audience) for c in stats.channels()},
        "people": people,
        "reminder_rows": reminder_rows,
        "reminder_due": reminder_rows.get("queued", 0) + reminder_rows.get("sending", 0),
        "reminder_broadcasts": reminder_broadcasts,
        "upcoming": upcoming,
        "days": days,
        "peak": peak,
        "unanswered": unanswered,
        "total": total,
        "reports": [report_view(r, agency_names) for r in reports],
        "pending": pending,
        "today": clock.today(),
        "cohorts": {c.number: c for c in cohorts},
        "per_cohort": per_cohort,
        "ratings_by_intent": by_intent,
        "ratings_by_topic": by_topic,
        "intent_labels": {i.id: i.label_th for i in INTENTS},
        "topic_labels": _topic_titles(request, [r.key for r in by_topic]),
        "handoff": summarise(handoff_figures, context.real_now(), tz),
    }
    return await views.render(request, "dashboard.html", values, section="dashboard")


def _topic_titles(request: web.Request, ids: list[str]) -> dict[str, str]:
    """Knowledge topic titles for the ratings table, from the running bot's topics (ids where unknown)."""
    topics = getattr(context.nlu_of(context.bot(request)), "topics", None)
    titles: dict[str, str] = {}
    for topic_id in ids:
        found = topics.get(topic_id) if isinstance(topics, TopicSet) else None
        titles[topic_id] = f"{found.title} ({topic_id})" if found is not None else topic_id
    return titles


async def audit_page(request: web.Request) -> web.StreamResponse:
    action = request.query.get("action") or None
    async with context.db(request).session() as session:
        rows = await audit.recent(session, limit=300, action=action if action in audit.LABELS_TH else None)
    from ginbot.core.intents import INTENTS
    from ginbot.web.admin.audit_view import describe

    labels = {i.id: i.label_th for i in INTENTS}
    shown = [(row, describe(row.details, labels)) for row in rows]
    values = {"rows": shown, "labels": audit.LABELS_TH, "action": action or ""}
    return await views.render(request, "audit.html", values, section="audit")
