"""Choose the knowledge thresholds (ginbot/nlu/decision.py) on cross-validation folds of the training data.

Run from the repository root:  .venv/bin/python scripts/calibrate_knowledge.py [--folds 5]

Never looks at held-out data (intents/heldout/, data/knowledge/heldout.yml) or at mari_test.csv. It:
1. splits intents/*.yml examples and data/knowledge/*.yml phrasings into stratified folds; for each fold,
   trains the classifier (intents + one KNOWLEDGE class + the usual TrueVoice negatives) and the topic index on
   the other folds, and scores the fold: every item then has an out-of-fold prediction and topic ranking;
2. scores a fresh sample of mari_train.csv (rows not among the training negatives) with the full model, to
   estimate false alarms on out-of-domain Thai;
3. compares retrieval variants (the linear model, TF-IDF cosine to the nearest phrasing or to the topic
   centroid, BM25 when rank_bm25 is installed) by top-1 on folds of the Thai phrasings;
4. walks a grid of the three thresholds and prints the best points: in-scope accuracy (an intent example
   counts when it gets its intent and no topic, a phrasing when it gets its own topic) with at most 1% false
   alarms.

The figures of the last run, and the rule that picked the thresholds, are in the comments of
ginbot/nlu/decision.py (TopicThresholds) and ginbot/nlu/retrieval.py. Takes a few minutes (5 trainings).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ginbot.nlu.classifier import IntentClassifier, Prediction, Prepared, char_ngrams, word_ngrams  # noqa: E402
from ginbot.nlu.decision import KNOWLEDGE, TopicThresholds, decide  # noqa: E402
from ginbot.nlu.engine import NEGATIVE_SAMPLE_SEED, NEGATIVES_FILE, Nlu, load_negative_texts  # noqa: E402
from ginbot.nlu.evaluate import GENERIC_INTENTS  # noqa: E402
from ginbot.nlu.intents import FALLBACK  # noqa: E402
from ginbot.nlu.retrieval import TopicIndex  # noqa: E402
from ginbot.nlu.topics import TopicMatch  # noqa: E402

FRESH_NEGATIVES = 1500


def fresh_negatives(path: Path, used: set[str], size: int) -> list[str]:
    texts = sorted(set(load_negative_texts(path, sample_size=10**9)) - used)
    return random.Random(NEGATIVE_SAMPLE_SEED + 1).sample(texts, min(size, len(texts)))


def compare_retrieval(nlu: Nlu, folds: int) -> None:
    """Top-1 topic accuracy of retrieval variants, on folds of the Thai phrasings (the engine does not train
    on the English ones)."""
    thai = [(nlu.prepare(q), t.id) for t in nlu.topics.topics for q in t.questions]
    english: list[tuple[Prepared, str]] = []
    labels = np.array([topic for _, topic in thai])
    hits: dict[str, list[bool]] = {}
    try:
        from rank_bm25 import BM25Okapi  # measured only; not a dependency
    except ImportError:
        BM25Okapi = None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_idx, test_idx in splitter.split(np.zeros(len(thai)), labels):
        train = [thai[i] for i in train_idx] + english
        test = [thai[i] for i in test_idx]
        docs, topics = [d for d, _ in train], np.array([t for _, t in train])
        index = TopicIndex([(d, t, t) for d, t in train])
        hits.setdefault("linear SVM (TopicIndex)", []).extend(index.search(d)[0].id == t for d, t in test)
        for name, parts in (("words", ("w",)), ("chars", ("c",)), ("words+chars", ("w", "c"))):
            vectorizers = {"w": TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True),
                           "c": TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True)}  # fmt: skip
            train_m = [normalize(vectorizers[p].fit_transform(docs)) for p in parts]
            test_m = [normalize(vectorizers[p].transform([d for d, _ in test])) for p in parts]
            cosines = sum((b @ a.T).toarray() for a, b in zip(train_m, test_m, strict=True)) / len(parts)
            hits.setdefault(f"cosine, nearest phrasing, {name}", []).extend(
                topics[int(np.argmax(row))] == t for row, (_, t) in zip(cosines, test, strict=True)
            )
            if name == "words+chars":
                stacked = sp.hstack(train_m).tocsr()
                classes = sorted(set(topics))
                centroids = normalize(np.vstack([np.asarray(stacked[topics == c].mean(axis=0)) for c in classes]))
                queries = normalize(sp.hstack(test_m).tocsr())
                best = np.argmax(queries @ centroids.T, axis=1)
                hits.setdefault("cosine, topic centroid, words+chars", []).extend(
                    classes[int(b)] == t for b, (_, t) in zip(np.ravel(best), test, strict=True)
                )
        if BM25Okapi is not None:
            bm25 = BM25Okapi([list(d.tokens) or [""] for d in docs])
            hits.setdefault("BM25 (rank_bm25), word tokens", []).extend(
                topics[int(np.argmax(bm25.get_scores(list(d.tokens))))] == t for d, t in test
            )
    print(f"retrieval top-1 on {folds}-fold CV of {len(thai)} Thai phrasings:")
    for name, results in hits.items():
        print(f"  {name:40} {np.mean(results):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    nlu = Nlu.from_paths(ROOT / "intents", ROOT / "data" / "agencies.csv")
    compare_retrieval(nlu, args.folds)
    threshold = nlu.classifier.threshold
    intent_docs = list(nlu.training_documents)
    topic_docs = [(nlu.prepare(q), t.id, t.title) for t in nlu.topics.topics for q in t.questions]
    items: list[tuple[Prepared, str, str | None, str]] = [(d, i, None, "") for d, i in intent_docs]
    items += [(d, KNOWLEDGE, topic_id, title) for d, topic_id, title in topic_docs]
    labels = np.array([label for _, label, _, _ in items])

    out_of_fold: list[tuple[Prediction, list[TopicMatch]] | None] = [None] * len(items)
    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0)
    for number, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(items)), labels), start=1):
        train = [items[i] for i in train_idx]
        classifier = IntentClassifier.train([(d, label) for d, label, _, _ in train], nlu.negative_documents)
        index = TopicIndex([(d, topic, title) for d, _, topic, title in train if topic is not None])
        for i in test_idx:
            out_of_fold[i] = (classifier.predict(items[i][0]), index.search(items[i][0]))
        print(f"fold {number}/{args.folds} done", file=sys.stderr)
    n_topic = sum(topic is not None for _, _, topic, _ in items)
    print(f"\n{len(intent_docs)} intent examples, {n_topic} phrasings of {len(nlu.topics)} topics")

    used = {doc.text for doc in nlu.negative_documents}
    fresh = fresh_negatives(ROOT / "data" / NEGATIVES_FILE, used, FRESH_NEGATIVES)
    fresh_scored = [(nlu.classifier.predict(d), nlu.index.search(d)) for d in map(nlu.prepare, fresh)]

    def rates(limits: TopicThresholds) -> tuple[float, float, float, float, float]:
        intent_ok = topic_ok = wrong = 0
        for result, (_, label, topic, _) in zip(out_of_fold, items, strict=True):
            assert result is not None
            decision = decide(result[0], result[1], threshold, limits)
            if topic is None:
                intent_ok += decision.topic is None and decision.intent == label
                wrong += decision.topic is not None
            else:
                topic_ok += decision.topic is not None and decision.topic.id == topic
                wrong += decision.topic is not None and decision.topic.id != topic
        alarms = 0
        for prediction, matches in fresh_scored:
            decision = decide(prediction, matches, threshold, limits)
            alarms += decision.topic is not None or decision.intent not in GENERIC_INTENTS
        n_intent = len(items) - n_topic
        return (
            (intent_ok + topic_ok) / len(items),
            intent_ok / n_intent,
            topic_ok / n_topic,
            alarms / len(fresh_scored),
            wrong / len(items),
        )

    grid = np.round(np.arange(0.05, 1.001, 0.05), 2)
    results: list[tuple[tuple[float, float, float, float, float], TopicThresholds]] = []
    for t, g, s in itertools.product(grid[grid <= 0.8], grid[grid <= 0.7], grid[grid >= 0.3]):
        if s < g:
            continue
        limits = TopicThresholds(float(t), float(g), float(s))
        results.append((rates(limits), limits))
    allowed = [r for r in results if r[0][3] <= 0.01]
    allowed.sort(key=lambda r: (-r[0][0], r[0][3]))
    print(f"\nfresh TrueVoice rows: {len(fresh_scored)}; out-of-fold fallback examples: {int((labels == FALLBACK).sum())}")
    print("best thresholds with <= 1% false alarms (topic, over_generic, over_scripted):")
    print("  in-scope  intents  topics  false-alarms  wrong-topic")

    def show(row: tuple[tuple[float, float, float, float, float], TopicThresholds]) -> None:
        (overall, intents, topics, alarms, wrong), limits = row
        print(
            f"  {overall:.3f}     {intents:.3f}    {topics:.3f}   {alarms:.3f}         {wrong:.3f}   "
            f"({limits.topic:.2f}, {limits.over_generic:.2f}, {limits.over_scripted:.2f})"
        )

    for row in allowed[:8]:
        show(row)
    print("best per topic threshold (a higher one answers fewer questions with a wrong topic):")
    for value in grid[grid <= 0.8]:
        best = [r for r in allowed if r[1].topic == value]
        if best:
            show(best[0])
    print("current decision.py values:")
    show((rates(TopicThresholds()), TopicThresholds()))


if __name__ == "__main__":
    main()
