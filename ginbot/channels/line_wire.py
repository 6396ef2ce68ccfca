"""A LINE reply on the wire without the SDK's slow serialisation (the request, errors and auth stay the SDK's).

line-bot-sdk's models turn themselves into JSON with ``to_dict()``, which at every level first serialises the
whole subtree through pydantic and then serialises each child again with its own ``to_dict()``: for a Flex
card that is most of the cost of answering a message (bench/webhook.py, profiled: a quarter of the server's
CPU time). ``message_json`` walks the same fields once and gives the same dictionary (field aliases, unset
fields left out; tests/channels/test_line_wire.py compares the two on every kind of message ginbot sends),
and ``post_reply`` sends it through the SDK's own ``ApiClient.call_api``, as ``reply_message`` does, so the
base URL, the bearer token, the timeout and ``ApiException`` on an error answer are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from linebot.v3.messaging import AsyncMessagingApi, Message
from pydantic.v1 import BaseModel

REPLY_PATH = "/v2/bot/message/reply"
_JSON = "application/json"
# As the SDK's reply_message declares them: the model each answer status is read into.
_REPLY_RESPONSE_TYPES = {"200": "ReplyMessageResponse", "400": "ErrorResponse", "429": "ErrorResponse"}


def message_json(value: Any) -> Any:
    """What the SDK's ``to_dict()`` gives for a model (recursively for lists and dicts), in one walk."""
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name, field in value.__fields__.items():
            item = getattr(value, name)
            if item is not None:
                out[field.alias] = message_json(item)
        return out
    if isinstance(value, list | tuple):
        return [message_json(item) for item in value]
    if isinstance(value, dict):
        return {key: message_json(item) for key, item in value.items() if item is not None}
    return value


async def post_reply(api: AsyncMessagingApi, token: str, messages: Sequence[Message], timeout_s: float) -> None:
    """POST /v2/bot/message/reply; raises the SDK's ``ApiException`` for an error answer, as it would."""
    body = {"replyToken": token, "messages": [message_json(m) for m in messages]}
    await api.api_client.call_api(
        REPLY_PATH,
        "POST",
        {},
        [],
        {"Accept": _JSON, "Content-Type": _JSON},
        body=body,
        post_params=[],
        files={},
        response_types_map=_REPLY_RESPONSE_TYPES,
        auth_settings=["Bearer"],
        _return_http_data_only=True,
        _preload_content=True,
        _request_timeout=timeout_s,
        _host=api.line_base_path,
        collection_formats={},
    )
