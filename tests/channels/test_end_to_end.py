"""The real bot behind the real webhooks: campaign data seeded, today pinned, answers checked in Thai."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from ginbot.core.clock import Clock
from ginbot.core.content import Content
from ginbot.core.dialogue import Bot
from ginbot.core.understanding import NluUnderstanding
from ginbot.db.models import ChatUser
from ginbot.db.session import Database
from ginbot.nlu.engine import Nlu
from ginbot.testing.fixtures import LINE_CHANNEL_SECRET, TELEGRAM_WEBHOOK_SECRET
from ginbot.testing.line_stub import LineStub
from ginbot.testing.payloads import (
    line_body,
    line_follow_event,
    line_headers,
    line_text_event,
    line_unfollow_event,
    line_user_id,
    telegram_headers,
    telegram_text_update,
)
from ginbot.testing.telegram_stub import TelegramStub
from tests.channels.conftest import PUBLIC_URL, Served, channel_settings, serve
from tests.conftest import seed

TODAY = date(2020, 7, 3)
# data/agencies.csv: กรมสรรพากร (rd) is in cohort 2; data/cohorts.csv: cohort 2 moves on 2020-07-07.
RD_MIGRATION_DATE = "7 กรกฎาคม 2563"
RD_LAST_V8_DAY = "6 กรกฎาคม 2563"


def real_bot(db: Database, nlu: Nlu, content: Content) -> Bot:
    return Bot(db, NluUnderstanding(nlu), content, Clock(TODAY))


async def say_on_line(served: Served, *events: dict[str, object]) -> None:
    body = line_body(*events)
    assert (await served.post("/line/webhook", body, line_headers(LINE_CHANNEL_SECRET, body))).status == 200
    await served.settle()


async def say_on_telegram(served: Served, chat: int, text: str) -> None:
    body = json.dumps(telegram_text_update(chat, text)).encode()
    assert (
        await served.post("/telegram/webhook", body, telegram_headers(TELEGRAM_WEBHOOK_SECRET))
    ).status == 200
    await served.settle()


async def test_line_question_is_answered_with_the_agencys_date_by_the_bot_ginbot_serve_builds(
    sqlite_db: Database, line_stub: LineStub
) -> None:
    await seed(sqlite_db)
    settings = channel_settings(line_stub, GINBOT_TODAY=TODAY.isoformat())
    user = line_user_id(2563)
    event = line_text_event(user, "กรมสรรพากรย้ายวันไหน")
    # No bot passed: create_app builds the real one from settings and database, as `ginbot serve` does.
    from ginbot.web.app import create_app

    async with Served.start(create_app(settings, db=sqlite_db)) as served:
        await say_on_line(served, event)

    (reply,) = line_stub.calls("reply", accepted=True)
    card, text = reply.body["messages"]
    # The "your dates" card: a Flex bubble whose altText says the dates in words, in the Buddhist era.
    assert card["type"] == "flex" and card["contents"]["type"] == "bubble"
    assert "กรมสรรพากร" in card["altText"] and RD_MIGRATION_DATE in card["altText"]
    assert RD_LAST_V8_DAY in card["altText"] and len(card["altText"]) <= 400
    shown = flex_texts(card["contents"])
    assert "กรมสรรพากร" in shown and RD_MIGRATION_DATE in shown and RD_LAST_V8_DAY in shown
    # Its buttons are taps: the install guide and reminders are sent back as what the person types.
    footer = [b["action"] for b in card["contents"]["footer"]["contents"]]
    assert [(a["type"], a["label"]) for a in footer] == [("message", "วิธีติดตั้ง v9"), ("message", "รับการแจ้งเตือน")]
    # The text follows with what the card does not say; the yes/no choices are LINE quick-reply items.
    assert text["type"] == "text" and RD_MIGRATION_DATE in text["text"]
    items = [i["action"] for i in text["quickReply"]["items"]]
    assert [(a["type"], a["label"], a["text"]) for a in items] == [("message", "ใช่", "ใช่"), ("message", "ไม่ใช่", "ไม่ใช่")]


def flex_texts(node: object) -> str:
    """Every text a Flex container shows, one a line."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" and "text" in node else []
        return "\n".join(own + [flex_texts(v) for k, v in node.items() if k != "text"]).strip()
    if isinstance(node, list):
        return "\n".join(flex_texts(v) for v in node).strip()
    return ""


async def test_telegram_command_and_question_are_answered_by_the_real_bot(
    seeded: Database, telegram_stub: TelegramStub, nlu: Nlu, content: Content
) -> None:
    settings = channel_settings(
        telegram=telegram_stub,
        GINBOT_PUBLIC_URL=PUBLIC_URL,
        GINBOT_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET,
    )
    chat = 7_070_707
    async with serve(settings, seeded, real_bot(seeded, nlu, content)) as served:
        await served.telegram_started()
        await say_on_telegram(served, chat, "กรมสรรพากรย้ายวันไหน")
        await say_on_telegram(served, chat, "/agency กรมสรรพากร")
        await say_on_telegram(served, chat, "ย้ายวันไหน")

    direct, _agency_saved, remembered = telegram_stub.texts_to(chat)
    assert RD_MIGRATION_DATE in direct
    # The date answer is the card as HTML (bold title and values) with an inline keyboard: the card's
    # buttons and the yes/no question's choices.
    card = telegram_stub.sent_messages(chat)[0]
    assert card["parse_mode"] == "HTML" and "<b>วันย้ายไป GIN Conference v9</b>" in card["text"]
    assert f"ย้ายไป v9: <b>วันอังคารที่ {RD_MIGRATION_DATE}</b>" in card["text"]
    keys = [b for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in keys] == ["วิธีติดตั้ง v9", "รับการแจ้งเตือน", "ใช่", "ไม่ใช่"]
    assert all(b["callback_data"] for b in keys)
    assert RD_MIGRATION_DATE in remembered  # /agency was understood: the bot now knows the agency
    async with seeded.session() as session:
        person = await session.scalar(select(ChatUser).where(ChatUser.platform_user_id == str(chat)))
    assert person is not None and person.agency_id == "rd"


async def test_line_unfollow_marks_the_person_blocked_and_unsubscribed(
    seeded: Database, line_stub: LineStub, nlu: Nlu, content: Content
) -> None:
    user = line_user_id(99)
    async with serve(channel_settings(line_stub), seeded, real_bot(seeded, nlu, content)) as served:
        await say_on_line(served, line_follow_event(user))
        await say_on_line(served, line_text_event(user, "กรมสรรพากร"))
        await say_on_line(served, line_text_event(user, "สมัครรับการแจ้งเตือน"))
        async with seeded.session() as session:
            before = await session.scalar(select(ChatUser).where(ChatUser.platform_user_id == user))
        requests_before = len(line_stub.requests)
        await say_on_line(served, line_unfollow_event(user))

    async with seeded.session() as session:
        after = await session.scalar(select(ChatUser).where(ChatUser.platform_user_id == user))
    assert before is not None and before.subscribed and not before.blocked
    assert after is not None and after.blocked and not after.subscribed
    assert len(line_stub.requests) == requests_before  # nobody to answer


async def test_on_line_the_download_link_opens_and_the_helpdesk_number_dials_with_one_tap(
    seeded: Database, line_stub: LineStub, nlu: Nlu, content: Content
) -> None:
    user = line_user_id(4242)
    download, trouble = line_text_event(user, "ดาวน์โหลด v9 ได้ที่ไหน"), line_text_event(user, "เข้าประชุมไม่ได้")
    async with serve(channel_settings(line_stub), seeded, real_bot(seeded, nlu, content)) as served:
        await say_on_line(served, download)
        await say_on_line(served, trouble)

    def actions(event: dict[str, object]) -> list[dict[str, str]]:
        (reply,) = [r for r in line_stub.calls("reply", accepted=True) if r.body["replyToken"] == event["replyToken"]]
        bubbles = [m for m in reply.body["messages"] if m["type"] == "flex"]
        return [b["action"] for m in bubbles for b in m["contents"]["footer"]["contents"]]

    assert [a["type"] for a in actions(download)] == ["uri"]
    assert actions(download)[0]["uri"].startswith("https://")
    assert [a["uri"] for a in actions(trouble) if a["uri"].startswith("tel:")] == ["tel:" + content_phone(content)]


def content_phone(content: Content) -> str:
    """The helpdesk number from data/answers.yml, as a dialler wants it."""
    (button,) = content.actions("contact")
    return button.dial_digits
