"""Questions of ``00_start_here``: a warm-up that shows how exercises work."""

from __future__ import annotations

import numpy as np

from dlcourse.assessment.questions import Case, FunctionQuestion, WrittenQuestion


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
        hint="count the positions where the prediction differs from the true label, and divide by the number "
             "of positions; the result is a fraction between 0 and 1, not a count and not the accuracy.",
    ),
    FunctionQuestion(
        id="q2_class_counts",
        points=2,
        function="class_counts",
        public=[
            Case((np.array([[0], [1], [1], [9]], dtype=np.uint8),), np.array([1, 2, 0, 0, 0, 0, 0, 0, 0, 1])),
            Case((np.array([[3], [3]], dtype=np.uint8),), np.array([0, 0, 0, 2, 0, 0, 0, 0, 0, 0])),
            Case((np.array([[2], [0], [2], [2], [5]], dtype=np.uint8),), np.array([1, 0, 3, 0, 0, 1, 0, 0, 0, 0])),
        ],
        hidden=_label_lists,
        hint="the result always has ten entries, one per class 0 to 9, in that order, even for classes that never "
             "occur in the labels; think about the shape of the labels you are given.",
    ),
    WrittenQuestion(
        id="q3_budget",
        points=1,
        prompt="Write two or three sentences here (double-click this cell to edit it).",
        rubric="Says that the smoke budget exists so that automatic tests can execute every notebook in minutes "
               "on a small CPU machine (tiny data, few epochs, few trials), and that a model trained that "
               "little (possibly on synthetic stand-in images) has not learned, so its numbers say nothing about "
               "the method; conclusions come from the full budget. Both parts needed for the point.",
    ),
    WrittenQuestion(
        id="q4_noise",
        points=1,
        prompt="Write two or three sentences here, with the ranges your run printed (double-click to edit).",
        rubric="Quotes the ranges or standard deviations the student's own run printed (for 100 images several "
               "points, for 10,000 about half a point); decides that 0.30 and 0.32 cannot be told apart with "
               "independent test sets of 100 images (the difference of two independent error rates varies about √2 "
               "times the printed standard deviation, far more than 0.02 on 100 images, about a third of it on "
               "10,000) but can on 10,000; a student who notes that on the same images the two models would be "
               "compared image by image (lesson 03's paired comparison) is right too; ideally says that the noise "
               "shrinks like 1/sqrt(n) (standard error sqrt(p(1-p)/n), about 0.046 and 0.0046). The decision with "
               "the student's numbers earns the point; a decision without numbers, half.",
    ),
]
