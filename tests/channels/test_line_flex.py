"""How a reply looks on LINE: cards as Flex bubbles, links and the helpdesk phone as taps, quick replies."""

from __future__ import annotations

from typing import Any

from ginbot.channels.line_convert import rest_of, to_line_messages
from ginbot.channels.line_flex import ALT_TEXT_LIMIT
from ginbot.core.messages import Button, Card, CardField, QuickReply, Reply

DATES = Card(
    title="วันย้ายไป GIN Conference v9",
    subtitle="กรมสรรพากร",
    fields=(
        CardField("กลุ่มที่", "2"),
        CardField("ย้ายไป v9", "วันอังคารที่ 7 กรกฎาคม 2563"),
        CardField("ใช้ v8 ได้ถึง", "วันจันทร์ที่ 6 กรกฎาคม 2563"),
        CardField("ถึงวันย้าย", "อีก 4 วัน"),
    ),
    buttons=(Button.message("วิธีติดตั้ง v9", "ติดตั้ง AcuConference 9 ยังไง"),),
)
YES_NO = (QuickReply("ใช่", "ใช่"), QuickReply("ไม่ใช่", "ไม่ใช่"))
DOWNLOAD = Button.link("ดาวน์โหลด v9", "https://conference.gin.go.th/download")
CALL = Button.phone("โทร 02-612-6060", "02-612-6060")


def rendered(*replies: Reply) -> list[dict[str, Any]]:
    return [m.to_dict() for m in to_line_messages(replies)]


def footer_actions(message: dict[str, Any]) -> list[tuple[str, str, str]]:
    buttons = message["contents"]["footer"]["contents"]
    return [(b["action"]["type"], b["action"]["label"], b["action"].get("uri") or b["action"]["text"]) for b in buttons]


def quick_items(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i["action"]["label"], i["action"]["text"]) for i in message["quickReply"]["items"]]


def test_a_card_is_a_bubble_whose_alt_text_says_the_dates_and_the_text_follows_with_the_choices() -> None:
    card, text = rendered(Reply("กรมสรรพากรย้าย 7 กรกฎาคม 2563 ค่ะ ท่านอยู่กรมสรรพากรใช่ไหมคะ", YES_NO, card=DATES))

    assert card["type"] == "flex" and "quickReply" not in card
    assert card["altText"] == (
        "วันย้ายไป GIN Conference v9: กรมสรรพากร · กลุ่มที่ 2 · ย้ายไป v9 วันอังคารที่ 7 กรกฎาคม 2563"
        " · ใช้ v8 ได้ถึง วันจันทร์ที่ 6 กรกฎาคม 2563 · ถึงวันย้าย อีก 4 วัน"
    )
    bubble = card["contents"]
    assert [t["text"] for t in bubble["header"]["contents"]] == ["วันย้ายไป GIN Conference v9", "กรมสรรพากร"]
    rows = [[t["text"] for t in row["contents"]] for row in bubble["body"]["contents"]]
    assert rows == [[f.label, f.value] for f in DATES.fields]
    assert footer_actions(card) == [("message", "วิธีติดตั้ง v9", "ติดตั้ง AcuConference 9 ยังไง")]
    assert text["type"] == "text" and quick_items(text) == [("ใช่", "ใช่"), ("ไม่ใช่", "ไม่ใช่")]


def test_link_and_phone_buttons_are_uri_and_tel_actions_in_one_bubble_with_the_text() -> None:
    (message,) = rendered(Reply("ดาวน์โหลด AcuConference 9 หรือโทรหาเจ้าหน้าที่ได้ค่ะ", YES_NO, buttons=(DOWNLOAD, CALL)))

    assert message["type"] == "flex"
    assert message["altText"] == "ดาวน์โหลด AcuConference 9 หรือโทรหาเจ้าหน้าที่ได้ค่ะ"
    assert message["contents"]["body"]["contents"][0]["text"] == "ดาวน์โหลด AcuConference 9 หรือโทรหาเจ้าหน้าที่ได้ค่ะ"
    assert footer_actions(message) == [
        ("uri", "ดาวน์โหลด v9", "https://conference.gin.go.th/download"),
        ("uri", "โทร 02-612-6060", "tel:026126060"),
    ]
    assert quick_items(message) == [("ใช่", "ใช่"), ("ไม่ใช่", "ไม่ใช่")]


def test_a_reply_buttons_join_its_cards_in_the_footer_once() -> None:
    card, _text = rendered(Reply("โทรได้ค่ะ", buttons=(CALL,), card=Card("ติดต่อ", buttons=(CALL,))))
    assert footer_actions(card) == [("uri", "โทร 02-612-6060", "tel:026126060")]


def test_a_text_too_long_for_a_bubble_goes_as_text_and_the_buttons_follow_in_their_own_bubble() -> None:
    long_text = "ขั้นตอนการติดตั้ง " * 200
    *texts, buttons = rendered(Reply(long_text, YES_NO, buttons=(DOWNLOAD,)))
    assert [m["type"] for m in texts] == ["text"] and texts[0]["text"] == long_text.strip()
    assert "body" not in buttons["contents"] and footer_actions(buttons)[0][0] == "uri"
    assert buttons["altText"] == "ดาวน์โหลด v9: https://conference.gin.go.th/download"
    assert quick_items(buttons) == [("ใช่", "ใช่"), ("ไม่ใช่", "ไม่ใช่")] and "quickReply" not in texts[0]


def test_message_buttons_without_a_card_or_link_are_quick_replies_and_the_text_stays_text() -> None:
    (message,) = rendered(Reply("ต้องการอะไรคะ", YES_NO[:1], buttons=(Button.message("ตั้งค่า", "ตั้งค่าการแจ้งเตือน"),)))
    assert message["type"] == "text"
    assert quick_items(message) == [("ตั้งค่า", "ตั้งค่าการแจ้งเตือน"), ("ใช่", "ใช่")]


def test_plain_replies_stay_text_messages_with_quick_reply_items() -> None:
    (message,) = rendered(Reply("สวัสดีค่ะ", YES_NO))
    assert message["type"] == "text" and message["text"] == "สวัสดีค่ะ"
    assert quick_items(message) == [("ใช่", "ใช่"), ("ไม่ใช่", "ไม่ใช่")]


def test_an_announcement_whose_card_holds_its_text_is_one_bubble() -> None:
    text = "ระบบ v8 ปิดวันที่ 6 กรกฎาคม 2563 กรุณาติดตั้ง v9"
    (message,) = rendered(Reply(text, YES_NO, card=Card("ประกาศจาก สพร.", body=text, buttons=(DOWNLOAD,))))
    assert message["type"] == "flex" and message["contents"]["body"]["contents"][0]["text"] == text
    assert footer_actions(message) == [("uri", "ดาวน์โหลด v9", "https://conference.gin.go.th/download")]
    assert quick_items(message) == [("ใช่", "ใช่"), ("ไม่ใช่", "ไม่ใช่")]


def test_a_long_card_alt_text_is_cut_to_lines_limit() -> None:
    card = Card("ประกาศ", body="แจ้งเตือน " * 100, fields=(CardField("วันที่", "7 กรกฎาคม 2563"),))
    (message,) = rendered(Reply("", card=card))
    assert len(message["altText"]) <= ALT_TEXT_LIMIT and message["altText"].endswith("…")


def test_what_is_left_of_a_reply_half_sent_renders_as_exactly_its_unsent_messages() -> None:
    reply = Reply("กรมสรรพากรย้าย 7 กรกฎาคม 2563", YES_NO, card=DATES)
    assert rest_of(reply, 0) == reply
    assert rest_of(reply, 2) is None
    rest = rest_of(reply, 1)  # the card went, the text did not
    assert rest is not None and rendered(rest) == rendered(reply)[1:]
