"""The Telegram adapter (python-telegram-bot v22): updates in by webhook or long polling, replies out.

Webhook mode (GINBOT_PUBLIC_URL set): the aiohttp route in ginbot.web.webhooks checks the secret token and
hands each update to ``accept``; PTB's own web server is not used (``updater(None)``). At startup the webhook
is registered at ``{public_url}/telegram/webhook`` with the secret.
Polling mode (no public URL): PTB's Updater polls getUpdates in the background of the same process, so a
developer can try the bot with nothing but a token.

Startup runs in the background and retries while Telegram is unreachable: a blocked or slow
api.telegram.org must not keep LINE and the web chat from starting. A token Telegram refuses stops it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes, ExtBot, TypeHandler

from ginbot.backoff import Backoff
from ginbot.channels.base import FAILURE_REPLY
from ginbot.channels.intake import Intake
from ginbot.channels.telegram_convert import (
    ALLOWED_UPDATES,
    COMMANDS,
    ButtonTexts,
    TelegramTurn,
    interpret,
    to_telegram_messages,
)
from ginbot.core.messages import Channel, IncomingMessage, Kind, MessageHandler, Reply
from ginbot.db.session import Database
from ginbot.settings import Settings

if TYPE_CHECKING:  # the channel only passes it on; ginbot.delivery imports the SDK side lazily
    from ginbot.delivery.announce import StaffBroadcasts

log = logging.getLogger(__name__)

# Runs a coroutine in a background task that shutdown waits for (ginbot.web.background.BackgroundTasks.spawn).
Spawn = Callable[[Coroutine[Any, Any, None]], object]

WEBHOOK_PATH = "/telegram/webhook"
# Waits while Telegram cannot be reached at startup.
START_BACKOFF = Backoff(first_s=1.0, max_s=60.0)
# A reply held back longer than this by flood control is dropped: the person has moved on.
MAX_RETRY_AFTER_S = 10.0


class TelegramChannel:
    name = Channel.TELEGRAM

    def __init__(
        self,
        *,
        token: str,
        api_base: str,
        handler: MessageHandler,
        intake: Intake,
        spawn: Spawn,
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
        self._intake = intake
        self._spawn = spawn
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
        cls, settings: Settings, handler: MessageHandler, db: Database, spawn: Spawn
    ) -> TelegramChannel:
        assert settings.telegram_token is not None, "Telegram is not configured"
        secret = settings.telegram_webhook_secret
        return cls(
            token=settings.telegram_token.get_secret_value(),
            api_base=settings.telegram_api_base,
            handler=handler,
            intake=Intake(db, Channel.TELEGRAM),
            spawn=spawn,
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

    def accept(self, update: Update) -> None:
        """Take an update for handling in a tracked background task (in arrival order per chat)."""
        self._spawn(self.handle_update(update))

    async def _from_polling(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        self.accept(update)

    async def handle_update(self, update: Update) -> None:
        """Answer one update; never raises (it runs in a task nobody awaits)."""
        if self.staff is not None and await self._staff_update(update):
            return
        if self.staff_group is not None and self.staff_group.owns(update):
            group = self.staff_group
            try:
                await self._intake.run_once(str(update.update_id), f"staff:{group.chat_id}", lambda: group.handle(update))
            except Exception:
                log.exception("staff group update %s failed", update.update_id)
            return
        turn = interpret(update, self._buttons)
        if turn is None:
            return
        try:
            await self._intake.run_once(turn.event_id, str(turn.chat_id), lambda: self._answer(turn))
        except Exception:
            log.exception("Telegram update %s failed", turn.event_id)

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

    async def _answer(self, turn: TelegramTurn) -> None:
        if turn.callback_query_id is not None:
            await self._acknowledge(turn.callback_query_id)
        if turn.message is None:
            await self.send(turn.chat_id, turn.canned)
            return
        try:
            replies = await self._handler.handle(turn.message)
        except Exception:
            if turn.message.kind != Kind.UNFOLLOW:
                await self.send(turn.chat_id, [FAILURE_REPLY])
            raise
        if turn.message.kind != Kind.UNFOLLOW:
            await self.send(turn.chat_id, replies)

    async def _acknowledge(self, callback_query_id: str) -> None:
        try:
            await self.application.bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:  # the spinner stops by itself after a while; the answer matters more
            log.info("answerCallbackQuery failed: %s", exc)

    # --- outgoing ---------------------------------------------------------------------------------------

    async def send(self, chat_id: int, replies: Sequence[Reply]) -> None:
        for text, markup, parse_mode in to_telegram_messages(replies, self._buttons):
            # Later pieces would read out of order without the one that failed.
            if not await self._send_one(chat_id, text, markup, parse_mode):
                return

    async def _send_one(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, parse_mode: str | None = None
    ) -> bool:
        bot = self.application.bot
        for attempt in (1, 2):
            try:
                await bot.send_message(chat_id, text, reply_markup=markup, parse_mode=parse_mode)
                return True
            except RetryAfter as exc:
                wait_s = retry_after_s(exc)
                if attempt == 2 or wait_s > MAX_RETRY_AFTER_S:
                    log.warning("Telegram flood control (%.0f s) dropped a reply to %s", wait_s, chat_id)
                    return False
                await asyncio.sleep(wait_s)
            except Forbidden:
                log.info("Telegram chat %s blocked the bot; telling the core", chat_id)
                await self._handler.handle(
                    IncomingMessage(channel=Channel.TELEGRAM, user_id=str(chat_id), kind=Kind.UNFOLLOW)
                )
                return False
            except TimedOut as exc:
                # Telegram has no idempotency key: the message may have arrived, so never send it twice.
                log.warning("Telegram sendMessage to %s timed out (%s); not retried", chat_id, exc)
                return False
            except NetworkError as exc:
                if attempt == 2:
                    log.warning("Telegram sendMessage to %s failed: %s", chat_id, exc)
                    return False
            except TelegramError as exc:
                log.error("Telegram refused a reply to %s: %s", chat_id, exc)
                return False
        return False


def retry_after_s(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB gives an int or (PTB_TIMEDELTA=true) a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int form is deprecated in v22; both are handled here
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
