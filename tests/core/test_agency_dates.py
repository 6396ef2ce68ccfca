"""Saying one's agency: the dates worded for before, on and after its last v8 day, like the other date
answers, and reminders promised only on channels that can deliver them."""

from __future__ import annotations

from datetime import date

from ginbot.core.messages import Channel, IncomingMessage
from tests.core.conftest import BotFactory

# กรมสรรพากร is in cohort 2: v8 until 6 July 2020, v9 from 7 July 2020.


async def say(make_bot: BotFactory, today: date, text: str, channel: str = Channel.LINE) -> str:
    bot = make_bot(today)
    replies = await bot.handle(IncomingMessage(channel, "U-dates", text))
    return "\n".join(r.text for r in replies)


async def test_before_the_last_day_it_counts_down_and_promises_reminders(make_bot: BotFactory) -> None:
    answer = await say(make_bot, date(2020, 7, 3), "ผมอยู่กรมสรรพากร")
    assert "ใช้ v8 ได้ถึง: วันจันทร์ที่ 6 กรกฎาคม 2563 (อีก 3 วัน)" in answer
    assert "เปิดการแจ้งเตือนก่อนวันตัดระบบ v8" in answer


async def test_on_the_last_day_it_says_today_is_the_last(make_bot: BotFactory) -> None:
    answer = await say(make_bot, date(2020, 7, 6), "ผมอยู่กรมสรรพากร")
    assert "วันนี้ (วันจันทร์ที่ 6 กรกฎาคม 2563) เป็นวันสุดท้ายที่ใช้ v8 ได้" in answer
    assert "ก่อนวันตัดระบบ" not in answer  # no reminder can come before a cutoff that is today


async def test_after_the_cutoff_it_says_v9_only_now(make_bot: BotFactory) -> None:
    answer = await say(make_bot, date(2020, 8, 1), "ผมอยู่กรมสรรพากร")
    assert "ซึ่งผ่านมาแล้ว" in answer and "ต้องใช้ AcuConference 9 เท่านั้น" in answer
    assert "ใช้ v8 ได้ถึงวันจันทร์ที่ 6 กรกฎาคม 2563 ซึ่งผ่านมาแล้ว" in answer
    assert "ก่อนวันตัดระบบ" not in answer and "อีก " not in answer
    assert "เปิดการรับประกาศสำคัญ" in answer


async def test_a_channel_that_cannot_push_promises_nothing(make_bot: BotFactory) -> None:
    bot = make_bot(date(2020, 7, 3))
    replies = await bot.handle(IncomingMessage(Channel.WEB, "web-1", "ผมอยู่กรมสรรพากร", can_push=False))
    answer = "\n".join(r.text for r in replies)
    assert "ใช้ v8 ได้ถึง: วันจันทร์ที่ 6 กรกฎาคม 2563" in answer
    assert "ให้แล้ว" not in answer and "LINE หรือ Telegram" in answer
