"""The reply on the wire: the same JSON as line-bot-sdk's own serialisation, sent where the SDK sends it."""

from __future__ import annotations

import json

import pytest

from ginbot.channels.line_convert import to_line_messages
from ginbot.channels.line_wire import message_json
from ginbot.core.messages import Button, Card, CardField, QuickReply, Reply
from ginbot.testing.line_stub import LineStub
from tests.channels.test_line_flex import CALL, DATES, DOWNLOAD, YES_NO

# Every kind of message ginbot sends on LINE: plain and long text, quick replies, link and phone buttons, a
# card with and without buttons, a card beside buttons, Thai and emoji text, a body with JSON's own quotes.
REPLIES = [
    Reply("สวัสดีค่ะ"),
    Reply("ก" * 6000),
    Reply("เลือกได้เลยค่ะ 😊", YES_NO),
    Reply("ดาวน์โหลด AcuConference 9 หรือโทรหาเจ้าหน้าที่ได้ค่ะ", YES_NO, buttons=(DOWNLOAD, CALL)),
    Reply("กรมสรรพากรย้าย 7 กรกฎาคม 2563 ค่ะ", YES_NO, card=DATES),
    Reply('ข้อความมี "เครื่องหมายคำพูด" และ \\ ด้วย', card=Card(title="ประกาศ", fields=(CardField("ก", "ข"),))),
    Reply("ติดตั้งแล้ว", (QuickReply("👍", "👍"), QuickReply("👎", "👎")), buttons=(DOWNLOAD,), card=DATES),
    Reply("โทรเลย", buttons=(Button.phone("โทร 1111", "1111"),)),
]


def test_each_message_serialises_exactly_as_the_sdk_would() -> None:
    messages = to_line_messages(REPLIES)
    assert len(messages) >= len(REPLIES)
    for message in messages:
        assert message_json(message) == message.to_dict()
        assert json.dumps(message_json(message), sort_keys=True) == json.dumps(message.to_dict(), sort_keys=True)


async def test_a_reply_reaches_line_with_its_token_and_the_channel_token() -> None:
    """Through LineChannel, as a webhook's answer goes: the stub checks the bearer token and the Flex body."""
    from linebot.v3.messaging import ApiException, AsyncApiClient, AsyncMessagingApi, Configuration

    from ginbot.channels.line_wire import post_reply

    async with LineStub(access_token="wire-token") as stub:
        client = AsyncApiClient(Configuration(access_token="wire-token", host=stub.url))
        try:
            api = AsyncMessagingApi(client)
            messages = to_line_messages([REPLIES[4]])
            await post_reply(api, "token-1", messages, 5.0)
            (call,) = stub.calls("reply", accepted=True)
            assert call.body == {"replyToken": "token-1", "messages": [m.to_dict() for m in messages]}
            # An error answer raises the SDK's ApiException, which the sender reads (status and body).
            bad = AsyncMessagingApi(AsyncApiClient(Configuration(access_token="wrong", host=stub.url)))
            try:
                with pytest.raises(ApiException) as refused:
                    await post_reply(bad, "token-2", messages, 5.0)
                assert refused.value.status == 401
            finally:
                await bad.api_client.close()
        finally:
            await client.close()


def test_a_card_sent_again_renders_as_the_first_time_whatever_rides_with_it() -> None:
    """Bubbles of recurring cards are reused (line_convert); nothing that rides on a message may leak into
    the next one that shows the same card."""
    with_choices = Reply("กรมสรรพากรย้าย 7 กรกฎาคม 2563 ค่ะ", YES_NO, card=DATES)
    with_link = Reply("ดาวน์โหลดได้ที่นี่", buttons=(DOWNLOAD,), card=DATES)
    first = [message_json(m) for m in to_line_messages([with_choices])]
    linked = [message_json(m) for m in to_line_messages([with_link])]
    again = [message_json(m) for m in to_line_messages([with_choices])]
    assert again == first
    assert [m.to_dict() for m in to_line_messages([with_choices])] == first
    footer = linked[0]["contents"]["footer"]["contents"]
    assert any(b["action"].get("uri") == DOWNLOAD.uri for b in footer)
    assert not any(b["action"].get("uri") == DOWNLOAD.uri for b in first[0]["contents"]["footer"]["contents"])
