"""A broadcast that carries a card, through the outbox to the stub LINE and Telegram servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from ginbot.core.messages import Button, Card, CardField
from ginbot.db.models import Broadcast
from ginbot.db.session import Database
from ginbot.delivery.broadcasts import NewBroadcast, create_broadcast
from ginbot.delivery.planner import plan_once
from ginbot.delivery.targets import Target
from tests.delivery.conftest import (
    Person,
    Platforms,
    add_people,
    line_id,
    seed_campaign,
    sender_for,
    telegram_id,
)
from tests.delivery.test_sender import settle

TEXT = "ระบบ v8 ของกลุ่ม 2 จะปิดคืนนี้ กรุณาติดตั้ง v9 ให้เรียบร้อยค่ะ"
DOWNLOAD = "https://www.dga.or.th/our-services/digital-platform-services/gin-conference/"
CARD = Card(
    title="ปิดระบบ v8 กลุ่ม 2",
    subtitle="สำหรับหน่วยงานกลุ่มที่ 2",
    fields=(CardField("ปิด v8", "6 ก.ค. 2563 18:00 น."), CardField("เปิด v9", "7 ก.ค. 2563 08:00 น.")),
    buttons=(Button.link("ดาวน์โหลด v9", DOWNLOAD), Button.phone("โทรหาเจ้าหน้าที่", "02-612-6060")),
)


async def broadcast(db: Database, card: Card | None = CARD) -> int:
    async with db.session() as session:
        row = await create_broadcast(
            session,
            NewBroadcast(TEXT, Target("agency", "dga"), None, datetime.now(UTC), created_by="test", card=card),
        )
        broadcast_id = row.id
    await plan_once(db, None, datetime.now(UTC), 0)
    return broadcast_id


def button_urls(markup: Any) -> list[str]:
    rows = json.loads(markup) if isinstance(markup, str) else markup
    return [b["url"] for row in rows["inline_keyboard"] for b in row if "url" in b]


async def test_a_card_reaches_telegram_as_one_html_message_with_its_title_and_link(
    sqlite_db: Database, platforms: Platforms
) -> None:
    await seed_campaign(sqlite_db)
    await add_people(sqlite_db, [Person("telegram", telegram_id(1), "dga")])
    await broadcast(sqlite_db)
    await settle(sqlite_db, sender_for(sqlite_db, platforms))

    (sent,) = platforms.telegram.sent_messages(telegram_id(1))
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>ปิดระบบ v8 กลุ่ม 2</b>\nสำหรับหน่วยงานกลุ่มที่ 2")
    assert TEXT in sent["text"]
    assert "ปิด v8: <b>6 ก.ค. 2563 18:00 น.</b>" in sent["text"]
    assert "02-612-6060" in sent["text"]  # Telegram's URL buttons take no tel:, so the number is written out
    assert button_urls(sent["reply_markup"]) == [DOWNLOAD]


async def test_a_card_reaches_line_with_its_link_and_phone(sqlite_db: Database, platforms: Platforms) -> None:
    await seed_campaign(sqlite_db)
    await add_people(sqlite_db, [Person("line", line_id(1), "dga"), Person("line", line_id(2), "dga")])
    await broadcast(sqlite_db)
    await settle(sqlite_db, sender_for(sqlite_db, platforms))

    (message,) = platforms.line.messages("multicast")
    # One Flex bubble: the card with the announcement as its body, the link a URI action and the phone a
    # tel: action; its altText says the card in words.
    assert message["type"] == "flex" and message["altText"].startswith("ปิดระบบ v8 กลุ่ม 2: สำหรับหน่วยงานกลุ่มที่ 2")
    assert TEXT in json.dumps(message["contents"]["body"], ensure_ascii=False)
    actions = [b["action"] for b in message["contents"]["footer"]["contents"]]
    assert [(a["type"], a["uri"]) for a in actions] == [("uri", DOWNLOAD), ("uri", "tel:026126060")]


async def test_a_stored_card_that_no_longer_reads_as_one_is_dropped_and_the_text_still_goes(
    sqlite_db: Database, platforms: Platforms
) -> None:
    await seed_campaign(sqlite_db)
    await add_people(sqlite_db, [Person("telegram", telegram_id(1), "dga")])
    async with sqlite_db.session() as session:
        row = await create_broadcast(
            session, NewBroadcast(TEXT, Target("agency", "dga"), None, datetime.now(UTC), created_by="test", card=CARD)
        )
        await session.execute(update(Broadcast).where(Broadcast.id == row.id).values(card={"fields": "?"}))
    await plan_once(sqlite_db, None, datetime.now(UTC), 0)
    await settle(sqlite_db, sender_for(sqlite_db, platforms))
    assert platforms.telegram.texts_to(telegram_id(1)) == [TEXT]
