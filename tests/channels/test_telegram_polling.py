"""Long polling: with no public URL, a developer can try the bot with nothing but a token."""

from __future__ import annotations

from ginbot.core.messages import Kind
from ginbot.db.session import Database
from ginbot.testing.payloads import telegram_text_update
from ginbot.testing.telegram_stub import TelegramStub
from tests.channels.conftest import RecordingBot, channel_settings, serve

CHAT = 4_242_4242


async def test_polling_gets_an_update_from_get_updates_and_answers_it(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    telegram_stub.webhook_url = "https://old.example.go.th/telegram/webhook"  # left over from a deployment
    async with serve(channel_settings(telegram=telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        telegram_stub.queue_update(telegram_text_update(CHAT, "/start"))
        telegram_stub.queue_update(telegram_text_update(CHAT, "กรมสรรพากรย้ายวันไหน"))
        await telegram_stub.wait_for("sendMessage", count=2)
        await served.settle()

    assert (
        telegram_stub.webhook_url == ""
    )  # polling removed the webhook first, or getUpdates would be refused
    assert [(m.kind, m.text) for m in bot.messages] == [(Kind.FOLLOW, ""), (Kind.TEXT, "กรมสรรพากรย้ายวันไหน")]
    assert telegram_stub.texts_to(CHAT) == ["ได้รับ:", "ได้รับ: กรมสรรพากรย้ายวันไหน"]
    assert (
        telegram_stub.pending_updates == 0
    )  # confirmed with the next offset, so a restart will not see them


async def test_no_webhook_route_in_polling_mode(
    sqlite_db: Database, telegram_stub: TelegramStub, bot: RecordingBot
) -> None:
    async with serve(channel_settings(telegram=telegram_stub), sqlite_db, bot) as served:
        await served.telegram_started()
        resp = await served.client.post("/telegram/webhook", json={"update_id": 1})
    assert resp.status == 404
    assert bot.messages == []
