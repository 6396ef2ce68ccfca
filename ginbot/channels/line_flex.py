"""Flex bubbles for LINE, pure: a reply's card as a "your dates" bubble, link and phone buttons as taps.

- A card is a bubble: the title and subtitle in a coloured header, the fields as label/value rows, the
  card's body (a broadcast's announcement) above them, and the buttons in the footer.
- A reply whose buttons include a link or a phone number is a bubble too: its text in the body and the
  buttons in the footer, so the download link opens and the helpdesk number dials with one tap.
- Buttons: a link is a URI action, a phone number a ``tel:`` URI action, a message button a message action
  (its text comes back as what the person typed).
- ``altText`` is what notifications, the chat list and screen readers show instead of the bubble, so it
  says the card in words (title, subtitle, each field) within ALT_TEXT_LIMIT.
"""

from __future__ import annotations

from collections.abc import Sequence

from linebot.v3.messaging import (
    Action,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexComponent,
    FlexSeparator,
    FlexText,
    MessageAction,
    URIAction,
)

from ginbot.core.messages import Button, ButtonKind, Card

# LINE long documented 400 characters for altText; staying within it keeps every client version happy.
ALT_TEXT_LIMIT = 400
# Text put in a bubble's body: a bubble holds at most 30 KB of JSON (Thai takes three bytes a character in
# UTF-8), and a longer answer reads better as plain text messages anyway.
BUBBLE_TEXT_LIMIT = 2000
HEADER_COLOR = "#1B4F8C"
HEADER_TEXT_COLOR = "#FFFFFF"
SUBTLE_COLOR = "#6B7280"
PRIMARY_COLOR = "#1B4F8C"


def action_for(button: Button) -> Action:
    """The LINE action a tap on ``button`` performs."""
    if button.kind is ButtonKind.MESSAGE:
        return MessageAction(label=button.label, text=button.value)
    uri = button.uri
    assert uri is not None  # link and phone buttons always have one
    return URIAction(label=button.label, uri=uri)


def card_bubble(card: Card, extra_buttons: Sequence[Button] = ()) -> FlexBubble:
    """The card as a bubble; ``extra_buttons`` (the reply's own) join the card's in the footer."""
    header: list[FlexComponent] = [
        FlexText(text=card.title, weight="bold", size="lg", color=HEADER_TEXT_COLOR, wrap=True)
    ]
    if card.subtitle:
        header.append(FlexText(text=card.subtitle, size="md", color=HEADER_TEXT_COLOR, wrap=True))
    body: list[FlexComponent] = []
    if card.body:
        body.append(FlexText(text=card.body, size="md", wrap=True))
    if card.body and card.fields:
        body.append(FlexSeparator(margin="md"))
    body += [_field_row(f.label, f.value) for f in card.fields]
    return FlexBubble(
        header=FlexBox(layout="vertical", contents=header, spacing="xs", backgroundColor=HEADER_COLOR),
        body=FlexBox(layout="vertical", contents=body, spacing="md") if body else None,
        footer=_footer(_unique([*card.buttons, *extra_buttons])),
    )


def text_bubble(text: str, buttons: Sequence[Button]) -> FlexBubble:
    """``text`` with ``buttons`` under it (a text beyond BUBBLE_TEXT_LIMIT goes as text messages instead, and
    the bubble carries only the buttons: pass ``text=""``)."""
    body = FlexBox(layout="vertical", contents=[FlexText(text=text, wrap=True, size="md")]) if text else None
    return FlexBubble(body=body, footer=_footer(_unique(buttons)))


def card_alt_text(card: Card) -> str:
    """The card in words: "title: subtitle · label value · …", cut to ALT_TEXT_LIMIT."""
    head = f"{card.title}: {card.subtitle}" if card.subtitle else card.title
    parts = [head, *(f"{f.label} {f.value}" for f in card.fields)]
    if card.body:
        parts.insert(1, card.body)
    return shorten(" · ".join(parts), ALT_TEXT_LIMIT)


def buttons_alt_text(text: str, buttons: Sequence[Button]) -> str:
    """What a text-and-buttons bubble says without its layout: the text, else the buttons' labels."""
    if text.strip():
        return shorten(" ".join(text.split()), ALT_TEXT_LIMIT)
    return shorten(" · ".join(b.plain() for b in buttons), ALT_TEXT_LIMIT)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _field_row(label: str, value: str) -> FlexBox:
    return FlexBox(
        layout="baseline",
        spacing="sm",
        contents=[
            FlexText(text=label, size="sm", color=SUBTLE_COLOR, flex=2, wrap=True),
            FlexText(text=value, size="sm", weight="bold", flex=3, wrap=True),
        ],
    )


def _footer(buttons: Sequence[Button]) -> FlexBox | None:
    if not buttons:
        return None
    contents: list[FlexComponent] = []
    for i, button in enumerate(buttons):
        # The first button is the one the answer leads to; the rest are quieter.
        style = "primary" if i == 0 else "secondary"
        color = PRIMARY_COLOR if i == 0 else None
        contents.append(FlexButton(action=action_for(button), style=style, color=color, height="sm"))
    return FlexBox(layout="vertical", contents=contents, spacing="sm")


def _unique(buttons: Sequence[Button]) -> list[Button]:
    out: list[Button] = []
    for b in buttons:
        if b not in out:
            out.append(b)
    return out
