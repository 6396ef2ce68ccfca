"""The unanswered-questions page: grouped questions the bot could not (or barely) answer, and the form
that teaches it (ginbot.web.admin.review does the work)."""

from __future__ import annotations

from aiohttp import web

from ginbot.core.intents import INTENTS
from ginbot.errors import DataFileError
from ginbot.nlu.topics import TopicSet
from ginbot.web.admin import context, forms, review, views

RETRAIN_LOCK_KEY = review.RETRAIN_LOCK_KEY


async def known_topics(request: web.Request) -> list[tuple[str, str]]:
    """(id, title) of every knowledge topic, by title: what staff can file a question under."""
    from ginbot.web.admin.knowledge import current_topics

    # What the running bot knows; without one (or a stand-in without topics), what a restart would load.
    topics = getattr(context.nlu_of(context.bot(request)), "topics", None)
    if not isinstance(topics, TopicSet):
        try:
            topics = await current_topics(context.db(request), context.settings(request))
        except DataFileError:  # a broken file: the reload button reports it; the page still works
            topics = TopicSet(())
    return sorted(((t.id, t.title) for t in topics.topics), key=lambda pair: pair[1])


async def page(request: web.Request) -> web.StreamResponse:
    groups, shown = await review.pending_groups(context.db(request))
    values = {
        "topics": await known_topics(request),
        "groups": groups,
        "shown": shown,
        "limit": review.PAGE_LIMIT,
        "intents": [(i.id, i.label_th) for i in INTENTS],
        "labels": {i.id: i.label_th for i in INTENTS},
        "dismissed": review.DISMISSED,
        "live": context.nlu_of(context.bot(request)) is not None,
    }
    return await views.render(request, "unanswered.html", values, section="unanswered")


async def assign(request: web.Request) -> web.StreamResponse:
    me = context.signed(request)
    form = await request.post()
    ids = sorted({n for n in (forms.small_int(v) for v in form.getall("id", [])) if n is not None})
    intent = form.get("intent")
    if form.get("action") == "dismiss":
        intent = review.DISMISSED
    if not ids:
        raise await views.redirect_with_notice(request, "/admin/unanswered", "ไม่ได้เลือกข้อความใด")
    if not isinstance(intent, str) or (intent not in INTENTS and intent != review.DISMISSED):
        raise await views.redirect_with_notice(request, "/admin/unanswered", "เลือกหมวดคำถามก่อนกด “สอนบอต”")
    nlu = context.nlu_of(context.bot(request))
    taught = await review.teach(
        context.db(request), nlu, request.app[RETRAIN_LOCK_KEY], ids=ids, intent=intent,
        staff_name=me.name, ip=context.client_ip(request),
    )  # fmt: skip
    if intent == review.DISMISSED:
        notice = f"ข้ามแล้ว {taught.messages} ข้อความ (ไม่ได้สอนบอต)"
    else:
        label = INTENTS.label(intent)
        notice = f"สอนบอตแล้ว: {taught.messages} ข้อความเป็นหมวด “{label}” ({len(taught.new_examples)} แบบใหม่)"
        if taught.retrained:
            notice += " บอตใช้ความรู้ใหม่นี้แล้ว ไม่ต้องรีสตาร์ต"
        elif taught.new_examples:
            notice += " จะมีผลเมื่อเริ่มบอตใหม่"
    raise await views.redirect_with_notice(request, "/admin/unanswered", notice)
