"""Telegram through its real webhook route: Update objects in, python-telegram-bot talking to the stub."""

from __future__ import annotations

import json

import pytest

from ginbot.core.messages import Channel, Kind, QuickReply, Reply
from ginbot.db.session import Database
from ginbot.settings import Settings, SettingsError
from ginbot.testing.fixtures import TELEGRAM_WEBHOOK_SECRET
from ginbot.testing.payloads import (
    telegram_callback_update,
    telegram_headers,
    telegram_my_chat_member_update,
    telegram_sticker_update,
    telegram_text_update,
)
from ginbot.testing.telegram_stub import TelegramStub
from tests.channels.conftest import PUBLIC_URL, RecordingBot, Served, channel_settings, count_rows, serve

CHAT = 5_551_234
QUESTION = "กรมสรรพากรย้ายวันไหน"


def webhook_settings(telegram_stub: TelegramStub, **env: str) -> Settings:
    return channel_settings(
        telegram=telegram_stub,
        GINBOT_PUBLIC_URL=PUBLIC_URL,
        GINBOT_TELEGRAM_WEBHOOK_SECRET=TELEGRAM_WEBHOOK_SECRET,
        **env,
    )


async def deliver(
    served: Served, update: dict[str, object], secret: str | None = TELEGRAM_WEBHOOK_SECRET
) -> int:
    resp = await served.post("/telegram/webhook", json.dumps(update).encode(), telegram_headers(secret))
    await served.settle()
    return int(resp.status)


async def test_startup_registers_the_webhook_its_secret_and_the_thai_command_menu(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        health = await (await served.client.get("/healthz")).json()
    assert telegram_stub.webhook_url == f"{PUBLIC_URL}/telegram/webhook"
    assert telegram_stub.webhook_secret == TELEGRAM_WEBHOOK_SECRET
    assert [c["command"] for c in telegram_stub.commands] == [
        "start",
        "help",
        "agency",
        "subscribe",
        "unsubscribe",
        "forget",
    ]
    # The menu is in Thai: every command's description, and the menu button opens that list.
    assert all(any("\u0e01" <= ch <= "\u0e4e" for ch in c["description"]) for c in telegram_stub.commands)
    assert telegram_stub.menu_button == {"type": "commands"}
    assert health["channel_status"]["telegram"] == "ready"


async def test_text_update_reaches_the_core_and_the_answer_is_sent_with_buttons(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        assert await deliver(served, telegram_text_update(CHAT, QUESTION)) == 200

    assert [(m.channel, m.user_id, m.text, m.kind) for m in bot.messages] == [
        (Channel.TELEGRAM, str(CHAT), QUESTION, Kind.TEXT)
    ]
    (sent,) = telegram_stub.sent_messages(CHAT)
    assert sent["text"] == f"ได้รับ: {QUESTION}"
    buttons = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["กลุ่ม 2", "ติดต่อเจ้าหน้าที่"]


@pytest.mark.parametrize("secret", [None, "", "not-the-secret"], ids=["missing", "empty", "wrong"])
async def test_update_without_the_right_secret_is_refused_and_changes_nothing(
    db: Database, telegram_stub: TelegramStub, bot: RecordingBot, secret: str | None
) -> None:
    async with serve(webhook_settings(telegram_stub), db, bot) as served:
        await served.telegram_started()
        telegram_stub.clear()  # forget the startup calls (getMe, setWebhook…)
        assert await deliver(served, telegram_text_update(CHAT, QUESTION), secret) == 401

    assert bot.messages == []
    assert telegram_stub.requests == []
    assert await count_rows(db) == {"inbox_events": 0, "chat_users": 0, "message_log": 0}


@pytest.mark.parametrize(
    ("command", "kind", "told"),
    [
        ("/start", Kind.FOLLOW, ""),
        ("/help", Kind.TEXT, "ช่วยอะไรได้บ้าง"),
        ("/agency กรมสรรพากร", Kind.TEXT, "หน่วยงานของฉันคือ กรมสรรพากร"),
        ("/agency@ginbot_stub_bot สพร.", Kind.TEXT, "หน่วยงานของฉันคือ สพร."),
        ("/agency", Kind.TEXT, "เปลี่ยนหน่วยงาน"),
        ("/subscribe", Kind.TEXT, "สมัครรับการแจ้งเตือน"),
        ("/unsubscribe", Kind.TEXT, "ยกเลิกการแจ้งเตือน"),
        ("/forget", Kind.TEXT, "ลบข้อมูลของฉัน"),
    ],
)
async def test_commands_are_told_to_the_core_as_thai_text(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot, command: str, kind: Kind, told: str
) -> None:
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_text_update(CHAT, command))
    assert [(m.kind, m.text) for m in bot.messages] == [(kind, told)]
    assert len(telegram_stub.sent_messages(CHAT)) == 1


async def test_tapping_a_button_sends_its_text_and_stops_the_spinner(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    long_name = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"  # 126 bytes: too long for callback_data
    bot.answer = lambda m: [
        Reply("ท่านหมายถึงหน่วยงานใดคะ?", (QuickReply("สพร.", long_name), QuickReply("กลุ่ม 2", "กลุ่ม 2")))
    ]
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_text_update(CHAT, "ย้ายวันไหน"))
        keyboard = telegram_stub.sent_messages(CHAT)[0]["reply_markup"]["inline_keyboard"]
        for button in [b for row in keyboard for b in row]:
            await deliver(served, telegram_callback_update(CHAT, button["callback_data"], keyboard=keyboard))

    assert bot.texts == ["ย้ายวันไหน", long_name, "กลุ่ม 2"]
    assert len(telegram_stub.calls("answerCallbackQuery", accepted=True)) == 2


async def test_long_answer_is_split_under_4096_characters(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    line = "ขั้นตอนที่ 1: ถอน AcuConference 8 ออกจากเครื่องก่อน แล้วจึงติดตั้ง AcuConference 9\n"
    long_text = (line * 150).strip()  # about 12,000 characters
    bot.answer = lambda m: [Reply(long_text, (QuickReply("ติดต่อเจ้าหน้าที่", "ขอคุยกับเจ้าหน้าที่"),))]
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_text_update(CHAT, "วิธีติดตั้ง"))

    sent = telegram_stub.sent_messages(CHAT)
    assert len(sent) >= 3 and all(len(s["text"]) <= 4096 for s in sent)
    assert "\n".join(s["text"] for s in sent) == long_text
    assert [("reply_markup" in s) for s in sent] == [False] * (len(sent) - 1) + [True]


async def test_blocking_the_bot_is_an_unfollow_and_gets_no_answer(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    bot.answer = lambda m: []
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_my_chat_member_update(CHAT, "kicked"))
        await deliver(served, telegram_my_chat_member_update(CHAT, "member"))
    assert [(m.kind, m.user_id) for m in bot.messages] == [(Kind.UNFOLLOW, str(CHAT))]
    assert telegram_stub.sent_messages() == []


async def test_sticker_gets_a_polite_request_to_type(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_sticker_update(CHAT))
    assert bot.messages == []
    (text,) = telegram_stub.texts_to(CHAT)
    assert "กรุณาพิมพ์คำถาม" in text


async def test_a_retried_update_is_answered_once(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    update = telegram_text_update(CHAT, QUESTION)
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        assert await deliver(served, update) == 200
        assert await deliver(served, update) == 200
    assert bot.texts == [QUESTION]
    assert len(telegram_stub.sent_messages(CHAT)) == 1


async def test_flood_control_is_waited_out_once(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    telegram_stub.fail("sendMessage", 429, retry_after=1)
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_text_update(CHAT, QUESTION))
    assert [c.status for c in telegram_stub.calls("sendMessage")] == [429, 200]
    assert telegram_stub.texts_to(CHAT) == [f"ได้รับ: {QUESTION}"]


async def test_a_person_who_blocked_the_bot_meanwhile_is_reported_to_the_core(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    telegram_stub.fail("sendMessage", 403)
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        await deliver(served, telegram_text_update(CHAT, QUESTION))
    assert [m.kind for m in bot.messages] == [Kind.TEXT, Kind.UNFOLLOW]


async def test_public_url_without_a_webhook_secret_refuses_to_start(
    sqlite_db: Database, telegram_stub: TelegramStub
) -> None:
    from ginbot.web.app import create_app

    settings = channel_settings(telegram=telegram_stub, GINBOT_PUBLIC_URL=PUBLIC_URL)
    with pytest.raises(SettingsError, match="GINBOT_TELEGRAM_WEBHOOK_SECRET"):
        create_app(settings, db=sqlite_db, bot=RecordingBot())


async def test_webhook_answers_503_until_telegram_is_reachable(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    telegram_stub.fail("getMe", 502)  # api.telegram.org unreachable at startup: retried in the background
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        early = await deliver(served, telegram_text_update(CHAT, QUESTION))
        await served.telegram_started()
        later = await deliver(served, telegram_text_update(CHAT, QUESTION))
    assert (early, later) == (503, 200)
    assert bot.texts == [QUESTION]


async def test_refused_token_switches_telegram_off_but_not_the_server(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    telegram_stub.token = "999:another-token"
    async with serve(webhook_settings(telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        health = await (await served.client.get("/healthz")).json()
    assert health["channel_status"]["telegram"].startswith("failed")
    assert health["status"] == "ok"
