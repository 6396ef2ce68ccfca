"""Group similar unanswered questions so staff teach the bot once per kind of question, not per message.

Greedy leader clustering: questions arrive newest first; each joins the first group whose leader (its
newest question) it resembles, or starts a group. Resemblance is rapidfuzz's token-set and token-sort
ratios averaged, on word-segmented normalised text (Thai has no spaces between words, so segmenting
first is what makes token ratios meaningful). Token-set alone scores 100 whenever one question's words
are a subset of another's ("ครับ" against anything polite); averaging with token-sort stops that.
Pure: the caller passes the text-to-key function.

Bounded whatever people type: only the first ``MAX_KEY_CHARS`` of a question are segmented and compared
(a question's gist is in its start; segmenting and comparing long random text is what made the page slow),
and at most ``MAX_COMPARISONS`` similarity scores are computed per page; past that budget a question only
joins a group with exactly its key, else starts its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz

# Two questions this alike (0–100) are the same question in other words: "ห้องประชุมรองรับได้กี่คนครับ" and
# "ห้องประชุมรับได้กี่คนคะ" score 90, "แชร์หน้าจอไม่ได้" and "share screen ไม่ได้" 50 (kept apart: a
# group must never mix questions that need different answers; a missed merge only costs one more click).
SIMILAR_AT = 70.0
MAX_KEY_CHARS = 200
# About half a second of rapidfuzz on 200-character keys on this machine.
MAX_COMPARISONS = 20_000


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    created_at: datetime
    intent: str  # what the bot answered it as
    confidence: float
    channel: str
    rating: int | None = None  # the official's 👍 (1) / 👎 (-1) on the answer, if they tapped one


@dataclass
class Group:
    key: str  # the leader's segmented, normalised text
    questions: list[Question] = field(default_factory=list)

    @property
    def leader(self) -> Question:
        return self.questions[0]

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.questions]

    @property
    def guessed_intent(self) -> str:
        """What the bot most often answered these as (a hint for staff, not a choice)."""
        return Counter(q.intent for q in self.questions).most_common(1)[0][0]


def similarity(a: str, b: str) -> float:
    if a == b:
        return 100.0
    if not a or not b:
        return 0.0
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def group_similar(
    questions: Sequence[Question],
    key: Callable[[str], str],
    *,
    threshold: float = SIMILAR_AT,
    max_comparisons: int = MAX_COMPARISONS,
) -> list[Group]:
    """Groups in order of their newest question; questions keep their order inside a group."""
    groups: list[Group] = []
    exact: dict[str, Group] = {}
    budget = max_comparisons
    for question in questions:
        k = key(question.text[:MAX_KEY_CHARS])[:MAX_KEY_CHARS]
        group = exact.get(k)
        if group is None and budget >= len(groups):
            budget -= len(groups)
            best, best_score = None, threshold
            for candidate in groups:
                score = similarity(k, candidate.key)
                if score >= best_score:
                    best, best_score = candidate, score
            group = best
        if group is None:
            group = Group(k)
            groups.append(group)
        exact.setdefault(k, group)
        group.questions.append(question)
    return groups
