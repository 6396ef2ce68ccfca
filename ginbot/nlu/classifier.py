"""Intent classifier: TF-IDF word and character n-grams + a linear SVM, temperature-calibrated.

Training uses scikit-learn; prediction re-implements the (tiny) fitted
pipeline with dict look-ups and one small matrix product, because
scikit-learn's per-call input validation costs ~1 ms per message, more than
everything else in a parse together. ``tests/nlu`` checks that both paths give
the same probabilities.

Inputs are ``Prepared`` documents (normalised text and its tokens, agency
names already masked) so that normalisation and segmentation happen once per
message, in the engine.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from ginbot.nlu.intents import FALLBACK
from ginbot.nlu.lexicon import concepts

# Below this top-class probability the message is answered as `fallback`
# ("I did not understand, here is the menu"). A wrong confident answer about
# migration dates is worse than asking again, so the bar sits where 5-fold
# cross-validation on the training set (see `ginbot eval`) shows in-scope
# messages are still nearly all above it while out-of-scope noise that slipped
# past the fallback class is mostly below it. With 21 classes a uniform guess
# is 0.05, so 0.35 means "clearly preferred".
CONFIDENCE_THRESHOLD = 0.35
TOP_K = 3

# LinearSVC rather than LogisticRegression: on this data it is as accurate and
# ~20x faster to fit (0.2 s vs 4 s for lbfgs), which keeps start-up under 3 s.
# Its scores are turned into probabilities by temperature scaling (softmax of
# score / T, T fitted on out-of-fold scores), a one-parameter calibration that
# keeps the ranking and makes the threshold below mean "probability".
_C = 1.0
_RANDOM_STATE = 0
_CALIBRATION_FOLDS = 3
# Used when there are too few examples per intent to cross-validate (tests);
# the typical fitted value on the real data is of this order.
_DEFAULT_TEMPERATURE = 0.3
_CHAR_NGRAMS = (2, 4)


@dataclass(frozen=True)
class Prepared:
    """A message ready for the classifier: normalised text and its tokens."""

    text: str
    tokens: tuple[str, ...]


def word_ngrams(doc: Prepared) -> list[str]:
    """Word unigrams, bigrams (joined with a space, which no token contains) and
    domain concepts (``#audio``…, see lexicon.py)."""
    toks = doc.tokens
    return [*toks, *(f"{a} {b}" for a, b in itertools.pairwise(toks)), *concepts(toks)]


def _doc_text(doc: Prepared) -> str:
    return doc.text


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    ranked: tuple[tuple[str, float], ...]  # top-k (intent, probability), best first


class _Block:
    """One fitted TfidfVectorizer, flattened for fast single-document use."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int, analyzer: Callable[[Prepared], list[str]]):
        self.vocabulary: dict[str, int] = {term: offset + col for term, col in vectorizer.vocabulary_.items()}
        self.idf: dict[int, float] = {offset + col: float(v) for col, v in enumerate(vectorizer.idf_)}
        self.analyzer = analyzer

    def weights(self, doc: Prepared) -> dict[int, float]:
        # Same maths as TfidfVectorizer(sublinear_tf=True, norm="l2").
        counts = Counter(self.vocabulary[t] for t in self.analyzer(doc) if t in self.vocabulary)
        values = {col: (1.0 + math.log(n)) * self.idf[col] for col, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {col: v / norm for col, v in values.items()} if norm else {}


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=_CHAR_NGRAMS,
                    preprocessor=_doc_text,
                    lowercase=False,
                    sublinear_tf=True,
                ),
            ),
        ]
    )


def _model() -> LinearSVC:
    # class_weight="balanced": the fallback class also holds the sampled
    # call-centre negatives and would otherwise swamp the small intents.
    return LinearSVC(C=_C, class_weight="balanced", random_state=_RANDOM_STATE)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return result


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """The T minimising the negative log-likelihood of softmax(scores / T)."""
    rows = np.arange(len(labels))

    def nll(temperature: float) -> float:
        probs = _softmax(scores / temperature)
        return float(-np.log(np.clip(probs[rows, labels], 1e-12, None)).mean())

    found = minimize_scalar(nll, bounds=(0.01, 5.0), method="bounded", options={"xatol": 1e-3})
    return float(found.x)


class IntentClassifier:
    """Train with ``IntentClassifier.train``; ``predict`` is pure and thread-safe."""

    def __init__(
        self, pipeline: Pipeline, temperature: float, threshold: float = CONFIDENCE_THRESHOLD
    ) -> None:
        self.pipeline = pipeline
        self.temperature = temperature
        self.threshold = threshold
        union: FeatureUnion = pipeline.named_steps["features"]
        model: LinearSVC = pipeline.named_steps["model"]
        self.classes: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        words: TfidfVectorizer = union.transformer_list[0][1]
        chars: TfidfVectorizer = union.transformer_list[1][1]
        char_analyzer = chars.build_analyzer()
        self._blocks = (
            _Block(words, 0, word_ngrams),
            _Block(chars, len(words.vocabulary_), lambda d: list(char_analyzer(d))),
        )
        # Transposed so one message's handful of active features index rows.
        self._coef_t = np.ascontiguousarray(model.coef_.T)
        self._intercept = model.intercept_.copy()

    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[Prepared, str]],
        negatives: Iterable[Prepared] = (),
        threshold: float = CONFIDENCE_THRESHOLD,
    ) -> IntentClassifier:
        """Fit on (document, intent) pairs; ``negatives`` are extra `fallback` documents.

        Deterministic: inputs are sorted and de-duplicated, and the solver and
        folds are seeded, so the same data always gives the same model whatever
        order the files were read in.
        """
        labelled = {(doc.text, doc.tokens): intent for doc, intent in sorted(examples, key=_sort_key)}
        for doc in negatives:
            labelled.setdefault((doc.text, doc.tokens), FALLBACK)
        keys = sorted(labelled)
        docs = [Prepared(text, toks) for text, toks in keys]
        labels = np.array([labelled[key] for key in keys])
        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two intents to train")
        pipeline = Pipeline([("features", _features()), ("model", _model())])
        features = pipeline.named_steps["features"].fit_transform(docs, labels)
        pipeline.named_steps["model"].fit(features, labels)
        return cls(pipeline, _calibrate(features, labels), threshold)

    def scores(self, doc: Prepared) -> np.ndarray:
        """Raw SVM scores in ``self.classes`` order (fast path, no scikit-learn call)."""
        scores = self._intercept.copy()
        for block in self._blocks:
            weights = block.weights(doc)
            if weights:
                cols = np.fromiter(weights.keys(), dtype=np.intp, count=len(weights))
                vals = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
                scores += vals @ self._coef_t[cols]
        return scores

    def probabilities(self, doc: Prepared) -> np.ndarray:
        """Calibrated class probabilities in ``self.classes`` order."""
        return _softmax(self.scores(doc) / self.temperature)

    def predict(self, doc: Prepared) -> Prediction:
        """Best intent, its probability, and the top-k ranking.

        The intent is `fallback` when the best probability is under the
        threshold; ``ranked`` still lists what the model leaned towards so the
        dialogue can offer "did you mean …" buttons.
        """
        probs = self.probabilities(doc)
        order = np.argsort(-probs, kind="stable")[:TOP_K]
        ranked = tuple((self.classes[i], float(probs[i])) for i in order)
        best, confidence = ranked[0]
        if confidence < self.threshold:
            best = FALLBACK
        return Prediction(best, confidence, ranked)

    def predict_many(self, docs: Sequence[Prepared]) -> list[Prediction]:
        return [self.predict(doc) for doc in docs]


def _sort_key(pair: tuple[Prepared, str]) -> tuple[str, tuple[str, ...], str]:
    return (pair[0].text, pair[0].tokens, pair[1])


def _calibrate(features: object, labels: np.ndarray) -> float:
    """Fit the softmax temperature on out-of-fold SVM scores.

    Scores of a model on its own training data are over-confident, so the
    temperature is fitted on scores from folds that did not see the example.
    """
    _, counts = np.unique(labels, return_counts=True)
    folds = min(_CALIBRATION_FOLDS, int(counts.min()))
    if folds < 2:
        return _DEFAULT_TEMPERATURE
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=_RANDOM_STATE)
    scores = cross_val_predict(_model(), features, labels, cv=splitter, method="decision_function")
    classes = np.unique(labels)
    return fit_temperature(scores, np.searchsorted(classes, labels))
