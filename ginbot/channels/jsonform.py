"""Replies as JSON: what `ginbot ask --json` prints and what the web chat's page renders.

``text`` is always the reply's full plain form (``Reply.plain()``), so a script reading only ``text`` loses
nothing. ``ask --json`` keeps the contract's shape (``text``, ``quick_replies``); the web chat also gets
``buttons`` and ``card`` (``rich=True``) to show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ginbot.core.messages import Button, Card, Reply


def button_json(button: Button) -> dict[str, Any]:
    out: dict[str, Any] = {"label": button.label, "kind": button.kind.value, "value": button.value}
    if button.uri is not None:
        out["uri"] = button.uri
    return out


def card_json(card: Card) -> dict[str, Any]:
    return {
        "title": card.title,
        "subtitle": card.subtitle,
        "body": card.body,
        "fields": [{"label": f.label, "value": f.value} for f in card.fields],
        "buttons": [button_json(b) for b in card.buttons],
    }


def reply_json(reply: Reply, *, rich: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": reply.plain(),
        "quick_replies": [{"label": q.label, "text": q.text} for q in reply.quick_replies],
    }
    if rich:
        # What to write above the buttons: ``text`` repeats a link's or phone's value for text-only readers,
        # which a channel drawing the buttons would show twice.
        out["display_text"] = reply.text
        out["buttons"] = [button_json(b) for b in reply.buttons]
        out["card"] = card_json(reply.card) if reply.card is not None else None
    return out


def replies_json(replies: Sequence[Reply], *, rich: bool = True) -> list[dict[str, Any]]:
    return [reply_json(r, rich=rich) for r in replies]
