"""Questions of ``01_classification_metrics``."""

from __future__ import annotations

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, WrittenQuestion

A = np.array


def _binary_pairs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (5, 40, 300):
        y_true = rng.integers(0, 2, size=n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
        cases.append(((y_true, y_pred), {}))
    cases.append(((np.zeros(6, dtype=int), np.zeros(6, dtype=int)), {}))  # no positives at all
    return cases


def _counts(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = [((int(tp), int(fp), int(fn)), {}) for tp, fp, fn in rng.integers(0, 50, size=(4, 3))]
    return cases + [((0, 0, int(rng.integers(1, 9))), {}), ((0, 0, 0), {})]


def _scores(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, min_recall in ((20, 0.5), (100, 0.9), (400, 0.75)):
        y_true = rng.integers(0, 2, size=n)
        y_true[:2] = [0, 1]  # both classes present
        scores = np.round(np.clip(0.3 * y_true + rng.random(n) * 0.7, 0, 1), 3)
        cases.append(((y_true, scores, min_recall), {}))
    return cases


def _multiclass(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, k in ((10, 3), (200, 5), (1000, 10)):
        y_true = rng.integers(0, k, size=n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, size=n))
        cases.append(((y_true, y_pred), {}))
    return cases


def _majority(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((rng.choice(3, size=n, p=[0.6, 0.3, 0.1]), rng.choice(3, size=m, p=[0.5, 0.3, 0.2])), {})
            for n, m in ((10, 5), (200, 80), (1000, 999))]


QUESTIONS = [
    FunctionQuestion(
        id="q1_confusion_counts", points=2, function="confusion_counts",
        public=[
            Case((A([1, 0, 1, 1, 0]), A([1, 1, 0, 1, 0])), {"tp": 2, "fp": 1, "fn": 1, "tn": 1}),
            Case((A([0, 0, 0]), A([0, 0, 0])), {"tp": 0, "fp": 0, "fn": 0, "tn": 3}),
        ],
        hidden=_binary_pairs,
        hint="return a dict with the keys 'tp', 'fp', 'fn', 'tn'; a true positive is a 1 predicted as 1.",
    ),
    FunctionQuestion(
        id="q2_precision_recall_f1", points=2, function="precision_recall_f1",
        public=[
            Case((8, 2, 2), (0.8, 0.8, 0.8)),
            Case((3, 1, 6), (0.75, 3 / 9, 2 * 0.75 * (3 / 9) / (0.75 + 3 / 9))),
            Case((0, 0, 5), (0.0, 0.0, 0.0)),
        ],
        hidden=_counts,
        hint="precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = their harmonic mean; return 0.0 where a denominator is 0.",
    ),
    FunctionQuestion(
        id="q3_threshold_for_recall", points=3, function="threshold_for_recall",
        public=[
            Case((A([0, 0, 1, 1, 0, 1]), A([0.1, 0.4, 0.35, 0.8, 0.2, 0.9]), 0.6), 0.8),
            Case((A([0, 0, 1, 1, 0, 1]), A([0.1, 0.4, 0.35, 0.8, 0.2, 0.9]), 1.0), 0.35),
            Case((A([1, 0, 1, 0]), A([0.9, 0.9, 0.5, 0.1]), 0.5), 0.5),  # 0.9 reaches recall 0.5 but with precision 0.5 only
        ],
        hidden=_scores,
        hint="try every distinct score as the threshold (predict 1 when score >= threshold); keep those whose recall "
             "is at least min_recall; of those, return the one with the best precision (the highest threshold on a tie).",
    ),
    FunctionQuestion(
        id="q4_macro_f1", points=2, function="macro_f1",
        public=[
            Case((A([0, 0, 1, 1, 2, 2]), A([0, 0, 1, 1, 2, 2])), 1.0),
            Case((A([0, 0, 0, 0, 1, 2]), A([0, 0, 0, 0, 0, 0])), 0.8 / 3),  # class 0: P=4/6, R=1, F1=0.8; 1, 2: F1=0
            Case((A([0, 1, 2, 0]), A([0, 2, 1, 0])), 1 / 3),
        ],
        hidden=_multiclass,
        hint="compute F1 for each class that occurs in y_true or y_pred (that class as 'positive', all others 'negative'), "
             "then take the plain mean; a class with no predicted and no true examples cannot occur.",
    ),
    FunctionQuestion(
        id="q5_majority_accuracy", points=1, function="majority_accuracy",
        public=[
            Case((A([0, 0, 1]), A([0, 1, 1, 1])), 0.25),
            Case((A([2, 2, 1, 2]), A([2, 2])), 1.0),
        ],
        hidden=_majority,
        hint="find the most frequent class in y_train (the smallest label on a tie) and measure how often y_test equals it.",
    ),
    WrittenQuestion(id="q6_averaging", points=2),
    WrittenQuestion(id="q7_cost_of_errors", points=2),
]
