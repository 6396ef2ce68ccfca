"""A stub of the LINE Messaging API for the real line-bot-sdk (``Configuration(host=stub.url)``).

Endpoints: POST /v2/bot/message/reply, /push, /multicast, /broadcast; GET /v2/bot/info; POST
/v2/bot/chat/loading/start (endpoint name "loading"); the rich-menu endpoints (line_richmenu_stub.py).
Like LINE it:
- checks ``Authorization: Bearer <access_token>`` (401 otherwise) when an access token is given;
- validates what LINE validates and the SDK does not: 1–5 messages, non-empty text of at most 5,000 UTF-16
  units, at most 13 quick-reply items with labels of at most 20 characters, at most 500 multicast ids,
  an ``X-Line-Retry-Key`` that is a UUID (and none on reply); Flex messages with an altText of 1–400
  characters, a bubble or carousel, and actions whose URIs are http(s), line: or tel:;
- treats reply tokens as single-use: a token already used, or marked with ``expire_reply_token``, gets
  400 "Invalid reply token";
- answers a retry key already seen on an accepted request with 409 and ``x-line-accepted-request-id``;
- sends ``x-line-request-id`` on every accepted request.

``stub.fail("push", 500)``, ``stub.fail("multicast", 429, times=3)``, ``stub.fail("push", 403, to=user)``,
``stub.hang("push")`` script failures (see StubServer). What people received: ``texts_to(user)`` and
``delivered`` (pushes and multicasts per user), ``reply_texts()`` (replies, in order); a Flex message counts
as its altText there, ``messages(endpoint)`` has the whole objects.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from ginbot.testing.line_richmenu_stub import RichMenuRoutes
from ginbot.testing.stub_server import Answer, duplicates

MAX_MESSAGES = 5
MAX_TEXT_UTF16 = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
MAX_MULTICAST_TO = 500
MAX_ALT_TEXT = 400
MAX_BUTTON_LABEL = 40  # a Flex button's action label
MAX_URI = 1000
URI_SCHEMES = ("http://", "https://", "line://", "tel:")

_ERRORS = {
    400: "The request body has 1 error(s)",
    401: "Authentication failed. Confirm that the access token in the authorization header is valid.",
    403: "Access to this API is not available for your account",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class LineStub(RichMenuRoutes):
    def __init__(self, access_token: str | None = None, *, delay_s: float = 0.0) -> None:
        super().__init__(delay_s=delay_s)
        self.access_token = access_token
        self.used_reply_tokens: set[str] = set()
        self.expired_reply_tokens: set[str] = set()
        self.accepted_retry_keys: dict[str, str] = {}  # retry key -> request id
        self.conflicts = 0  # 409s answered for a reused retry key
        self.delivered: Counter[str] = Counter()  # user id -> messages received by push or multicast
        self._texts: dict[str, list[str]] = defaultdict(list)
        self._replies: list[tuple[str, list[str]]] = []
        self._rich_menu_state()

    def _routes(self, app: web.Application) -> None:
        for endpoint in ("reply", "push", "multicast", "broadcast"):
            app.router.add_post(f"/v2/bot/message/{endpoint}", self._route(endpoint))
        app.router.add_get("/v2/bot/info", self._info_route)
        app.router.add_post("/v2/bot/chat/loading/start", self._loading_route)
        self._rich_menu_routes(app)

    async def _info_route(self, request: web.Request) -> web.Response:
        return await self._serve(request, "info", self._info)

    async def _loading_route(self, request: web.Request) -> web.Response:
        return await self._serve(request, "loading", self._loading)

    def _route(self, endpoint: str) -> Any:
        async def route(request: web.Request) -> web.Response:
            return await self._serve(request, endpoint, self._send(endpoint))

        return route

    # --- what people received ---------------------------------------------------------------------------

    def retry_keys(self) -> list[str | None]:
        """The X-Line-Retry-Key of every push and multicast request, answered or not, in order."""
        return [r.headers.get("X-Line-Retry-Key") for r in self.requests if r.endpoint in ("push", "multicast")]

    def stats(self) -> dict[str, Any]:
        return {
            "recipients": len(self.delivered),
            "messages": sum(self.delivered.values()),
            "duplicates": duplicates(self.delivered),
            "requests": len(self.requests),
            "multicasts": len(self.calls("multicast", accepted=True)),
            "conflicts": self.conflicts,
        }

    def expire_reply_token(self, token: str) -> None:
        """Make ``token`` answer 400 "Invalid reply token", as an expired or redelivered one does."""
        self.expired_reply_tokens.add(token)

    def texts_to(self, user_id: str) -> list[str]:
        """Texts ``user_id`` received by push or multicast, in order."""
        return list(self._texts.get(user_id, []))

    def reply_texts(self, reply_token: str | None = None) -> list[str]:
        """Texts sent by accepted replies (to ``reply_token`` only, if given), in order."""
        return [t for token, texts in self._replies if reply_token in (None, token) for t in texts]

    def messages(self, endpoint: str) -> list[dict[str, Any]]:
        """Every message object of the accepted requests to ``endpoint``, in order."""
        return [m for r in self.calls(endpoint, accepted=True) for m in r.body.get("messages", [])]

    # --- serving ------------------------------------------------------------------------------------------

    def _authorize(self, request: web.Request) -> Answer | None:
        if self.access_token is None or request.headers.get("Authorization") == f"Bearer {self.access_token}":
            return None
        return Answer(401, {"message": _ERRORS[401]})

    def _recipients(self, endpoint: str, body: Mapping[str, Any]) -> Iterable[str]:
        to = body.get("to")
        return [to] if isinstance(to, str) else list(to or [])

    def _error(self, endpoint: str, status: int) -> Any:
        if endpoint == "reply" and status == 400:
            return {"message": "Invalid reply token"}
        return {"message": _ERRORS.get(status, f"Error {status}")}

    async def _info(self, body: dict[str, Any], request: web.Request) -> Answer:
        info = {
            "userId": "U" + "0" * 32,
            "basicId": "@ginbot",
            "displayName": "ginbot",
            "chatMode": "bot",
            "markAsReadMode": "auto",
        }
        return Answer(200, info, {"x-line-request-id": str(uuid.uuid4())})

    async def _loading(self, body: dict[str, Any], request: web.Request) -> Answer:
        seconds = body.get("loadingSeconds", 20)
        if not isinstance(body.get("chatId"), str) or not body["chatId"]:
            return Answer(400, {"message": _ERRORS[400], "details": [{"property": "chatId"}]})
        if not isinstance(seconds, int) or seconds % 5 or not 5 <= seconds <= 60:
            return Answer(400, {"message": _ERRORS[400], "details": [{"property": "loadingSeconds"}]})
        return Answer(202, {}, {"x-line-request-id": str(uuid.uuid4())})

    def _send(self, endpoint: str) -> Any:
        async def send(body: dict[str, Any], request: web.Request) -> Answer:
            key = request.headers.get("X-Line-Retry-Key")
            problem = _validate(endpoint, body, key)
            if problem is not None:
                return Answer(400, {"message": _ERRORS[400], "details": [problem]})
            if key is not None and key in self.accepted_retry_keys:
                self.conflicts += 1
                accepted_id = self.accepted_retry_keys[key]
                return Answer(
                    409,
                    {"message": "The retry key is already accepted", "sentMessages": []},
                    {"x-line-accepted-request-id": accepted_id},
                )
            if endpoint == "reply":
                token = body["replyToken"]
                if token in self.used_reply_tokens or token in self.expired_reply_tokens:
                    return Answer(400, {"message": "Invalid reply token"})
                self.used_reply_tokens.add(token)
                self._replies.append((token, [words(m) for m in body["messages"]]))
            else:
                for user in self._recipients(endpoint, body):
                    for message in body["messages"]:
                        self.delivered[user] += 1
                        self._texts[user].append(words(message))
            request_id = str(uuid.uuid4())
            if key is not None:
                self.accepted_retry_keys[key] = request_id
            sent = [
                {"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex} for _ in body["messages"]
            ]
            return Answer(200, {"sentMessages": sent}, {"x-line-request-id": request_id})

        return send


def words(message: Mapping[str, Any]) -> str:
    """What a person reads without layout: a text message's text, a Flex message's altText."""
    return str(message.get("text") or message.get("altText") or "")


def _validate(endpoint: str, body: Mapping[str, Any], retry_key: str | None) -> dict[str, str] | None:
    """The first problem LINE would report for this request, or None."""
    if retry_key is not None:
        if endpoint == "reply":
            return {"message": "The retry key is not supported for this API", "property": "X-Line-Retry-Key"}
        try:
            uuid.UUID(retry_key)
        except ValueError:
            return {"message": "The retry key must be a UUID", "property": "X-Line-Retry-Key"}
    if endpoint == "reply" and not body.get("replyToken"):
        return {"message": "Must not be empty", "property": "replyToken"}
    if endpoint == "push" and not isinstance(body.get("to"), str):
        return {"message": "Must be a user, group or room id", "property": "to"}
    if endpoint == "multicast":
        to = body.get("to")
        if not isinstance(to, list) or not 1 <= len(to) <= MAX_MULTICAST_TO:
            return {"message": f"Size must be between 1 and {MAX_MULTICAST_TO}", "property": "to"}
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return {"message": f"Size must be between 1 and {MAX_MESSAGES}", "property": "messages"}
    for i, message in enumerate(messages):
        if message.get("type") == "text":
            text = message.get("text") or ""
            if not text.strip() or utf16_units(text) > MAX_TEXT_UTF16:
                return {
                    "message": f"Length must be between 1 and {MAX_TEXT_UTF16}",
                    "property": f"messages[{i}].text",
                }
        if message.get("type") == "flex":
            problem = _flex_problem(message, f"messages[{i}]")
            if problem is not None:
                return problem
        items = (message.get("quickReply") or {}).get("items", [])
        if len(items) > MAX_QUICK_REPLY_ITEMS:
            return {
                "message": f"Size must be at most {MAX_QUICK_REPLY_ITEMS}",
                "property": f"messages[{i}].quickReply.items",
            }
        for j, item in enumerate(items):
            label = (item.get("action") or {}).get("label", "")
            if not 1 <= len(label) <= MAX_LABEL:
                return {
                    "message": f"Length must be between 1 and {MAX_LABEL}",
                    "property": f"messages[{i}].quickReply.items[{j}].action.label",
                }
    return None


def _flex_problem(message: Mapping[str, Any], where: str) -> dict[str, str] | None:
    alt = message.get("altText") or ""
    if not alt.strip() or len(alt) > MAX_ALT_TEXT:
        return {"message": f"Length must be between 1 and {MAX_ALT_TEXT}", "property": f"{where}.altText"}
    contents = message.get("contents") or {}
    if contents.get("type") not in ("bubble", "carousel"):
        return {"message": "Must be one of bubble, carousel", "property": f"{where}.contents.type"}
    for path, action in _actions(contents, f"{where}.contents"):
        label = action.get("label") or ""
        if len(label) > MAX_BUTTON_LABEL:
            return {"message": f"Length must be at most {MAX_BUTTON_LABEL}", "property": f"{path}.label"}
        if action.get("type") == "uri":
            uri = action.get("uri") or ""
            if not uri.startswith(URI_SCHEMES) or len(uri) > MAX_URI:
                return {"message": "Invalid uri", "property": f"{path}.uri"}
        elif action.get("type") == "message" and not (action.get("text") or "").strip():
            return {"message": "Must not be empty", "property": f"{path}.text"}
    return None


def _actions(node: Any, path: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """Every action object inside a Flex container, with its JSON path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and isinstance(value, dict):
                yield f"{path}.action", value
            else:
                yield from _actions(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _actions(value, f"{path}[{i}]")
