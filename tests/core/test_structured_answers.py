"""The answers that matter carry structure: a "your dates" card, a download link, a helpdesk phone."""

from __future__ import annotations

from ginbot.core.messages import ButtonKind
from tests.core.conftest import Chat

# data/cohorts.csv: cohort 2 moves on 2020-07-07, v8 works until 2020-07-06; today is 2020-07-03.
RD_MIGRATION = "7 กรกฎาคม 2563"
RD_LAST_V8 = "6 กรกฎาคม 2563"


async def test_migration_date_answer_carries_the_dates_card(chat: Chat) -> None:
    text = await chat.say("กรมสรรพากรย้ายวันไหน")
    (reply,) = chat.replies
    card = reply.card
    assert card is not None and card.subtitle == "กรมสรรพากร"
    values = {f.label: f.value for f in card.fields}
    assert values["กลุ่มที่"] == "2"
    assert RD_MIGRATION in values["ย้ายไป v9"] and RD_LAST_V8 in values["ใช้ v8 ได้ถึง"]
    assert values["ถึงวันย้าย"] == "อีก 4 วัน"
    assert [(b.label, b.kind) for b in card.buttons] == [
        ("วิธีติดตั้ง v9", ButtonKind.MESSAGE),
        ("รับการแจ้งเตือน", ButtonKind.MESSAGE),
    ]
    # The words still say everything, for channels without cards.
    assert RD_MIGRATION in text and reply.plain() == reply.text


async def test_last_v8_day_card_counts_down_to_the_last_v8_day(chat: Chat) -> None:
    await chat.say("กรมสรรพากรใช้ v8 ได้ถึงวันไหน")
    card = chat.replies[0].card
    assert card is not None
    assert {f.label: f.value for f in card.fields}["ถึงวันสุดท้าย v8"] == "อีก 3 วัน"


async def test_which_cohort_with_an_agency_carries_the_card(chat: Chat) -> None:
    await chat.say("กรมสรรพากรอยู่กลุ่มไหน")
    assert chat.replies[0].card is not None


async def test_telling_ginbot_the_agency_shows_its_dates_card(chat: Chat) -> None:
    # Often the first answer about one's own agency: it deserves the same card as a date question.
    await chat.say("ฉันอยู่กรมสรรพากร")
    (reply,) = chat.replies
    assert reply.card is not None and reply.card.subtitle == "กรมสรรพากร"
    values = {f.label: f.value for f in reply.card.fields}
    assert RD_LAST_V8 in values["ใช้ v8 ได้ถึง"] and values["ถึงวันสุดท้าย v8"] == "อีก 3 วัน"
    assert RD_LAST_V8 in reply.text


async def test_card_buttons_are_understood_when_tapped(chat: Chat) -> None:
    await chat.say("กรมสรรพากรย้ายวันไหน")
    card = chat.replies[0].card
    assert card is not None
    install, remind = card.buttons
    assert "Windows" in [q.label for q in (await _replies(chat, install.value))]
    answer = await chat.say(remind.value)
    assert "แจ้งเตือน" in answer


async def _replies(chat: Chat, text: str) -> list:  # type: ignore[type-arg]
    await chat.say(text)
    return [q for r in chat.replies for q in r.quick_replies]


async def test_download_answer_has_a_link_button(chat: Chat) -> None:
    await chat.say("ดาวน์โหลด AcuConference 9 ได้ที่ไหน")
    (button,) = chat.replies[0].buttons
    assert button.kind is ButtonKind.LINK and button.uri is not None and button.uri.startswith("https://")


async def test_contact_answer_has_a_phone_button(chat: Chat) -> None:
    await chat.say("ขอเบอร์โทรเจ้าหน้าที่")
    (button,) = chat.replies[0].buttons
    assert button.kind is ButtonKind.PHONE and button.uri == "tel:026126060"
    assert "02-612-6060" in chat.replies[0].plain()
