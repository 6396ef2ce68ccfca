"""A broadcast's card as stored (JSON in ``broadcasts.card``, migration 0014) and back.

Stored without the announcement: the card's body is the broadcast's text, put in when the row is sent, so
the text is kept once and each channel shows it inside the card (Telegram's one HTML message, LINE's bubble).
A stored card that no longer reads as one (edited by hand, an older shape) is dropped, not sent half-made.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ginbot.core.messages import Button, ButtonKind, Card, CardField


def card_to_stored(card: Card | None) -> dict[str, Any] | None:
    if card is None:
        return None
    return {
        "title": card.title,
        "subtitle": card.subtitle,
        "fields": [{"label": f.label, "value": f.value} for f in card.fields],
        "buttons": [{"label": b.label, "kind": b.kind.value, "value": b.value} for b in card.buttons],
    }


def card_of(stored: object, body: str = "") -> Card | None:
    """The stored card with ``body`` as its paragraph, or None (nothing stored, or not a card)."""
    if not isinstance(stored, dict):
        return None
    try:
        card = Card(
            title=str(stored["title"]),
            subtitle=str(stored.get("subtitle") or ""),
            fields=tuple(CardField(str(f["label"]), str(f["value"])) for f in stored.get("fields") or ()),
            buttons=tuple(
                Button(str(b["label"]), ButtonKind(b["kind"]), str(b["value"])) for b in stored.get("buttons") or ()
            ),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return replace(card, body=body) if body else card
