"""Telegram commands and inline buttons as the core sees them."""

from __future__ import annotations

from dataclasses import replace

from ginbot.channels.telegram_convert import (
    CALLBACK_DATA_MAX_BYTES,
    COMMANDS,
    ButtonTexts,
    command_message,
    to_telegram_messages,
)
from ginbot.core.messages import Button, Card, CardField, Kind, QuickReply, Reply


def test_every_command_in_the_menu_has_a_thai_meaning() -> None:
    for name, command in COMMANDS.items():
        kind, text = command_message(f"/{name}")
        assert kind == command.kind
        assert command.description
        assert (text != "") == (kind != Kind.FOLLOW)


def test_unknown_command_and_plain_text_pass_through() -> None:
    assert command_message("/กรมสรรพากร") == (Kind.TEXT, "กรมสรรพากร")
    assert command_message("ย้ายวันไหน") == (Kind.TEXT, "ย้ายวันไหน")
    assert command_message("/START") == (Kind.FOLLOW, "")


def test_button_texts_round_trip_within_telegrams_64_bytes() -> None:
    buttons = ButtonTexts()
    short = QuickReply("กลุ่ม 2", "กลุ่ม 2 ย้ายวันไหน")
    long = QuickReply("สพร.", "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)")
    for choice in (short, long):
        data = buttons.encode(choice)
        assert len(data.encode()) <= CALLBACK_DATA_MAX_BYTES
        assert buttons.decode(data, label=choice.label) == choice.text


def test_a_long_button_from_before_a_restart_sends_its_label() -> None:
    data = ButtonTexts().encode(QuickReply("สพร.", "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"))
    assert ButtonTexts().decode(data, label="สพร.") == "สพร."


def test_the_table_of_long_texts_is_bounded() -> None:
    buttons = ButtonTexts(capacity=2)
    datas = [buttons.encode(QuickReply(f"{i}", "ก" * 30 + str(i))) for i in range(3)]
    assert buttons.decode(datas[0], label="0") == "0"
    assert buttons.decode(datas[2], label="2") == "ก" * 30 + "2"


DATES_CARD = Card(
    title="วันย้ายไป GIN Conference v9",
    subtitle="กรมสรรพากร",
    fields=(CardField("ย้ายไป v9", "วันอังคารที่ 7 กรกฎาคม 2563"),),
    buttons=(Button.phone("โทรหาเจ้าหน้าที่", "02-612-6060"),),
)


def test_a_card_keeps_the_question_its_buttons_answer() -> None:
    reply = Reply(
        "กรมสรรพากร อยู่กลุ่มที่ 2 ย้ายไปใช้ v9 วันอังคารที่ 7 กรกฎาคม 2563 ค่ะ\nท่านอยู่กรมสรรพากรใช่ไหมคะ?",
        [QuickReply("ใช่", "ใช่"), QuickReply("ไม่ใช่", "ไม่ใช่")],
        card=DATES_CARD,
    )
    ((text, markup, mode),) = to_telegram_messages([reply], ButtonTexts())
    assert mode == "HTML"
    assert text.startswith("<b>วันย้ายไป GIN Conference v9</b>\nกรมสรรพากร")
    assert "ย้ายไป v9: <b>วันอังคารที่ 7 กรกฎาคม 2563</b>" in text
    assert text.endswith("ท่านอยู่กรมสรรพากรใช่ไหมคะ?")
    assert "โทรหาเจ้าหน้าที่: 02-612-6060" in text  # no tel: URL buttons on Telegram: the number is written
    assert markup is not None and [b.text for row in markup.inline_keyboard for b in row] == ["ใช่", "ไม่ใช่"]


def test_a_card_that_holds_the_text_says_it_once_and_a_long_text_goes_after_the_card() -> None:
    announcement = "ระบบ v8 จะปิดคืนนี้ค่ะ"
    ((text, _, _),) = to_telegram_messages([Reply(announcement, card=replace(DATES_CARD, body=announcement))], ButtonTexts())
    assert text.count(announcement) == 1
    long = "ก" * 4090
    messages = to_telegram_messages([Reply(long, [QuickReply("ใช่", "ใช่")], card=DATES_CARD)], ButtonTexts())
    assert [(mode, markup is not None) for _, markup, mode in messages] == [("HTML", False), (None, True)]
    assert messages[1][0] == long


def test_a_card_is_one_html_message_with_its_buttons_as_an_inline_keyboard() -> None:
    card = Card(
        "วันย้ายไป GIN Conference v9",
        "กรมสรรพากร <สพร.>",
        fields=(CardField("ย้ายไป v9", "วันอังคารที่ 7 กรกฎาคม 2563"),),
        buttons=(Button.message("วิธีติดตั้ง v9", "วิธีติดตั้ง v9"),),
    )
    reply = Reply("กรมสรรพากรย้าย 7 กรกฎาคม 2563", (QuickReply("ใช่", "ใช่"),), card=card)
    ((text, markup, mode),) = to_telegram_messages([reply], ButtonTexts())
    assert mode == "HTML"
    assert text.splitlines()[:2] == ["<b>วันย้ายไป GIN Conference v9</b>", "กรมสรรพากร &lt;สพร.&gt;"]
    assert "ย้ายไป v9: <b>วันอังคารที่ 7 กรกฎาคม 2563</b>" in text
    assert markup is not None
    assert [b.text for row in markup.inline_keyboard for b in row] == ["วิธีติดตั้ง v9", "ใช่"]


def test_a_link_is_a_url_button_and_the_helpdesk_phone_is_written_out() -> None:
    reply = Reply(
        "ดาวน์โหลดได้ที่ปุ่มด้านล่างค่ะ",
        buttons=(Button.link("ดาวน์โหลด v9", "https://conference.gin.go.th/download"), Button.phone("โทร", "02-612-6060")),
    )
    ((text, markup, mode),) = to_telegram_messages([reply], ButtonTexts())
    assert mode is None and "02-612-6060" in text  # Telegram makes a number in text tappable
    assert markup is not None
    (link,) = [b for row in markup.inline_keyboard for b in row]
    assert (link.text, link.url) == ("ดาวน์โหลด v9", "https://conference.gin.go.th/download")
