"""Telegram commands and inline buttons as the core sees them."""

from __future__ import annotations

from ginbot.channels.telegram_convert import CALLBACK_DATA_MAX_BYTES, COMMANDS, ButtonTexts, command_message
from ginbot.core.messages import Kind, QuickReply


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
