"""The LINE stub behaves like LINE where ginbot's correctness depends on it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

from ginbot.testing.fixtures import LINE_ACCESS_TOKEN
from ginbot.testing.line_stub import LineStub


@pytest.fixture
async def api(line_stub: LineStub) -> AsyncIterator[AsyncMessagingApi]:
    async with AsyncApiClient(Configuration(access_token=LINE_ACCESS_TOKEN, host=line_stub.url)) as client:
        yield AsyncMessagingApi(client)


def text(t: str) -> TextMessage:
    return TextMessage(text=t, quickReply=None)


async def test_a_repeated_retry_key_is_answered_409_and_delivered_once(
    api: AsyncMessagingApi, line_stub: LineStub
) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to="U1", messages=[text("สวัสดีค่ะ")])  # type: ignore[list-item]
    await api.push_message(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as repeat:
        await api.push_message(request, x_line_retry_key=key)
    assert repeat.value.status == 409
    first = line_stub.calls("push")[0]
    assert repeat.value.headers["x-line-accepted-request-id"] is not None
    assert first.accepted and line_stub.texts_to("U1") == ["สวัสดีค่ะ"] and line_stub.conflicts == 1


async def test_reply_tokens_are_single_use(api: AsyncMessagingApi, line_stub: LineStub) -> None:
    request = ReplyMessageRequest(replyToken="t1", messages=[text("หนึ่ง")])  # type: ignore[list-item]
    await api.reply_message(request)
    with pytest.raises(ApiException) as again:
        await api.reply_message(request)
    assert again.value.status == 400 and "Invalid reply token" in str(again.value.body)
    assert line_stub.reply_texts("t1") == ["หนึ่ง"]


async def test_scripted_failures_hit_only_their_recipient(
    api: AsyncMessagingApi, line_stub: LineStub
) -> None:
    line_stub.fail("push", 500, to="U2")
    await api.push_message(PushMessageRequest(to="U1", messages=[text("a")]))  # type: ignore[list-item]
    with pytest.raises(ApiException) as failed:
        await api.push_message(PushMessageRequest(to="U2", messages=[text("b")]))  # type: ignore[list-item]
    assert failed.value.status == 500
    await api.push_message(PushMessageRequest(to="U2", messages=[text("c")]))  # type: ignore[list-item]
    assert line_stub.texts_to("U1") == ["a"] and line_stub.texts_to("U2") == ["c"]


async def test_multicast_counts_every_recipient(api: AsyncMessagingApi, line_stub: LineStub) -> None:
    users = [f"U{i}" for i in range(3)]
    await api.multicast(
        MulticastRequest(to=users, messages=[text("ประกาศ")]), x_line_retry_key=str(uuid.uuid4())
    )  # type: ignore[list-item]
    assert all(line_stub.delivered[u] == 1 for u in users)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"to": "U1", "messages": [{"type": "text", "text": str(i)} for i in range(6)]}, {}),
        ({"to": "U1", "messages": [{"type": "text", "text": "ก" * 5001}]}, {}),
        ({"to": "U1", "messages": [{"type": "text", "text": "x"}]}, {"X-Line-Retry-Key": "not-a-uuid"}),
    ],
    ids=["six-messages", "text-too-long", "retry-key-not-uuid"],
)
async def test_what_line_refuses_is_refused(
    line_stub: LineStub, body: dict[str, object], headers: dict[str, str]
) -> None:
    async with aiohttp.ClientSession() as http:
        resp = await http.post(
            f"{line_stub.url}/v2/bot/message/push",
            json=body,
            headers={"Authorization": f"Bearer {LINE_ACCESS_TOKEN}", **headers},
        )
    assert resp.status == 400
    assert line_stub.texts_to("U1") == []


async def test_a_wrong_access_token_is_401(line_stub: LineStub) -> None:
    async with AsyncApiClient(Configuration(access_token="wrong", host=line_stub.url)) as client:
        with pytest.raises(ApiException) as refused:
            await AsyncMessagingApi(client).get_bot_info()
    assert refused.value.status == 401
    assert line_stub.calls("info")[0].headers["Authorization"] == "Bearer wrong"


async def test_flex_messages_are_checked_as_line_checks_them(api: AsyncMessagingApi, line_stub: LineStub) -> None:
    from linebot.v3.messaging import FlexBox, FlexBubble, FlexButton, FlexMessage, URIAction

    def flex(alt: str, uri: str) -> FlexMessage:
        button = FlexButton(action=URIAction(label="เปิด", uri=uri))
        return FlexMessage(altText=alt, contents=FlexBubble(footer=FlexBox(layout="vertical", contents=[button])))

    await api.push_message(PushMessageRequest(to="U1", messages=[flex("วันย้าย", "tel:026126060")]))
    for bad in (flex("ก" * 401, "https://gin.go.th"), flex("วันย้าย", "ftp://gin.go.th")):
        with pytest.raises(ApiException) as refused:
            await api.push_message(PushMessageRequest(to="U1", messages=[bad]))
        assert refused.value.status == 400
    assert line_stub.texts_to("U1") == ["วันย้าย"]  # a Flex message reads as its altText
