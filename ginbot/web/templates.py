"""Jinja2 set-up for every server-rendered page (web chat, admin): autoescaping is always on."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def install(app: web.Application) -> None:
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        # Chat text is user input: it must only ever render as text.
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    app.router.add_static("/static", STATIC_DIR, name="static", append_version=True)
    # Browsers ask for /favicon.ico on their own (bookmarks, tabs opened from a link): point them at it.
    app.router.add_get("/favicon.ico", _favicon)


async def _favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / FAVICON, headers={"Content-Type": "image/svg+xml"})


FAVICON = "favicon.svg"
