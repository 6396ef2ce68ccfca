"""Find the knowledge topic a message is about: a linear model over every topic's phrasings.

Each topic is represented by its phrasings (``questions`` and ``en.questions``). A message is scored against
every topic by the same model the intents use (TF-IDF over PyThaiNLP word uni/bigrams + domain concepts and
character 2-4-grams, a linear SVM, softmax with a fitted temperature: classifier.py), so a topic's score is a
calibrated probability that the message is about it.

Measured on 5-fold cross-validation of the phrasings (scripts/calibrate_knowledge.py, 2026-11-30: 360 Thai
phrasings of 42 topics, English phrasings always in training), top-1 accuracy: this model 0.60; TF-IDF cosine
to the nearest phrasing 0.38 (words and characters averaged; characters alone 0.40, words alone 0.36); cosine
to each topic's centroid 0.52; BM25 over the same word tokens (rank_bm25) 0.38. Nearest-phrasing retrieval
loses because a short question shares more function words ("ได้ไหม", "ยังไง", "ห้อง") with unrelated
phrasings than content words with its own topic; the linear model learns which words tell topics apart.

A staff-created topic with a single phrasing is one more class; training (~0.1 s) reruns at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ginbot.nlu.classifier import Grams, IntentClassifier, Prepared
from ginbot.nlu.topics import TopicMatch


class TopicIndex:
    """Build with ``TopicIndex(documents)``, where documents are (prepared phrasing, topic id, title)."""

    def __init__(self, documents: Sequence[tuple[Prepared, str, str]]) -> None:
        self.titles: dict[str, str] = {topic_id: title for _doc, topic_id, title in documents}
        self._model: IntentClassifier | None = None
        if len(self.titles) >= 2:
            self._model = IntentClassifier.train([(doc, topic_id) for doc, topic_id, _title in documents])
            self.topic_ids: tuple[str, ...] = self._model.classes
        else:
            self.topic_ids = tuple(self.titles)

    def __len__(self) -> int:
        return len(self.topic_ids)

    def scores(self, doc: Prepared, grams: Grams | None = None) -> np.ndarray:
        """Per-topic probability in ``self.topic_ids`` order (a lone topic always scores 1: the KNOWLEDGE
        class of the intent classifier is then the only judge)."""
        if self._model is None:
            return np.ones(len(self.topic_ids))
        return self._model.probabilities(doc, grams)

    def search(self, doc: Prepared, k: int = 3, grams: Grams | None = None) -> list[TopicMatch]:
        """The k best topics, best first (empty without topics). ``grams``: classifier.analyse(doc), if known."""
        scores = self.scores(doc, grams)
        best = np.argsort(-scores, kind="stable")[:k]
        return [TopicMatch(self.topic_ids[i], self.titles[self.topic_ids[i]], float(scores[i])) for i in best]
