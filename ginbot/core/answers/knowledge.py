"""Answers from knowledge topics (data/knowledge/*.yml and staff-created topics): the topic's own text."""

from __future__ import annotations

from ginbot.core.messages import MAX_BUTTONS, Button, QuickReply, Reply
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
    """The topic's title and answer (links filled from answers.yml), its links as buttons, the helpdesk's
    phone button, and quick replies to the next-best topics and to a person."""
    from ginbot.core.intents import INTENTS  # the registry imports the answer modules

    topic = turn.understood.topic
    assert topic is not None
    phone = turn.content.actions("contact")
    links = tuple(Button.link(label, url) for label, url in topic.links)[: MAX_BUTTONS - len(phone)]
    related = topic_buttons(turn.understood.topic_suggestions, skip_title=topic.title)
    related += [b for b in INTENTS.offer("contact_staff", turn.language) if b not in related]
    if turn.language == "en" and topic.answer_en:
        text = f"{topic.title_en or topic.title}\n{turn.content.render(topic.answer_en)}"
    elif turn.language == "en":  # no English yet: the Thai answer, and one English line saying so
        text = f"{topic.title}\n{turn.content.render(topic.answer)}\n{turn.text('topic_thai_only')}"
    else:
        text = f"{topic.title}\n{turn.content.render(topic.answer)}"
    return Outcome([Reply(text, tuple(related), buttons=(*links, *phone))], topic=topic.id)
