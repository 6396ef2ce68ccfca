"""The rich menu's picture, pure: six labelled tiles drawn with Pillow in Sarabun, as PNG bytes.

The font comes from the ``fontpkg-sarabun`` package (an install dependency), never from the network, so
drawing works offline and gives the same picture everywhere. Thai needs complex text layout (vowels and
tone marks stacked on their consonant): Pillow's Raqm layout does it when Pillow has it, and the basic
layout, which Sarabun's own mark positioning still places legibly, is the fallback.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

# LINE's large rich menu: 2500×1686 pixels, two rows of three areas.
WIDTH, HEIGHT = 2500, 1686
COLUMNS, ROWS = 3, 2
# LINE refuses images over 1 MB.
MAX_IMAGE_BYTES = 1_000_000
BACKGROUND = (236, 242, 250)
TILE_COLORS = ((27, 79, 140), (0, 128, 128), (184, 70, 50), (196, 130, 20), (46, 125, 50), (90, 90, 110))
TEXT_COLOR = (255, 255, 255)
GAP_PX = 24
LABEL_PX = 118
HINT_PX = 64
SIDE_MARGIN_PX = 56


@dataclass(frozen=True)
class Bounds:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Tile:
    label: str  # the big words on the tile (what the area does)
    hint: str  # one smaller line under it


def grid() -> list[Bounds]:
    """The six areas, row by row, covering the whole picture (the last column and row take the remainder)."""
    xs = [WIDTH * c // COLUMNS for c in range(COLUMNS + 1)]
    ys = [HEIGHT * r // ROWS for r in range(ROWS + 1)]
    return [
        Bounds(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]) for r in range(ROWS) for c in range(COLUMNS)
    ]


def draw(tiles: Sequence[Tile]) -> bytes:
    """The menu picture as PNG bytes (WIDTH×HEIGHT, under MAX_IMAGE_BYTES)."""
    areas = grid()
    if len(tiles) != len(areas):
        raise ValueError(f"the menu has {len(areas)} areas, got {len(tiles)} tiles")
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    hint_font = _font("Regular", HINT_PX)
    for i, (tile, box) in enumerate(zip(tiles, areas, strict=True)):
        left, top = box.x + GAP_PX // 2, box.y + GAP_PX // 2
        right, bottom = box.x + box.width - GAP_PX // 2, box.y + box.height - GAP_PX // 2
        pen.rounded_rectangle((left, top, right, bottom), radius=48, fill=TILE_COLORS[i % len(TILE_COLORS)])
        centre_x, centre_y = (left + right) // 2, (top + bottom) // 2
        _ring(pen, centre_x, centre_y - 190)
        label_font = _fitting(pen, tile.label, "Bold", LABEL_PX, right - left - 2 * SIDE_MARGIN_PX)
        pen.text((centre_x, centre_y + 40), tile.label, font=label_font, fill=TEXT_COLOR, anchor="mm")
        pen.text((centre_x, centre_y + 190), tile.hint, font=hint_font, fill=TEXT_COLOR, anchor="mm")
    out = io.BytesIO()
    # A palette of the few colours used keeps the file small; the anti-aliased edges survive with 64.
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    data = out.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"the menu picture is {len(data)} bytes; LINE takes at most {MAX_IMAGE_BYTES}")
    return data


def _ring(pen: ImageDraw.ImageDraw, x: int, y: int, radius: int = 90) -> None:
    """A simple white ring above each label: the tiles read as buttons without icon files."""
    pen.ellipse((x - radius, y - radius, x + radius, y + radius), outline=TEXT_COLOR, width=14)
    pen.ellipse((x - 26, y - 26, x + 26, y + 26), fill=TEXT_COLOR)


def _fitting(pen: ImageDraw.ImageDraw, text: str, style: str, size_px: int, width_px: int) -> ImageFont.FreeTypeFont:
    """The largest font up to ``size_px`` in which ``text`` fits ``width_px``."""
    while size_px > 24 and pen.textlength(text, font=_font(style, size_px)) > width_px:
        size_px -= 6
    return _font(style, size_px)


@cache
def _font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(font_path(style)), size_px, layout_engine=layout)


def font_path(style: str = "Regular") -> Path:
    """Sarabun's file for ``style`` (Regular, Bold…), from the installed fontpkg-sarabun package."""
    import fontpkg_sarabun

    path = Path(fontpkg_sarabun.ROOT) / "files" / f"Sarabun-{style}.ttf"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall ginbot (it depends on fontpkg-sarabun)")
    return path
