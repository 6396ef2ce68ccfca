"""A stub of the Telegram Bot API for python-telegram-bot (``.base_url(stub.api_base)``).

Serves GET and POST ``/bot<token>/<method>`` with form, multipart or JSON parameters (PTB sends forms with
non-string values JSON-encoded; ``stub_server.read_params`` decodes them back). Methods: getMe, setWebhook,
deleteWebhook, getWebhookInfo, getUpdates, sendMessage, answerCallbackQuery, setMyCommands, getMyCommands,
deleteMyCommands, setChatMenuButton, getChat, createForumTopic; anything else is 404 like an unknown method. Like Telegram it:
- answers 401 Unauthorized to any token but its own;
- refuses an empty text or one over 4,096 characters, and callback_data over 64 bytes (400);
- treats negative chat ids as groups: ``forum_chats`` are forum supergroups, where ``createForumTopic``
  makes a topic (refused elsewhere, 400 "the chat is not a forum") and ``sendMessage`` accepts its
  ``message_thread_id``; ``topics`` records them (thread id -> name);
- serves ``getUpdates`` from updates queued with ``queue_update``, honouring ``offset`` (earlier updates
  are confirmed and dropped), ``limit`` and long polling up to ``timeout``, and answers 409 while a webhook
  is set.

``stub.fail("sendMessage", 429, retry_after=3)`` gives a flood-control answer with
``parameters.retry_after``; 403 means "bot was blocked by the user". ``texts_to(chat)`` and ``delivered``
tell what each chat received.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from ginbot.testing.stub_server import Answer, StubServer, busiest_second, duplicates, per_second

DEFAULT_TOKEN = "123456789:ginbot-stub-token"
MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64
# Long polls are cut short so a test never waits on the stub for long.
MAX_POLL_WAIT_S = 2.0

_ERRORS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def error_body(status: int, description: str | None = None, retry_after: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": status,
        "description": description
        or _ERRORS.get(status, f"Error {status}").format(retry_after=retry_after or 1),
    }
    if status == 429:
        body["parameters"] = {"retry_after": retry_after or 1}
    return body


class TelegramStub(StubServer):
    def __init__(
        self, token: str = DEFAULT_TOKEN, *, delay_s: float = 0.0, bot_username: str = "ginbot_stub_bot"
    ) -> None:
        super().__init__(delay_s=delay_s)
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.commands: list[dict[str, Any]] = []
        self.menu_button: dict[str, Any] | None = None  # the default chat menu button (setChatMenuButton)
        self.delivered: Counter[str] = Counter()  # chat id -> messages received
        self._texts: dict[str, list[str]] = defaultdict(list)
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1000
        self._message_id = 0
        self._new_update = asyncio.Event()
        self.forum_chats: set[str] = set()
        self.posted: list[dict[str, Any]] = []  # every message sendMessage created, as it answered
        self.topics: dict[int, str] = {}
        self._thread_id = 100

    @property
    def api_base(self) -> str:
        """What to give PTB's ``base_url`` (and GINBOT_TELEGRAM_API_BASE): PTB appends the token."""
        return f"{self.url}/bot"

    async def close(self) -> None:
        self._new_update.set()  # end pending long polls now rather than at their timeout
        await super().close()

    def _routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._method)

    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        handler = getattr(self, f"_m_{method}", None) or self._unknown
        return await self._serve(request, method, handler)

    # --- scripting and reading ----------------------------------------------------------------------------

    def fail(
        self,
        endpoint: str,
        status: int,
        *,
        times: int = 1,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        to: str | int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Like StubServer.fail, with Telegram's error shape; ``to`` is a chat id."""
        if body is None:
            body = error_body(status, description, retry_after)
        super().fail(
            endpoint, status, times=times, body=body, headers=headers, to=None if to is None else str(to)
        )

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an Update for getUpdates; an ``update_id`` is assigned when missing."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        self._updates.append(update)
        self._new_update.set()
        return update

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def texts_to(self, chat_id: str | int) -> list[str]:
        return list(self._texts.get(str(chat_id), []))

    def sent_times(self, chat_id: str | int | None = None) -> list[float]:
        """When each accepted sendMessage (to ``chat_id`` only, if given) arrived (time.monotonic())."""
        return [
            r.received_at
            for r in self.calls("sendMessage", accepted=True)
            if chat_id is None or str(r.body.get("chat_id")) == str(chat_id)
        ]

    def stats(self) -> dict[str, Any]:
        times = self.sent_times()
        return {
            "recipients": len(self.delivered),
            "messages": sum(self.delivered.values()),
            "duplicates": duplicates(self.delivered),
            "requests": len(self.calls("sendMessage")),
            "first_s": min(times) if times else None,
            "last_s": max(times) if times else None,
            "per_second": per_second(times),
            "busiest_second": busiest_second(times),
        }

    def posts_to(self, chat_id: str | int) -> list[dict[str, Any]]:
        """The messages sendMessage created in ``chat_id`` (with their message_id), in order."""
        return [m for m in self.posted if str(m["chat"]["id"]) == str(chat_id)]

    def sent_messages(self, chat_id: str | int | None = None) -> list[dict[str, Any]]:
        """Parameters of every accepted sendMessage (to ``chat_id`` only, if given), in order."""
        return [
            r.body
            for r in self.calls("sendMessage", accepted=True)
            if chat_id is None or str(r.body.get("chat_id")) == str(chat_id)
        ]

    # --- serving ------------------------------------------------------------------------------------------

    def _authorize(self, request: web.Request) -> Answer | None:
        if request.match_info.get("token") == self.token:
            return None
        return Answer(401, error_body(401))

    def _recipients(self, endpoint: str, body: Mapping[str, Any]) -> Iterable[str]:
        return [str(body["chat_id"])] if "chat_id" in body else []

    def _error(self, endpoint: str, status: int) -> Any:
        return error_body(status)

    @staticmethod
    def _ok(result: Any) -> Answer:
        return Answer(200, {"ok": True, "result": result})

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "ginbot",
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _unknown(self, body: dict[str, Any], request: web.Request) -> Answer:
        return Answer(404, error_body(404, "Not Found: method not found"))

    async def _m_getMe(self, body: dict[str, Any], request: web.Request) -> Answer:
        return self._ok(self._bot_user())

    async def _m_setWebhook(self, body: dict[str, Any], request: web.Request) -> Answer:
        url = str(body.get("url", ""))
        if url and not url.startswith("https://"):
            return Answer(
                400, error_body(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
            )
        self.webhook_url = url
        self.webhook_secret = body.get("secret_token")
        return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"})

    async def _m_deleteWebhook(self, body: dict[str, Any], request: web.Request) -> Answer:
        self.webhook_url, self.webhook_secret = "", None
        if body.get("drop_pending_updates"):
            self._updates.clear()
        return Answer(200, {"ok": True, "result": True, "description": "Webhook was deleted"})

    async def _m_getWebhookInfo(self, body: dict[str, Any], request: web.Request) -> Answer:
        return self._ok(
            {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        )

    async def _m_setMyCommands(self, body: dict[str, Any], request: web.Request) -> Answer:
        self.commands = list(body.get("commands") or [])
        return self._ok(True)

    async def _m_setChatMenuButton(self, body: dict[str, Any], request: web.Request) -> Answer:
        if body.get("chat_id") is None:
            self.menu_button = body.get("menu_button") or {"type": "default"}
        return self._ok(True)

    async def _m_getMyCommands(self, body: dict[str, Any], request: web.Request) -> Answer:
        return self._ok(self.commands)

    async def _m_deleteMyCommands(self, body: dict[str, Any], request: web.Request) -> Answer:
        self.commands = []
        return self._ok(True)

    async def _m_answerCallbackQuery(self, body: dict[str, Any], request: web.Request) -> Answer:
        if not body.get("callback_query_id"):
            return Answer(
                400,
                error_body(
                    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
                ),
            )
        return self._ok(True)

    async def _m_sendMessage(self, body: dict[str, Any], request: web.Request) -> Answer:
        text = str(body.get("text") or "")
        if "chat_id" not in body:
            return Answer(400, error_body(400, "Bad Request: chat_id is empty"))
        if not text.strip():
            return Answer(400, error_body(400, "Bad Request: message text is empty"))
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            return Answer(400, error_body(400, "Bad Request: message is too long"))
        markup = body.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    return Answer(400, error_body(400, "Bad Request: BUTTON_DATA_INVALID"))
        chat = str(body["chat_id"])
        thread = body.get("message_thread_id")
        if thread is not None and int(thread) not in self.topics:
            return Answer(400, error_body(400, "Bad Request: message thread not found"))
        self.delivered[chat] += 1
        self._texts[chat].append(text)
        self._message_id += 1
        message: dict[str, Any] = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": self._chat(chat),
            "from": self._bot_user(),
            "text": text,
        }
        if thread is not None:
            message["message_thread_id"] = int(thread)
            message["is_topic_message"] = True
        if markup:
            message["reply_markup"] = markup
        self.posted.append(message)
        return self._ok(message)

    def _chat(self, chat: str) -> dict[str, Any]:
        if not chat.lstrip("-").isdigit():
            return {"id": chat, "type": "channel"}
        if int(chat) > 0:
            return {"id": int(chat), "type": "private"}
        forum = chat in self.forum_chats
        return {"id": int(chat), "type": "supergroup", "title": "ginbot staff", "is_forum": forum}

    async def _m_getChat(self, body: dict[str, Any], request: web.Request) -> Answer:
        chat = self._chat(str(body.get("chat_id")))
        return self._ok({**chat, "accent_color_id": 0, "max_reaction_count": 11})

    async def _m_createForumTopic(self, body: dict[str, Any], request: web.Request) -> Answer:
        chat, name = str(body.get("chat_id")), str(body.get("name") or "")
        if chat not in self.forum_chats:
            return Answer(400, error_body(400, "Bad Request: the chat is not a forum"))
        if not 1 <= len(name) <= 128:
            return Answer(400, error_body(400, "Bad Request: TOPIC_NAME_INVALID"))
        self._thread_id += 1
        self.topics[self._thread_id] = name
        return self._ok({"message_thread_id": self._thread_id, "name": name, "icon_color": 7322096})

    async def _m_getUpdates(self, body: dict[str, Any], request: web.Request) -> Answer:
        if self.webhook_url:
            return Answer(
                409,
                error_body(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                ),
            )
        offset = int(body.get("offset") or 0)
        limit = int(body.get("limit") or 100)
        wait_s = min(float(body.get("timeout") or 0), MAX_POLL_WAIT_S)
        # An offset confirms every update before it: Telegram forgets them.
        while self._updates and int(self._updates[0]["update_id"]) < offset:
            self._updates.popleft()
        if not self._updates and wait_s > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), wait_s)
            except TimeoutError:
                pass
        return self._ok(list(self._updates)[:limit])
