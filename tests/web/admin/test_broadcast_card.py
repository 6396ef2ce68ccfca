"""The composer's card: set, validated in Thai, previewed as LINE shows it, stored with the broadcast."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ginbot.db.models import Broadcast
from ginbot.delivery.cards import card_of
from tests.web.admin.conftest import Admin

DOWNLOAD = "https://www.dga.or.th/our-services/digital-platform-services/gin-conference/"
FORM: dict[str, str] = {
    "target_kind": "all",
    "when": "now",
    "text": "ระบบ v8 จะปิดคืนนี้ กรุณาติดตั้ง v9 ค่ะ",
    "card_title": "ปิดระบบ v8 กลุ่ม 2",
    "card_subtitle": "สำหรับหน่วยงานกลุ่มที่ 2",
    "card_label_1": "ปิด v8",
    "card_value_1": "6 ก.ค. 2563 18:00 น.",
    "card_label_2": "เปิด v9",
    "card_value_2": "7 ก.ค. 2563 08:00 น.",
    "card_link_label": "ดาวน์โหลด v9",
    "card_link_url": DOWNLOAD,
    "card_phone_label": "โทรหาเจ้าหน้าที่",
    "card_phone": "02-612-6060",
}


def hidden(html: str, name: str) -> str:
    return html.split(f'name="{name}" value="')[1].split('"')[0]


async def test_the_composer_offers_a_card_and_a_line_preview(admin: Admin) -> None:
    html = await (await admin.client.get("/admin/broadcasts/new")).text()
    assert "การ์ด (ไม่บังคับ)" in html and 'name="card_title"' in html and 'name="card_phone"' in html
    assert 'id="line-preview"' in html and "ตัวอย่างบน LINE" in html
    assert '<details id="card-fields">' in html  # folded away until wanted


async def test_the_card_stays_open_when_it_is_being_edited(admin: Admin) -> None:
    html = await refused(admin, card_link_url="www.dga.or.th")
    assert '<details id="card-fields" open>' in html
    again = await admin.post("/admin/broadcasts/new", FORM)  # the preview's "แก้ไข"
    assert '<details id="card-fields" open>' in await again.text()


async def test_the_preview_shows_the_card_as_a_line_bubble_and_confirming_stores_it(admin: Admin) -> None:
    resp = await admin.post("/admin/broadcasts/preview", FORM)
    html = await resp.text()
    assert resp.status == 200, html
    bubble = html.split('id="preview-card"')[1].split("</article>")[0]
    assert '<p class="flex-title">ปิดระบบ v8 กลุ่ม 2</p>' in bubble
    assert "<dt>ปิด v8</dt><dd>6 ก.ค. 2563 18:00 น.</dd>" in bubble
    assert f'href="{DOWNLOAD}"' in bubble and ">ดาวน์โหลด v9</a>" in bubble
    assert 'href="tel:026126060"' in bubble and ">โทรหาเจ้าหน้าที่</a>" in bubble
    assert FORM["text"] in bubble
    # The card's fields ride to the confirm step unchanged.
    form = {name: hidden(html, name) for name in FORM} | {"nonce": hidden(html, "nonce")}
    assert form["card_link_url"] == DOWNLOAD
    done = await admin.post("/admin/broadcasts", form)
    assert done.status == 303
    async with admin.db.session() as session:
        (row,) = (await session.scalars(select(Broadcast))).all()
    card = card_of(row.card, row.text)
    assert card is not None and card.title == "ปิดระบบ v8 กลุ่ม 2" and card.body == FORM["text"]
    assert [(f.label, f.value) for f in card.fields] == [("ปิด v8", "6 ก.ค. 2563 18:00 น."), ("เปิด v9", "7 ก.ค. 2563 08:00 น.")]
    assert [b.uri for b in card.buttons] == [DOWNLOAD, "tel:026126060"]
    # The report shows what was sent, card and all.
    report = await (await admin.client.get(done.headers["Location"])).text()
    assert '<p class="flex-title">ปิดระบบ v8 กลุ่ม 2</p>' in report and FORM["text"] in report


async def test_without_a_card_the_broadcast_is_text_only(admin: Admin) -> None:
    resp = await admin.post("/admin/broadcasts/preview", {"target_kind": "all", "when": "now", "text": "ทดสอบ"})
    html = await resp.text()
    assert resp.status == 200 and 'id="preview-card"' not in html
    done = await admin.post("/admin/broadcasts", {"target_kind": "all", "when": "now", "text": "ทดสอบ", "nonce": hidden(html, "nonce")})
    assert done.status == 303
    async with admin.db.session() as session:
        assert (await session.scalars(select(Broadcast.card))).all() == [None]


async def refused(admin: Admin, **changes: str) -> str:
    resp = await admin.post("/admin/broadcasts/preview", FORM | changes)
    html: str = await resp.text()
    assert resp.status == 400, html
    assert "กรุณาแก้ไขช่องที่มีข้อความสีแดง" in html
    return html


async def test_a_card_is_checked_field_by_field_in_thai(admin: Admin) -> None:
    html = await refused(
        admin,
        card_title="",
        card_value_2="",
        card_link_label="ดาวน์โหลดโปรแกรม GIN Conference v9",
        card_link_url="www.dga.or.th",
        card_phone="โทร ศูนย์",
    )
    assert "ใส่หัวข้อการ์ด (หรือเว้นว่างทุกช่องของการ์ด ถ้าไม่ต้องการการ์ด)" in html
    assert "ใส่รายละเอียดของแถวที่ 2 คู่กับหัวข้อ" in html
    assert "ชื่อปุ่มยาว 34 ตัวอักษร ใส่ได้ไม่เกิน 20 ตัวอักษร" in html
    assert "ลิงก์ต้องขึ้นต้นด้วย https:// และไม่มีช่องว่าง" in html
    assert "เบอร์โทรใช้ได้เฉพาะตัวเลข ขีด และช่องว่าง เช่น 02-612-6060" in html
    # What was typed is kept for correcting.
    assert 'value="www.dga.or.th"' in html and 'value="ปิด v8"' in html
    async with admin.db.session() as session:
        assert (await session.scalars(select(Broadcast))).all() == []


async def test_buttons_need_their_labels_and_rows_their_headings(admin: Admin) -> None:
    html = await refused(admin, card_link_label="", card_phone_label="", card_label_3="", card_value_3="เพิ่มเติม")
    assert "ใส่ชื่อปุ่มลิงก์ เช่น ดาวน์โหลด v9" in html
    assert "ใส่ชื่อปุ่มโทร เช่น โทรหาเจ้าหน้าที่" in html
    assert "ใส่หัวข้อของแถวที่ 3 คู่กับรายละเอียด" in html


async def test_text_and_card_together_must_fit_one_telegram_message(admin: Admin) -> None:
    html = await refused(admin, text="ก" * 4000)
    assert "ข้อความรวมกับการ์ดยาว" in html and "ส่งได้ไม่เกิน 4,096 ตัวอักษร" in html


async def test_an_empty_card_is_no_card(admin: Admin) -> None:
    blank: dict[str, Any] = {name: " " for name in FORM if name.startswith("card_")}
    resp = await admin.post("/admin/broadcasts/preview", FORM | blank)
    assert resp.status == 200
    assert 'id="preview-card"' not in await resp.text()
