"""``ginbot line richmenu deploy``: the LINE rich menu, drawn, uploaded and made everyone's default.

The menu has six areas; each sends a message whose text the NLU understands, so a tap is answered exactly
as if the person had typed it (``tests/channels/test_line_richmenu.py`` checks every text with the NLU).

Deploying creates a new menu, uploads its picture to LINE's data API host, makes it the default, and only
then deletes the menu it replaces (the previous default, and any earlier menu of ginbot's by MENU_NAME), so
people never see a menu without a picture, and running it twice leaves one menu. A failure before the
switch deletes the half-made new menu and leaves the old one in place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    MessageAction,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)

from ginbot.channels.richmenu_image import HEIGHT, WIDTH, Tile, draw, grid
from ginbot.settings import Settings

log = logging.getLogger(__name__)

# How ginbot recognises its own menus among the channel's (never shown to people).
MENU_NAME = "ginbot main menu"
# The words on the closed menu's bar (LINE allows 14 characters).
CHAT_BAR_TEXT = "เมนู ginbot"
REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class MenuItem:
    label: str  # on the picture, and the action's label (≤ 20 characters)
    hint: str  # the smaller line on the picture
    text: str  # sent as the person's message when tapped


# Row by row, left to right (ginbot.channels.richmenu_image.grid).
MENU: tuple[MenuItem, ...] = (
    MenuItem("วันย้ายของฉัน", "ดูวันย้ายไป v9", "หน่วยงานของฉันย้ายวันไหน"),
    MenuItem("วิธีติดตั้ง", "ขั้นตอนทีละข้อ", "วิธีติดตั้ง v9"),
    MenuItem("เข้าประชุมไม่ได้", "แก้ปัญหาการใช้งาน", "เข้าประชุมไม่ได้"),
    MenuItem("แจ้งเตือน", "เตือนก่อนวันตัด v8", "สมัครรับการแจ้งเตือน"),
    MenuItem("คุยกับเจ้าหน้าที่", "ติดต่อทีมช่วยเหลือ", "คุยกับเจ้าหน้าที่"),
    MenuItem("ช่วยเหลือ", "ginbot ทำอะไรได้บ้าง", "ช่วยอะไรได้บ้าง"),
)


@dataclass(frozen=True)
class Deployed:
    menu_id: str
    image_bytes: int
    deleted: tuple[str, ...]  # the menus it replaced


def menu_request(items: tuple[MenuItem, ...] = MENU) -> RichMenuRequest:
    areas = [
        RichMenuArea(
            bounds=RichMenuBounds(x=box.x, y=box.y, width=box.width, height=box.height),
            action=MessageAction(label=item.label, text=item.text),
        )
        for item, box in zip(items, grid(), strict=True)
    ]
    return RichMenuRequest(
        size=RichMenuSize(width=WIDTH, height=HEIGHT),
        selected=True,  # shown open by default: the menu is how most people will start
        name=MENU_NAME,
        chatBarText=CHAT_BAR_TEXT,
        areas=areas,
    )


def menu_image(items: tuple[MenuItem, ...] = MENU) -> bytes:
    return draw([Tile(item.label, item.hint) for item in items])


async def deploy(api: AsyncMessagingApi, blob: AsyncMessagingApiBlob, image: bytes | None = None) -> Deployed:
    """Create, upload, set as default, then delete what it replaces (see the module note)."""
    image = menu_image() if image is None else image
    replaced = await _replaced(api)
    created = await api.create_rich_menu(menu_request(), _request_timeout=REQUEST_TIMEOUT_S)
    menu_id = created.rich_menu_id
    try:
        await blob.set_rich_menu_image(
            menu_id, image, _headers={"Content-Type": "image/png"}, _request_timeout=REQUEST_TIMEOUT_S
        )
        await api.set_default_rich_menu(menu_id, _request_timeout=REQUEST_TIMEOUT_S)
    except BaseException:
        await _delete(api, menu_id)  # a menu without its picture must not linger
        raise
    deleted = [old for old in replaced if old != menu_id and await _delete(api, old)]
    return Deployed(menu_id, len(image), tuple(deleted))


async def _replaced(api: AsyncMessagingApi) -> list[str]:
    """ginbot's earlier menus and the current default (which the new menu replaces), default first."""
    ids: list[str] = []
    try:
        current = await api.get_default_rich_menu_id(_request_timeout=REQUEST_TIMEOUT_S)
        ids.append(current.rich_menu_id)
    except ApiException as exc:
        if exc.status != 404:  # 404: no default menu yet
            raise
    listed = await api.get_rich_menu_list(_request_timeout=REQUEST_TIMEOUT_S)
    ids += [m.rich_menu_id for m in listed.richmenus if m.name == MENU_NAME and m.rich_menu_id not in ids]
    return ids


async def _delete(api: AsyncMessagingApi, menu_id: str) -> bool:
    try:
        await api.delete_rich_menu(menu_id, _request_timeout=REQUEST_TIMEOUT_S)
        return True
    except ApiException as exc:
        if exc.status == 404:
            return False  # already gone (deleted by hand, or by a deploy running at the same time)
        raise


async def deploy_from_settings(settings: Settings) -> Deployed:
    """``ginbot line richmenu deploy``: the channel's access token, the API and the data API hosts."""
    if settings.line_channel_access_token is None:
        raise ValueError("GINBOT_LINE_CHANNEL_ACCESS_TOKEN is not set")
    token = settings.line_channel_access_token.get_secret_value()
    # The data API is another host; the SDK sends every call to its Configuration's host, so two clients.
    async with (
        AsyncApiClient(Configuration(access_token=token, host=settings.line_api_base)) as client,
        AsyncApiClient(Configuration(access_token=token, host=settings.line_data_api_base)) as data_client,
    ):
        return await deploy(AsyncMessagingApi(client), AsyncMessagingApiBlob(data_client))
