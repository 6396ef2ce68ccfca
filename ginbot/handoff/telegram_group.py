"""The Telegram staff group (GINBOT_TELEGRAM_STAFF_CHAT_ID): handoffs posted in, staff replies taken out.

Out: each new handoff is posted with the official's message, agency and channel; every later message of
the official is posted the same way. In a forum supergroup each conversation gets its own topic
(``createForumTopic``) and its posts go there. The Telegram message id of each post is kept on its
transcript line, so a reply to any of them finds the conversation.

In: a message in the staff chat from someone in GINBOT_TELEGRAM_STAFF_IDS that replies to one of ginbot's
posts (``reply_to_message``) or is written in a conversation's topic (``message_thread_id``) goes to the
official through the desk (once: the channel deduplicates update ids); ``/close`` sent the same way closes
the conversation. Anyone else is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError

from ginbot.core.handoff import StaffEvent
from ginbot.db import handoffs
from ginbot.db.session import Database
from ginbot.handoff.desk import Desk, DeskError

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], object]
CLOSE_COMMAND = "/close"
CHANNEL_NAMES = {"line": "LINE", "telegram": "Telegram", "web": "เว็บแชท", "console": "คอนโซล"}
TOPIC_NAME_MAX = 128


def describe(event: StaffEvent) -> str:
    """The post staff read: who (channel, agency), which conversation, what they said, how to answer."""
    where = f"{CHANNEL_NAMES.get(event.channel, event.channel)} · {event.agency or 'ยังไม่ระบุหน่วยงาน'}"
    if event.kind == "opened":
        return (
            f"🙋 ขอคุยกับเจ้าหน้าที่ #{event.handoff_id}\n{where}\n\n{event.text}\n\n"
            f"ตอบกลับ (reply) ข้อความนี้เพื่อตอบผู้ใช้ · {CLOSE_COMMAND} เพื่อปิดการสนทนา"
        )
    if event.kind == "ended":
        return f"✅ ผู้ใช้จบการสนทนา #{event.handoff_id} แล้ว ({where})"
    return f"💬 #{event.handoff_id} · {where}\n\n{event.text}"


def topic_name(event: StaffEvent) -> str:
    return f"#{event.handoff_id} {event.agency or CHANNEL_NAMES.get(event.channel, event.channel)}"[:TOPIC_NAME_MAX]


class StaffGroup:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        desk: Desk,
        *,
        chat_id: int,
        staff_ids: Collection[int],
        spawn: Spawn,
    ) -> None:
        self.bot = bot
        self.db = db
        self.desk = desk
        self.chat_id = chat_id
        self.staff_ids = frozenset(staff_ids)
        self._spawn = spawn
        self._is_forum: bool | None = None

    # --- out: posts about handoffs ------------------------------------------------------------------------

    def on_events(self, events: list[StaffEvent]) -> None:
        """A Bot staff listener: post in the background, so the official's answer never waits for Telegram."""
        self._spawn(self.post(events))

    async def post(self, events: list[StaffEvent]) -> None:
        for event in events:
            try:
                await self._post_one(event)
            except TelegramError as exc:
                # The admin inbox still shows the conversation; staff lose only the Telegram copy.
                log.warning("could not post handoff #%d to the staff group: %s", event.handoff_id, exc)

    async def _forum(self) -> bool:
        if self._is_forum is None:
            chat = await self.bot.get_chat(self.chat_id)
            self._is_forum = bool(getattr(chat, "is_forum", False))
        return self._is_forum

    async def _post_one(self, event: StaffEvent) -> None:
        thread_id = event.thread_id
        if event.kind == "opened" and await self._forum():
            topic = await self.bot.create_forum_topic(self.chat_id, topic_name(event))
            thread_id = topic.message_thread_id
            async with self.db.session() as session:
                await handoffs.set_thread(session, event.handoff_id, thread_id)
        sent = await self.bot.send_message(self.chat_id, describe(event), message_thread_id=thread_id)
        if event.message_id is not None:
            async with self.db.session() as session:
                await handoffs.set_staff_post(session, event.message_id, sent.message_id)

    # --- in: staff answers --------------------------------------------------------------------------------

    def owns(self, update: Update) -> bool:
        """Whether the update was written in the staff chat (then it is never a conversation with the bot)."""
        chat = update.effective_chat
        return chat is not None and chat.id == self.chat_id

    async def handle(self, update: Update) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or user.is_bot or not message.text:
            return
        if user.id not in self.staff_ids:
            log.info("staff group: ignored a message from %s, who is not in GINBOT_TELEGRAM_STAFF_IDS", user.id)
            return
        handoff_id = await self._conversation_of(update)
        if handoff_id is None:
            return  # chatter among staff, not an answer to a conversation
        staff_name = f"telegram:{user.id}"
        text = message.text.strip()
        command = text.split(maxsplit=1)[0].split("@", 1)[0].lower() if text else ""
        try:
            if command == CLOSE_COMMAND:
                await self.desk.close(handoff_id, staff_name=staff_name, via="telegram")
                await self._say(f"ปิดการสนทนา #{handoff_id} แล้ว ผู้ใช้กลับไปคุยกับ ginbot", message.message_thread_id)
            else:
                await self.desk.reply(handoff_id, text, staff_name=staff_name, via="telegram")
        except DeskError as exc:
            await self._say(str(exc), message.message_thread_id)

    async def _conversation_of(self, update: Update) -> int | None:
        message = update.effective_message
        assert message is not None
        async with self.db.session() as session:
            replied = message.reply_to_message
            if replied is not None and replied.from_user is not None and replied.from_user.id == self.bot.id:
                found = await handoffs.by_staff_post(session, replied.message_id)
                if found is not None:
                    return found.id
            if message.message_thread_id is not None and message.is_topic_message:
                found = await handoffs.by_thread(session, message.message_thread_id)
                if found is not None:
                    return found.id
        return None

    async def _say(self, text: str, thread_id: int | None) -> None:
        try:
            await self.bot.send_message(self.chat_id, text, message_thread_id=thread_id)
        except TelegramError as exc:
            log.warning("could not answer in the staff group: %s", exc)
