"""The Telegram stub speaks enough of the Bot API for python-telegram-bot, as Telegram would answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Conflict, Forbidden, InvalidToken, RetryAfter

from ginbot.channels.telegram import retry_after_s
from ginbot.testing.fixtures import TELEGRAM_TOKEN
from ginbot.testing.payloads import telegram_text_update
from ginbot.testing.telegram_stub import TelegramStub


@pytest.fixture
async def bot(telegram_stub: TelegramStub) -> AsyncIterator[Bot]:
    async with Bot(TELEGRAM_TOKEN, base_url=telegram_stub.api_base) as bot:
        yield bot


async def test_form_encoded_parameters_are_read_back_as_telegram_would(
    bot: Bot, telegram_stub: TelegramStub
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("กลุ่ม 2", callback_data="t:กลุ่ม 2")]])
    message = await bot.send_message(42, "123", reply_markup=markup)
    (sent,) = telegram_stub.sent_messages(42)
    assert sent["chat_id"] == 42 and sent["text"] == "123"  # a numeric-looking text stays text
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "t:กลุ่ม 2"
    assert message.text == "123" and message.chat.id == 42


async def test_flood_control_and_blocked_chats_raise_what_ptb_raises(
    bot: Bot, telegram_stub: TelegramStub
) -> None:
    telegram_stub.fail("sendMessage", 429, retry_after=3)
    telegram_stub.fail("sendMessage", 403, to=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(7, "a")
    assert retry_after_s(flood.value) == 3
    await bot.send_message(8, "b")  # the 403 is kept for chat 7
    with pytest.raises(Forbidden):
        await bot.send_message(7, "c")
    assert telegram_stub.texts_to(8) == ["b"] and telegram_stub.texts_to(7) == []


async def test_get_updates_serves_the_queue_and_forgets_what_an_offset_confirms(
    bot: Bot, telegram_stub: TelegramStub
) -> None:
    first = telegram_stub.queue_update(telegram_text_update(1, "หนึ่ง"))
    telegram_stub.queue_update(telegram_text_update(1, "สอง"))
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["หนึ่ง", "สอง"]
    again = await bot.get_updates(offset=first["update_id"] + 1)
    assert [u.message.text for u in again if u.message] == ["สอง"]
    assert telegram_stub.pending_updates == 1


async def test_get_updates_is_refused_while_a_webhook_is_set(bot: Bot, telegram_stub: TelegramStub) -> None:
    await bot.set_webhook("https://ginbot.example.go.th/telegram/webhook", secret_token="s3cret")
    assert telegram_stub.webhook_secret == "s3cret"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_an_unknown_token_is_refused(telegram_stub: TelegramStub) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("1:not-the-token", base_url=telegram_stub.api_base):
            pass
