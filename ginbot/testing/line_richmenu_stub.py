"""The LINE stub's rich-menu endpoints (mixed into LineStub), checked as LINE checks them.

- ``POST /v2/bot/richmenu`` (endpoint "richmenu_create"): size 2500×1686 or 2500×843 (or the compact sizes),
  1–20 areas inside the picture, chatBarText of at most 14 characters, action labels of at most 20.
- ``GET /v2/bot/richmenu/list`` ("richmenu_list"), ``DELETE /v2/bot/richmenu/{id}`` ("richmenu_delete").
- ``POST /v2/bot/richmenu/{id}/content`` ("richmenu_content", on the data API host; the tests point it at the
  same stub): a PNG or JPEG of at most 1 MB whose dimensions are the menu's, uploaded once per menu.
- ``POST /v2/bot/user/all/richmenu/{id}`` ("richmenu_default_set"; 400 for a menu without its picture),
  ``GET /v2/bot/user/all/richmenu`` ("richmenu_default_get"; 404 without one),
  ``DELETE /v2/bot/user/all/richmenu`` ("richmenu_default_cancel").

``rich_menus`` (id → the created menu, with ``"image"``: the uploaded bytes or None) and ``default_rich_menu``
say what the channel has now.
"""

from __future__ import annotations

import io
import struct
import uuid
from typing import Any

from aiohttp import web

from ginbot.testing.stub_server import Answer, StubServer

MAX_IMAGE_BYTES = 1_000_000
MENU_WIDTHS = (2500, 1200, 800)
MAX_AREAS = 20
MAX_CHAT_BAR_TEXT = 14
MAX_AREA_LABEL = 20


def _not_found() -> Answer:
    return Answer(404, {"message": "Not found"})


def _bad(message: str, prop: str) -> Answer:
    return Answer(400, {"message": "The request body has 1 error(s)", "details": [{"message": message, "property": prop}]})


class RichMenuRoutes(StubServer):
    def _rich_menu_state(self) -> None:
        self.rich_menus: dict[str, dict[str, Any]] = {}
        self.default_rich_menu: str | None = None

    def _rich_menu_routes(self, app: web.Application) -> None:
        routes: list[tuple[str, str, str, Any]] = [
            ("POST", "/v2/bot/richmenu", "richmenu_create", self._create_menu),
            ("GET", "/v2/bot/richmenu/list", "richmenu_list", self._list_menus),
            ("DELETE", "/v2/bot/richmenu/{menu_id}", "richmenu_delete", self._delete_menu),
            ("POST", "/v2/bot/richmenu/{menu_id}/content", "richmenu_content", self._upload_image),
            ("POST", "/v2/bot/user/all/richmenu/{menu_id}", "richmenu_default_set", self._set_default),
            ("GET", "/v2/bot/user/all/richmenu", "richmenu_default_get", self._get_default),
            ("DELETE", "/v2/bot/user/all/richmenu", "richmenu_default_cancel", self._cancel_default),
        ]
        for method, path, endpoint, handle in routes:
            app.router.add_route(method, path, self._rich_route(endpoint, handle))

    def _rich_route(self, endpoint: str, handle: Any) -> Any:
        async def route(request: web.Request) -> web.Response:
            return await self._serve(request, endpoint, handle)

        return route

    async def _create_menu(self, body: dict[str, Any], request: web.Request) -> Answer:
        size = body.get("size") or {}
        width, height = size.get("width"), size.get("height")
        if width not in MENU_WIDTHS or not isinstance(height, int) or not 250 <= height <= 1686:
            return _bad("Invalid size", "size")
        if len(body.get("chatBarText") or "") > MAX_CHAT_BAR_TEXT or not body.get("chatBarText"):
            return _bad(f"Length must be between 1 and {MAX_CHAT_BAR_TEXT}", "chatBarText")
        areas = body.get("areas") or []
        if not 1 <= len(areas) <= MAX_AREAS:
            return _bad(f"Size must be between 1 and {MAX_AREAS}", "areas")
        for i, area in enumerate(areas):
            b = area.get("bounds") or {}
            if b.get("x", -1) < 0 or b.get("y", -1) < 0 or b["x"] + b.get("width", 0) > width or b["y"] + b.get("height", 0) > height:
                return _bad("Area is outside the rich menu", f"areas[{i}].bounds")
            if len((area.get("action") or {}).get("label") or "") > MAX_AREA_LABEL:
                return _bad(f"Length must be at most {MAX_AREA_LABEL}", f"areas[{i}].action.label")
        menu_id = f"richmenu-{uuid.uuid4().hex}"
        self.rich_menus[menu_id] = {**body, "richMenuId": menu_id, "selected": bool(body.get("selected")), "image": None}
        return Answer(200, {"richMenuId": menu_id})

    async def _list_menus(self, body: dict[str, Any], request: web.Request) -> Answer:
        menus = [{k: v for k, v in m.items() if k != "image"} for m in self.rich_menus.values()]
        return Answer(200, {"richmenus": menus})

    async def _delete_menu(self, body: dict[str, Any], request: web.Request) -> Answer:
        menu_id = request.match_info["menu_id"]
        if self.rich_menus.pop(menu_id, None) is None:
            return _not_found()
        if self.default_rich_menu == menu_id:
            self.default_rich_menu = None
        return Answer(200, {})

    async def _upload_image(self, body: dict[str, Any], request: web.Request) -> Answer:
        menu = self.rich_menus.get(request.match_info["menu_id"])
        if menu is None:
            return _not_found()
        if menu["image"] is not None:
            return _bad("An image has already been uploaded to the richmenu", "richMenuId")
        data = await request.read()
        if request.content_type not in ("image/png", "image/jpeg"):
            return Answer(415, {"message": "Unsupported Media Type"})
        if len(data) > MAX_IMAGE_BYTES:
            return Answer(413, {"message": "Request Entity Too Large"})
        if image_size(data) != (menu["size"]["width"], menu["size"]["height"]):
            return _bad("The image size does not match the rich menu size", "image")
        menu["image"] = data
        return Answer(200, {})

    async def _set_default(self, body: dict[str, Any], request: web.Request) -> Answer:
        menu = self.rich_menus.get(request.match_info["menu_id"])
        if menu is None:
            return _not_found()
        if menu["image"] is None:
            return _bad("must upload richmenu image before applying it to user", "richMenuId")
        self.default_rich_menu = menu["richMenuId"]
        return Answer(200, {})

    async def _get_default(self, body: dict[str, Any], request: web.Request) -> Answer:
        if self.default_rich_menu is None:
            return Answer(404, {"message": "no default richmenu"})
        return Answer(200, {"richMenuId": self.default_rich_menu})

    async def _cancel_default(self, body: dict[str, Any], request: web.Request) -> Answer:
        self.default_rich_menu = None
        return Answer(200, {})


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (from its IHDR) or a JPEG (from its SOF marker), else None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:2] == b"\xff\xd8":
        stream = io.BytesIO(data[2:])
        while (marker := stream.read(2)) and len(marker) == 2 and marker[0] == 0xFF:
            (length,) = struct.unpack(">H", stream.read(2))
            if 0xC0 <= marker[1] <= 0xCF and marker[1] not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">xHH", stream.read(5))
                return width, height
            stream.seek(length - 2, io.SEEK_CUR)
    return None
