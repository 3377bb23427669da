"""Questions of ``03_hyperparameters_and_validation``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


def _sizes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((int(n), int(k)), {}) for n, k in ((10, 3), (int(rng.integers(50, 2000)), int(rng.integers(2, 11))),
                                                 (int(rng.integers(5, 40)), 5))]


def _losses(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 12, 60):
        curve = 2.0 * np.exp(-np.arange(n) / 8) + 0.01 * np.arange(n) + rng.normal(0, 0.02, n)
        cases.append(((np.round(curve, 4).tolist(),), {}))
    return cases


def _accuracies(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((round(float(t), 3), round(float(v), 3), 0.9), {})
            for t, v in ((0.8, 0.79), (0.99, 0.85), (0.95, 0.93), (rng.uniform(0.5, 1), rng.uniform(0.5, 1)))]


def _cv_results(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not isinstance(value, Mapping):
        return "expected the dict that cross_validate returns"
    n_folds = namespace.get("N_FOLDS")
    for key in ("test_accuracy", "test_f1_macro"):
        if key not in value:
            return f"missing {key!r}: pass scoring=['accuracy', 'f1_macro']"
        scores = np.asarray(value[key])
        if scores.shape != (n_folds,):
            return f"{key} has {scores.size} scores, expected one per fold ({n_folds}): pass cv=N_FOLDS"
        if not ((0 <= scores) & (scores <= 1)).all():
            return f"{key} scores should lie between 0 and 1, found {scores}"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_fold_sizes", points=2, function="fold_sizes",
        public=[Case((10, 5), [2, 2, 2, 2, 2]), Case((10, 3), [4, 3, 3]), Case((7, 7), [1] * 7)],
        hidden=_sizes,
        hint="K-fold cuts n samples into k folds whose sizes differ by at most one; the first n % k folds get the extra sample.",
    ),
    FunctionQuestion(
        id="q2_best_epoch", points=2, function="best_epoch",
        public=[Case(([0.9, 0.5, 0.4, 0.45, 0.6],), 3), Case(([0.3, 0.3, 0.2, 0.2],), 3), Case(([1.0],), 1)],
        hidden=_losses,
        hint="epochs are counted from 1; on a tie, return the earliest epoch.",
    ),
    FunctionQuestion(
        id="q3_diagnose", points=2, function="diagnose",
        public=[Case((0.70, 0.69, 0.9), "underfitting"), Case((0.99, 0.88, 0.9), "overfitting"),
                Case((0.95, 0.93, 0.9), "good fit")],
        hidden=_accuracies,
        hint="check the rules in order: training accuracy below the target first, then a gap over 0.05.",
    ),
    ValueQuestion(
        id="q4_cross_validation", points=2, variable="cv_results", validate=_cv_results,
        hint="cross_validate(model, X_dev, y_dev, cv=N_FOLDS, scoring=['accuracy', 'f1_macro']).",
    ),
    WrittenQuestion(id="q5_test_leak", points=2),
]
