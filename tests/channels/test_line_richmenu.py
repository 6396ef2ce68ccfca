"""`ginbot line richmenu deploy` against the LINE stub: create, upload, make default, replace, idempotently."""

from __future__ import annotations

import pytest

from ginbot.channels.line_richmenu import MENU, MENU_NAME
from ginbot.cli import main
from ginbot.nlu.engine import Nlu
from ginbot.testing.fixtures import LINE_ACCESS_TOKEN
from ginbot.testing.line_richmenu_stub import image_size
from ginbot.testing.line_stub import LineStub

AREAS = ["วันย้ายของฉัน", "วิธีติดตั้ง", "เข้าประชุมไม่ได้", "แจ้งเตือน", "คุยกับเจ้าหน้าที่", "ช่วยเหลือ"]
# What each area's text must be understood as: a tap is answered as if the person typed it.
INTENTS = ["migration_date", "install_v9", "cannot_join", "subscribe", "contact_staff", "help"]


@pytest.fixture
def line_env(line_stub: LineStub, monkeypatch: pytest.MonkeyPatch) -> LineStub:
    monkeypatch.setenv("GINBOT_LINE_CHANNEL_ACCESS_TOKEN", LINE_ACCESS_TOKEN)
    monkeypatch.setenv("GINBOT_LINE_API_BASE", line_stub.url)
    monkeypatch.setenv("GINBOT_LINE_DATA_API_BASE", line_stub.url)
    return line_stub


async def deploy(capsys: pytest.CaptureFixture[str]) -> str:
    import asyncio

    # The command runs its own event loop, as it does from the shell; the stub keeps serving on this one.
    code = await asyncio.to_thread(main, ["line", "richmenu", "deploy"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


async def test_deploy_creates_the_six_area_menu_uploads_its_picture_and_makes_it_the_default(
    line_env: LineStub, capsys: pytest.CaptureFixture[str]
) -> None:
    out = await deploy(capsys)

    (menu_id,) = line_env.rich_menus
    assert line_env.default_rich_menu == menu_id and menu_id in out
    menu = line_env.rich_menus[menu_id]
    assert menu["name"] == MENU_NAME and menu["size"] == {"width": 2500, "height": 1686}
    assert [a["action"]["label"] for a in menu["areas"]] == AREAS
    assert all(a["action"]["type"] == "message" for a in menu["areas"])
    # The picture went to the data API host's upload endpoint, as a PNG of the menu's size under 1 MB.
    (upload,) = line_env.calls("richmenu_content", accepted=True)
    assert upload.headers["Content-Type"] == "image/png"
    assert image_size(menu["image"]) == (2500, 1686) and len(menu["image"]) <= 1_000_000
    # Steps in the order that never shows people a menu without its picture.
    order = [r.endpoint for r in line_env.requests if r.endpoint.startswith("richmenu_")]
    assert order.index("richmenu_create") < order.index("richmenu_content") < order.index("richmenu_default_set")


async def test_deploying_again_replaces_the_menu_and_leaves_one(
    line_env: LineStub, capsys: pytest.CaptureFixture[str]
) -> None:
    await deploy(capsys)
    (first,) = line_env.rich_menus
    out = await deploy(capsys)

    (second,) = line_env.rich_menus
    assert second != first and line_env.default_rich_menu == second
    assert f"replaced: {first}" in out
    (deleted,) = line_env.calls("richmenu_delete", accepted=True)
    assert deleted.path.endswith(first)
    # The old menu was deleted only once the new one was the default.
    assert line_env.requests.index(deleted) > line_env.requests.index(line_env.calls("richmenu_default_set")[-1])


async def test_a_failed_upload_leaves_the_old_menu_in_place_and_no_half_made_one(
    line_env: LineStub, capsys: pytest.CaptureFixture[str]
) -> None:
    await deploy(capsys)
    (old,) = line_env.rich_menus
    line_env.fail("richmenu_content", 500)

    import asyncio

    assert await asyncio.to_thread(main, ["line", "richmenu", "deploy"]) == 1
    assert "LINE refused the rich menu: 500" in capsys.readouterr().err
    assert list(line_env.rich_menus) == [old] and line_env.default_rich_menu == old


def test_every_area_sends_words_the_bot_understands(nlu: Nlu) -> None:
    understood = [nlu.parse(item.text) for item in MENU]
    assert [r.intent for r in understood] == INTENTS
    assert [item.label for item in MENU] == AREAS


def test_deploy_without_lines_access_token_says_which_setting_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GINBOT_LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    assert main(["line", "richmenu", "deploy"]) == 2
    assert "GINBOT_LINE_CHANNEL_ACCESS_TOKEN" in capsys.readouterr().err
