"""The Telegram adapter (python-telegram-bot v22): updates in by webhook or long polling, replies out.

Webhook mode (GINBOT_PUBLIC_URL set): the aiohttp route in ginbot.web.webhooks checks the secret token and
stores each update in the durable inbox (ginbot.channels.inbox); PTB's own web server is not used (``updater(None)``). At startup the webhook
is registered at ``{public_url}/telegram/webhook`` with the secret.
Polling mode (no public URL): PTB's Updater polls getUpdates in the background of the same process, so a
developer can try the bot with nothing but a token.

Startup runs in the background and retries while Telegram is unreachable: a blocked or slow
api.telegram.org must not keep LINE and the web chat from starting. A token Telegram refuses stops it.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, InlineKeyboardMarkup, MenuButtonCommands, Update
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, ExtBot, TypeHandler

from ginbot.backoff import Backoff
from ginbot.channels.base import FAILURE_REPLY, Sent
from ginbot.channels.inbox import bounded
from ginbot.channels.telegram_convert import (
    ALLOWED_UPDATES,
    COMMANDS,
    ButtonTexts,
    TelegramMessage,
    TelegramTurn,
    interpret,
    to_telegram_messages,
)
from ginbot.core.messages import Channel, IncomingMessage, Kind, MessageHandler, Reply
from ginbot.db.inbox import Leased, NewEvent
from ginbot.delivery.answers import AnswerQueue, QueuedMessage, retry_key
from ginbot.observability import metrics
from ginbot.settings import Settings

if TYPE_CHECKING:  # the channel only passes it on; ginbot.delivery imports the SDK side lazily
    from ginbot.delivery.announce import StaffBroadcasts

log = logging.getLogger(__name__)

# Commits events to the durable inbox (ginbot.channels.inbox.Inbox.store); polling mode hands updates to it.
Store = Callable[[Sequence[NewEvent]], Awaitable[list[bool]]]

WEBHOOK_PATH = "/telegram/webhook"
# Waits while Telegram cannot be reached at startup.
START_BACKOFF = Backoff(first_s=1.0, max_s=60.0)
# A reply held back longer than this by flood control goes to the outbox instead of waiting here.
MAX_RETRY_AFTER_S = 10.0
# python-telegram-bot's TimedOut for "no pooled connection was free": the request was never sent.
POOL_TIMEOUT_MARK = "pool timeout"


class TelegramChannel:
    name = Channel.TELEGRAM

    def __init__(
        self,
        *,
        token: str,
        api_base: str,
        handler: MessageHandler,
        store: Store | None,
        answers: AnswerQueue | None = None,
        max_update_age: timedelta = timedelta(days=7),
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        builder = Application.builder().token(token).base_url(api_base)
        if webhook_url is not None:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._from_polling))
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self._handler = handler
        self._store = store
        self._answers = answers
        self._max_update_age = max_update_age
        self._buttons = ButtonTexts()
        self._starter: asyncio.Task[None] | None = None
        # Set by the app when staff may /broadcast (ginbot.delivery.announce.StaffBroadcasts); None: off.
        self.staff: StaffBroadcasts | None = None
        # Set by the app when a staff group is configured (ginbot.handoff.telegram_group.StaffGroup): its
        # messages are staff answering officials, never a conversation with the bot.
        self.staff_group: Any = None
        self.status = "stopped"

    @classmethod
    def from_settings(
        cls, settings: Settings, handler: MessageHandler, store: Store | None, answers: AnswerQueue | None = None
    ) -> TelegramChannel:
        assert settings.telegram_token is not None, "Telegram is not configured"
        secret = settings.telegram_webhook_secret
        return cls(
            token=settings.telegram_token.get_secret_value(),
            api_base=settings.telegram_api_base,
            handler=handler,
            store=store,
            answers=answers,
            max_update_age=timedelta(days=settings.inbox_keep_days),
            webhook_url=f"{settings.public_url}{WEBHOOK_PATH}" if settings.public_url else None,
            webhook_secret=secret.get_secret_value() if secret else None,
        )

    @property
    def bot(self) -> ExtBot[None]:
        return self.application.bot

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None

    # --- lifecycle --------------------------------------------------------------------------------------

    async def open(self) -> None:
        """The registry's Receiver: start without waiting for Telegram (see the module note)."""
        self.start_in_background()

    def start_in_background(self) -> asyncio.Task[None]:
        self.status = "starting"
        self._starter = asyncio.create_task(self.start(), name="telegram-start")
        return self._starter

    async def started(self) -> None:
        """Wait for the background start to finish (ready, or failed for good)."""
        if self._starter is not None:
            await asyncio.shield(self._starter)

    async def start(self) -> None:
        """Connect (getMe), register the command menu and the webhook or start polling; retries on network errors."""
        self.status = "starting"
        attempt = 0
        while True:
            attempt += 1
            delay = START_BACKOFF.delay_s(attempt)
            try:
                await self._connect()
                break
            except InvalidToken:
                self.status = "failed: Telegram refused the token (check GINBOT_TELEGRAM_TOKEN)"
                log.error("Telegram refused the bot token; the Telegram channel is off")
                return
            except (NetworkError, RetryAfter) as exc:
                log.warning("Telegram unreachable at startup (%r); retrying in %.0f s", exc, delay)
            except TelegramError as exc:
                self.status = f"failed: {exc}"
                log.error("Telegram startup failed: %s", exc)
                return
            await asyncio.sleep(delay)
        self.status = "ready"
        log.info(
            "Telegram channel ready (%s)",
            "webhook " + str(self.webhook_url) if self.uses_webhook else "polling",
        )

    async def _connect(self) -> None:
        app = self.application
        await app.initialize()  # getMe: fails fast on a wrong token
        try:
            await app.bot.set_my_commands([BotCommand(name, c.description) for name, c in COMMANDS.items()])
            # The button beside the text box opens that Thai command list (not a web app).
            await app.bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        except TelegramError as exc:  # only the menu: not worth failing the channel for
            log.warning("could not register the Telegram command menu: %s", exc)
        if self.uses_webhook:
            await app.bot.set_webhook(
                self.webhook_url or "",
                secret_token=self.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        if not app.running:
            await app.start()
        if not self.uses_webhook and app.updater is not None and not app.updater.running:
            await app.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))

    async def stop_receiving(self) -> None:
        """Stop fetching updates (polling), so shutdown can drain the work already taken."""
        if self._starter is not None and not self._starter.done():
            self._starter.cancel()
            await asyncio.gather(self._starter, return_exceptions=True)
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()

    async def close(self) -> None:
        await self.stop_receiving()
        app = self.application
        if app.running:
            await app.stop()
        await app.shutdown()
        self.status = "stopped"

    # --- incoming ---------------------------------------------------------------------------------------

    def parse_update(self, data: dict[str, Any]) -> Update:
        return Update.de_json(data, self.application.bot)

    def receive(self, data: dict[str, Any], now: datetime | None = None) -> list[NewEvent]:
        """The update, checked, as an inbox entry (none when it is older than the inbox remembers keys
        for: it could be a replay). Raises for data that is not an Update."""
        update = self.parse_update(data)
        message = update.message or update.edited_message
        oldest = (now or datetime.now(UTC)) - self._max_update_age
        if message is not None and message.date < oldest:
            log.warning("Telegram update %s is older than %s: refused as a possible replay",
                        update.update_id, self._max_update_age)
            metrics.count_rejection("telegram", "too_old")
            return []
        chat = update.effective_chat or update.effective_user
        person = str(chat.id) if chat is not None else f"update-{update.update_id}"
        payload = json.dumps(data, ensure_ascii=False)
        # update_id is Telegram's order of updates: the person's messages in the order they were sent.
        return [NewEvent(Channel.TELEGRAM, bounded(str(update.update_id)), bounded(person), payload, update.update_id)]

    async def _from_polling(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        entries = self.receive(update.to_dict())
        if entries:
            if self._store is None:
                raise RuntimeError("polling without an inbox to store updates in")
            await self._store(entries)

    async def process(self, event: Leased, final: bool) -> None:
        """Answer one stored update. Raises when the core failed and another attempt may succeed."""
        update = self.parse_update(json.loads(event.payload))
        if self.staff is not None and await self._staff_update(update):
            return
        if self.staff_group is not None and self.staff_group.owns(update):
            group = self.staff_group
            try:
                # Once per update: the inbox stored it under its update_id, so a redelivery never gets here.
                await group.handle(update)
            except Exception:
                log.exception("staff group update %s failed", update.update_id)
            return
        turn = interpret(update, self._buttons)
        if turn is None:
            return
        await self._answer(turn, final, event.event_key)

    async def _staff_update(self, update: Update) -> bool:
        """Staff /broadcast and its confirm buttons belong to ginbot.delivery, not to the conversation."""
        from ginbot.delivery.telegram_staff import handle_staff_update

        if self.staff is None:
            return False
        try:
            return await handle_staff_update(self.staff, update, self._send_one, self._acknowledge)
        except Exception:
            log.exception("staff command failed")
            return True

    async def _answer(self, turn: TelegramTurn, final: bool = True, event_key: str | None = None) -> None:
        if turn.callback_query_id is not None:
            await self._acknowledge(turn.callback_query_id)
        if turn.message is None:
            await self.send(turn.chat_id, turn.canned, event_key)
            return
        try:
            replies = await self._handler.handle(turn.message)
        except Exception:
            # Only once no attempt is left: an apology now and the answer on the retry would read oddly.
            if final and turn.message.kind != Kind.UNFOLLOW:
                await self.send(turn.chat_id, [FAILURE_REPLY], event_key)
            raise
        if turn.message.kind != Kind.UNFOLLOW:
            await self.send(turn.chat_id, replies, event_key)

    async def _acknowledge(self, callback_query_id: str) -> None:
        try:
            await self.application.bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:  # the spinner stops by itself after a while; the answer matters more
            log.info("answerCallbackQuery failed: %s", exc)

    # --- outgoing ---------------------------------------------------------------------------------------

    async def send(self, chat_id: int, replies: Sequence[Reply], event_key: str | None = None) -> None:
        rendered = [to_telegram_messages([reply], self._buttons) for reply in replies]
        index = 0  # of the piece across the whole answer: the outbox keys are derived from it
        for number, pieces in enumerate(rendered):
            for part, (text, markup, parse_mode) in enumerate(pieces):
                outcome = await self._attempt(chat_id, text, markup, parse_mode)
                if outcome is Sent.LATER and event_key is not None and self._answers is not None:
                    rest = _unsent(replies[number:], rendered[number:], part, event_key, index)
                    await self._answers.queue(Channel.TELEGRAM, str(chat_id), rest)
                    log.warning("Telegram answer to %s queued in the outbox (%d messages)", chat_id, len(rest))
                    return
                # Later pieces would read out of order without the one that failed.
                if outcome is not Sent.YES:
                    return
                index += 1

    async def _send_one(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, parse_mode: str | None = None
    ) -> bool:
        return await self._attempt(chat_id, text, markup, parse_mode) is Sent.YES

    async def _attempt(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, parse_mode: str | None = None
    ) -> Sent:
        bot = self.application.bot
        for attempt in (1, 2):
            try:
                await bot.send_message(chat_id, text, reply_markup=markup, parse_mode=parse_mode)
                return Sent.YES
            except RetryAfter as exc:
                wait_s = retry_after_s(exc)
                if attempt == 2 or wait_s > MAX_RETRY_AFTER_S:
                    log.warning("Telegram flood control (%.0f s) held back a reply to %s", wait_s, chat_id)
                    return Sent.LATER
                await asyncio.sleep(wait_s)
            except Forbidden:
                log.info("Telegram chat %s blocked the bot; telling the core", chat_id)
                await self._handler.handle(
                    IncomingMessage(channel=Channel.TELEGRAM, user_id=str(chat_id), kind=Kind.UNFOLLOW)
                )
                return Sent.NEVER
            except TimedOut as exc:
                if POOL_TIMEOUT_MARK in str(exc).lower():
                    # Never left this process: no connection was free. Safe to send later.
                    log.warning("Telegram connection pool busy for a reply to %s", chat_id)
                    return Sent.LATER
                # Telegram has no idempotency key: the message may have arrived, so never send it twice.
                log.warning("Telegram sendMessage to %s timed out (%s); not retried", chat_id, exc)
                return Sent.UNKNOWN
            except NetworkError as exc:
                if attempt == 2:
                    log.warning("Telegram sendMessage to %s failed: %s", chat_id, exc)
                    return Sent.LATER
            except TelegramError as exc:
                log.error("Telegram refused a reply to %s: %s", chat_id, exc)
                return Sent.NEVER
        return Sent.LATER


def _unsent(
    replies: Sequence[Reply], rendered: Sequence[list[TelegramMessage]], sent: int, event_key: str, index: int
) -> list[QueuedMessage]:
    """What is left to send, for the outbox: a reply not begun is kept whole (card, buttons and quick
    replies; the sender renders it as here), the rest of one begun as its remaining words, with its quick
    replies on the last piece so the question they answer keeps its buttons."""
    queued: list[QueuedMessage] = []
    for number, (reply, pieces) in enumerate(zip(replies, rendered, strict=True)):
        if number == 0 and sent > 0:
            left = pieces[sent:]
            for i, (text, _markup, mode) in enumerate(left):
                quick = reply.quick_replies if i == len(left) - 1 else ()
                rest = Reply(_plain(text, mode), quick)
                queued.append(QueuedMessage(rest.text, retry_key(event_key, f"telegram{index + i}"), rest))
            index += len(left)
            continue
        queued.append(QueuedMessage(reply.plain(), retry_key(event_key, f"telegram{index}"), reply))
        index += len(pieces)
    return queued


def _plain(text: str, parse_mode: str | None) -> str:
    """The outbox sends plain text: an HTML-formatted piece loses its tags, keeps its words."""
    if parse_mode != "HTML":
        return text
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def retry_after_s(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int or (PTB_TIMEDELTA=true) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int form is deprecated in v22; both are handled here
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
