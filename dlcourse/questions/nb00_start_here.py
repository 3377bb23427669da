"""Questions of ``00_start_here``: a warm-up that shows how exercises work."""

from __future__ import annotations

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, WrittenQuestion


def _label_pairs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 7, 50):
        y_true = rng.integers(0, 10, size=n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, 10, size=n))
        cases.append(((y_true, y_pred), {}))
    return cases


def _label_lists(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((rng.integers(0, 10, size=(n, 1)).astype(np.uint8),), {}) for n in (3, 40, 500)]


QUESTIONS = [
    FunctionQuestion(
        id="q1_error_rate",
        points=2,
        function="error_rate",
        public=[
            Case((np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3])), 0.0),
            Case((np.array([0, 1, 2, 3]), np.array([0, 1, 0, 0])), 0.5),
            Case((np.array([1, 1, 1]), np.array([0, 1, 1])), 1 / 3),
        ],
        hidden=_label_pairs,
        hint="the error rate is the fraction of predictions that differ from the true labels: a number between 0 and 1.",
    ),
    FunctionQuestion(
        id="q2_class_counts",
        points=2,
        function="class_counts",
        public=[
            Case((np.array([[0], [1], [1], [9]], dtype=np.uint8),), np.array([1, 2, 0, 0, 0, 0, 0, 0, 0, 1])),
            Case((np.array([[3], [3]], dtype=np.uint8),), np.array([0, 0, 0, 2, 0, 0, 0, 0, 0, 0])),
        ],
        hidden=_label_lists,
        hint="return an array of 10 counts, one per class, even for classes that never occur (np.bincount has a minlength).",
    ),
    WrittenQuestion(
        id="q3_budget",
        points=1,
        prompt="Write two or three sentences here (double-click this cell to edit it).",
    ),
]
