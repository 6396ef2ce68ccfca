"""Answers from knowledge topics (data/knowledge/*.yml and staff-created topics): the topic's own text."""

from __future__ import annotations

from ginbot.core.messages import QuickReply, Reply
from ginbot.core.turn import Outcome, Turn
from ginbot.core.understanding import TopicSuggestion

# Other topics offered under an answer, in case the best one was not what the person meant.
MAX_RELATED = 2


def topic_buttons(suggestions: tuple[TopicSuggestion, ...], skip_title: str = "", limit: int = MAX_RELATED) -> list[QuickReply]:
    buttons: list[QuickReply] = []
    for suggestion in suggestions:
        if suggestion.title != skip_title and len(buttons) < limit:
            buttons.append(QuickReply(suggestion.title, suggestion.question))
    return buttons


def answer(turn: Turn) -> Outcome:
    """The topic's title and answer (links filled from answers.yml), its links, and a way to a person."""
    from ginbot.core.intents import INTENTS  # the registry imports the answer modules

    topic = turn.understood.topic
    assert topic is not None
    lines = [topic.title, turn.content.render(topic.answer)]
    # Until Reply carries link buttons (issue 13), links are written out: every channel shows them as text.
    lines += [f"{label}: {url}" for label, url in topic.links]
    buttons = topic_buttons(turn.understood.topic_suggestions, skip_title=topic.title)
    buttons += [b for b in INTENTS.offer("contact_staff") if b not in buttons]
    return Outcome([Reply("\n".join(lines), tuple(buttons))], topic=topic.id)
