"""The rich menu's picture: LINE's size, under LINE's 1 MB, six distinct tiles with their Thai labels."""

from __future__ import annotations

import io

from PIL import Image

from ginbot.channels.line_richmenu import menu_image
from ginbot.channels.richmenu_image import HEIGHT, MAX_IMAGE_BYTES, WIDTH, font_path, grid
from tests.conftest import ROOT


def test_the_picture_is_a_png_of_lines_large_menu_size_under_one_megabyte() -> None:
    data = menu_image()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT) == (2500, 1686)
    assert len(data) <= MAX_IMAGE_BYTES


def test_the_six_areas_tile_the_whole_picture_without_overlap() -> None:
    areas = grid()
    assert len(areas) == 6
    assert sum(a.width * a.height for a in areas) == WIDTH * HEIGHT
    assert all(a.x + a.width <= WIDTH and a.y + a.height <= HEIGHT for a in areas)


def test_each_tile_has_its_own_colour_and_carries_text() -> None:
    image = Image.open(io.BytesIO(menu_image())).convert("RGB")
    corners = [image.getpixel((a.x + 60, a.y + 60)) for a in grid()]
    assert len(set(corners)) == 6  # six tiles a person can tell apart
    for area in grid():
        label_band = image.crop((area.x, area.y + area.height // 2, area.x + area.width, area.y + area.height * 3 // 4))
        colours = label_band.getcolors(maxcolors=4096) or []
        assert any(c == (255, 255, 255) for _, c in colours)  # white label text drawn on the tile


def test_the_thai_font_comes_from_an_installed_package() -> None:
    # Installed with ginbot (fontpkg-sarabun), not a file kept in or downloaded into the checkout.
    path = font_path("Bold")
    assert path.is_file() and "site-packages" in path.parts  # the venv may live inside the checkout (make)
    assert all(folder not in path.parents for folder in (ROOT / "ginbot", ROOT / "data"))
