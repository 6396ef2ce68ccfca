"""The structured Reply: what each part means, and its plain form where nothing richer can be shown."""

from __future__ import annotations

import pytest

from ginbot.core.messages import Button, ButtonKind, Card, CardField, QuickReply, Reply


def test_wave_one_construction_still_works_and_plain_is_the_text() -> None:
    reply = Reply("สวัสดีค่ะ", (QuickReply("ช่วยเหลือ", "ช่วยอะไรได้บ้าง"),))
    assert reply.plain() == "สวัสดีค่ะ"
    assert reply.buttons == () and reply.card is None


def test_plain_adds_the_link_and_number_a_button_would_have_carried() -> None:
    reply = Reply(
        "ติดต่อเจ้าหน้าที่ได้ค่ะ",
        buttons=(Button.link("ดาวน์โหลด v9", "https://example.go.th/v9"), Button.phone("โทรหาเรา", "02-612-6060")),
    )
    assert reply.plain().splitlines() == [
        "ติดต่อเจ้าหน้าที่ได้ค่ะ",
        "ดาวน์โหลด v9: https://example.go.th/v9",
        "โทรหาเรา: 02-612-6060",
    ]


def test_plain_does_not_repeat_what_the_text_already_says() -> None:
    url = "https://example.go.th/v9"
    reply = Reply(f"ดาวน์โหลดที่ {url} ค่ะ", buttons=(Button.link("ดาวน์โหลด", url), Button.phone("โทร 1111", "1111")))
    assert reply.plain() == f"ดาวน์โหลดที่ {url} ค่ะ\nโทร 1111"  # the label already shows the number


def test_card_buttons_count_for_plain_and_message_buttons_add_nothing() -> None:
    card = Card(
        "วันย้าย",
        fields=(CardField("กลุ่มที่", "2"),),
        buttons=(Button.message("รับการแจ้งเตือน", "สมัครรับการแจ้งเตือน"), Button.link("คู่มือ", "https://x.go.th/m")),
    )
    reply = Reply("กลุ่มที่ 2 ย้ายวันที่ 7 กรกฎาคม 2563 ค่ะ", card=card)
    assert reply.plain() == "กลุ่มที่ 2 ย้ายวันที่ 7 กรกฎาคม 2563 ค่ะ\nคู่มือ: https://x.go.th/m"
    assert reply.actions == card.buttons
    assert card.plain().splitlines() == [
        "วันย้าย",
        "กลุ่มที่: 2",
        'รับการแจ้งเตือน: พิมพ์ "สมัครรับการแจ้งเตือน"',
        "คู่มือ: https://x.go.th/m",
    ]


def test_phone_button_dials_digits_only() -> None:
    button = Button.phone("โทร", "02-612-6060 ต่อ 1")
    assert button.kind is ButtonKind.PHONE and button.uri == "tel:0261260601"
    assert Button.phone("โทร", "+66 2 612 6060").uri == "tel:+6626126060"
    assert Button.message("ถาม", "ถามหน่อย").uri is None


def test_labels_are_kept_within_twenty_characters() -> None:
    button = Button.link("ดาวน์โหลดโปรแกรมเวอร์ชันใหม่ล่าสุดได้ที่นี่", "https://x.go.th")
    assert len(button.label) == 20 and button.label.endswith("…")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Button.link("ลิงก์", "javascript:alert(1)"),
        lambda: Button.phone("โทร", "ไม่มีเบอร์"),
        lambda: Button.message("ว่าง", ""),
        lambda: Card(" "),
        lambda: Card("มาก", fields=tuple(CardField(str(i), "x") for i in range(7))),
        lambda: Reply("ปุ่มเยอะ", buttons=tuple(Button.message(str(i), "x") for i in range(5))),
    ],
)
def test_malformed_parts_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]
