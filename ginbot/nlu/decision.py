"""The one decision between a scripted intent, a knowledge topic and ``fallback``.

The intent classifier is trained with one more class, ``KNOWLEDGE``, whose examples are every topic's
phrasings: its calibrated probability P(knowledge) says "this is a knowledge question" against every scripted
intent and the out-of-scope negatives at once. The topic model (retrieval.py) then says which topic, with a
probability relative to the other topics only (an off-topic message still has a "best" topic), so it never
decides alone. Three thresholds, chosen on cross-validation folds of the training data (never on held-out data;
``scripts/calibrate_knowledge.py`` prints the grid), turn the two into an answer:

- a topic answers when P(knowledge) is at least ``over_generic`` and the classifier's answer would otherwise
  be generic (the knowledge class itself, ``cannot_join``'s checklist, the menu, ``fallback``), or at least
  ``over_scripted`` against any other scripted intent; and the topic's own probability is at least ``topic``;
- a message the classifier calls a knowledge question but no topic fits well enough gets ``cannot_join``'s
  checklist when that is the runner-up (a problem we have no specific topic for), else ``fallback``: the
  review queue is where staff turn it into a new topic.

This is how "ไมค์ไม่ติด" stops getting the five-point cannot-join checklist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ginbot.nlu.classifier import Prediction
from ginbot.nlu.intents import FALLBACK
from ginbot.nlu.topics import TopicMatch

# The classifier's label for "one of the knowledge topics". Not an intent id (those are lower_snake_case
# words), so it can never clash with one, and it never leaves the NLU.
KNOWLEDGE = "#knowledge"
# The generic answer to "something does not work".
PROBLEM_CHECKLIST = "cannot_join"
# Answers that a specific topic is better than.
GENERIC_ANSWERS = frozenset({PROBLEM_CHECKLIST, "help", FALLBACK})


@dataclass(frozen=True)
class TopicThresholds:
    # From scripts/calibrate_knowledge.py (5-fold CV of intents/*.yml + data/knowledge/*.yml, 2026-11-30). The
    # out-of-fold in-scope accuracy is flat (0.724-0.745) over the grid points with at most 1% false alarms on
    # 1500 fresh TrueVoice rows, while the share of questions answered with a wrong topic falls as ``topic``
    # rises (0.124 at 0.05, 0.068 at 0.80). Rule: among the points within 0.5 points of the best accuracy,
    # the fewest wrong topics: (0.55, 0.25, 0.30), accuracy 0.741 (intents 0.820, topics 0.581), wrong
    # topics 0.095, false alarms 1.0%. A wrong topic costs more than a fallback, which still offers the best
    # topics as buttons.
    topic: float = 0.55
    over_generic: float = 0.25
    over_scripted: float = 0.3


DEFAULT_THRESHOLDS = TopicThresholds()


@dataclass(frozen=True)
class Decision:
    intent: str  # a contract intent id or `fallback`, never KNOWLEDGE
    topic: TopicMatch | None


def best_intent(prediction: Prediction, threshold: float) -> str:
    """The best-ranked real intent when it is confident enough, else `fallback`."""
    for intent, probability in prediction.ranked:
        if intent != KNOWLEDGE:
            return intent if probability >= threshold else FALLBACK
    return FALLBACK


def decide(
    prediction: Prediction,
    matches: Sequence[TopicMatch],
    threshold: float,
    limits: TopicThresholds = DEFAULT_THRESHOLDS,
) -> Decision:
    """Intent or topic for one message; ``threshold`` is the classifier's confidence threshold."""
    knowledge = dict(prediction.ranked).get(KNOWLEDGE, 0.0)
    generic = prediction.intent == KNOWLEDGE or prediction.intent in GENERIC_ANSWERS
    needed = limits.over_generic if generic else limits.over_scripted
    top = matches[0] if matches else None
    if top is not None and knowledge >= needed and top.score >= limits.topic:
        return Decision(best_intent(prediction, threshold), top)
    if prediction.intent == KNOWLEDGE:
        runner_up = next((intent for intent, _p in prediction.ranked if intent != KNOWLEDGE), FALLBACK)
        return Decision(runner_up if runner_up == PROBLEM_CHECKLIST else FALLBACK, None)
    return Decision(prediction.intent, None)
